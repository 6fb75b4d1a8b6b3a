import NablaCore

/// Evaluating a user function's body through its resolved steps (see `ResolvedBody`).
extension Evaluator {
  /// The body of `function` resolved, when it has steps worth running and they cannot go
  /// deeper than the limit from the current depth; nil when its tree should be walked.
  func resolvedBody(of function: UserFunction) -> ResolvedBody? {
    guard resolvesBodies,
      let body = Evaluator.resolvedBody(
        of: function.definition.body, parameters: function.parameters),
      depth + body.deepest <= maximumDepth
    else { return nil }
    return body
  }

  /// The body resolved with these parameters, made the first time and kept on the body's
  /// node; nil when the steps would not pay.
  @inline(never)
  static func resolvedBody(of body: Expr, parameters: [String]) -> ResolvedBody? {
    let resolved =
      body.resolvedBody ?? body.keepResolvedBody(ResolvedBody(body, parameters: parameters))
    guard resolved.isWorthRunning else { return nil }
    // A body shared by definitions with other parameter names is walked instead.
    return resolved.parameters == parameters ? resolved : nil
  }

  /// Runs the steps with the values they work on stacked on `frames`, above the arguments
  /// `frames[base...]`, and returns the body's value. An error leaves values there; the call
  /// that returns past them removes them.
  ///
  /// On the recursive path when a `node` step calls a function, so the other steps are done
  /// off it; a self-contained body never recurses, and runs them all in one loop
  /// (`runSelfContained(_:argumentsFrom:)`).
  mutating func run(_ body: ResolvedBody, argumentsFrom base: Int) throws -> Evaluated {
    let outerDepth = depth
    defer { depth = outerDepth }
    for step in body.steps {
      if case .node(let node, let level) = step {
        depth = outerDepth + level - 1
        let value = try eval(node.takeUnretainedValue())
        frames.append(value)
      } else {
        try performOffThePath(step, argumentsFrom: base)
      }
    }
    return frames.removeLast()
  }

  /// `run(_:argumentsFrom:)` for a body without `node` steps (which leaves `depth` alone).
  @inline(never)
  mutating func runSelfContained(_ body: ResolvedBody, argumentsFrom base: Int) throws
    -> Evaluated
  {
    for step in body.steps { try perform(step, argumentsFrom: base) }
    return frames.removeLast()
  }

  @inline(never)
  mutating func performOffThePath(_ step: ResolvedBody.Step, argumentsFrom base: Int) throws {
    try perform(step, argumentsFrom: base)
  }

  /// Does one step other than `node`: what `eval` does at that node, given its children's
  /// values on top of `frames`.
  @inline(__always)
  mutating func perform(_ step: ResolvedBody.Step, argumentsFrom base: Int) throws {
    switch step {
    case .parameter(let i):
      frames.append(frames[base + i])
    case .number(let x):
      frames.append(Evaluated(Variable(Tensor(x)), nonFinite: !x.isFinite))
    case .sign(let op, let node):
      let x = frames.removeLast()
      frames.append(try applySign(op, node.takeUnretainedValue(), x))
    case .binary(let op, let node):
      let b = frames.removeLast()
      let a = frames.removeLast()
      frames.append(try applyBinary(op, node.takeUnretainedValue(), a, b))
    case .binaryNumber(let op, let node, let y):
      let a = frames.removeLast()
      let b = Evaluated(Variable(Tensor(y)), nonFinite: !y.isFinite)
      frames.append(try applyBinary(op, node.takeUnretainedValue(), a, b))
    case .elementwise(let f, let node):
      let x = frames.removeLast()
      frames.append(try applyElementwise(f, node.takeUnretainedValue(), x))
    case .node:
      preconditionFailure("node steps are evaluated by run(_:argumentsFrom:)")
    }
  }
}
