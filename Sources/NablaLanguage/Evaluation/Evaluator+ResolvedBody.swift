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

  /// `evaluate(expr, bindings:)` with `names` bound to `values` in order (a later name
  /// wins). When every value is a finite 0-d constant and `expr` resolves into steps that
  /// run on numbers, it is worked out on plain numbers (`valueOnNumbers`): the same value,
  /// for an expression evaluated at many points (a symbolic derivative), which is resolved
  /// once and kept on its node. Otherwise it is evaluated with the bindings.
  public mutating func evaluate(_ expr: Expr, names: [String], values: [Variable])
    throws(Diagnostic) -> Variable
  {
    if resolvesBodies, values.allSatisfy({ $0.value.shape.isEmpty }),
      let body = Evaluator.resolvedBody(of: expr, parameters: names), body.numberStackSize != nil
    {
      let base = frames.count
      for value in values { frames.append(Evaluated(value)) }
      defer { frames.removeSubrange(base...) }
      if let y = try valueOnNumbers(body, argumentsFrom: base) { return Variable(Tensor(y)) }
    }
    return try evaluate(expr, bindings: Dictionary(zip(names, values), uniquingKeysWith: { $1 }))
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
    if let y = try valueOnNumbers(body, argumentsFrom: base) {
      return Evaluated(Variable(Tensor(y)), nonFinite: false)
    }
    for step in body.steps { try perform(step, argumentsFrom: base) }
    return frames.removeLast()
  }

  /// The body's value worked out on plain numbers, when every argument is a finite 0-d
  /// constant: nothing is recorded for a gradient, so the steps would only wrap each number
  /// in a tensor and a variable. Each step uses the scalar kernel the tensor op uses for 0-d
  /// operands (`UnaryFunction.apply`, `BinaryFunction.apply`), so the value is the steps'
  /// bit for bit (as `ResolvedBodyTests` checks). Nil, for the steps to run as usual, when an
  /// argument is not such a number, a step cannot run on numbers (`@`), or a literal or a
  /// step's result is NaN or ±inf: the steps then make the same value and warn where it
  /// turned non-finite. Ctrl-C is asked before each operation, as the steps ask it.
  @inline(never)
  func valueOnNumbers(_ body: ResolvedBody, argumentsFrom base: Int) throws(Diagnostic) -> Double? {
    guard resolvesBodies, let size = body.numberStackSize else { return nil }
    for i in 0..<body.parameters.count {
      let argument = frames[base + i]
      guard !argument.nonFinite, argument.variable.value.shape.isEmpty,
        !argument.variable.requiresGradient
      else { return nil }
    }
    // `checkStop()` for each operation, with the closure taken out of `self` once.
    let shouldStop = shouldStop
    func checkStop() throws(Diagnostic) {
      if let shouldStop, shouldStop() { throw Diagnostic.interrupted }
    }
    return try withUnsafeTemporaryAllocation(of: Double.self, capacity: Swift.max(size, 1)) {
      (stack) throws(Diagnostic) -> Double? in
      var top = 0
      for step in body.steps {
        switch step {
        case .parameter(let i):
          stack[top] = frames[base + i].variable.value.scalar!
          top += 1
        case .number(let x):
          stack[top] = x
          top += 1
        case .sign(let op, _):
          try checkStop()
          if op == .negate { stack[top - 1] = UnaryFunction.negate.apply(stack[top - 1]) }
        case .binary(let op, _):
          try checkStop()
          top -= 1
          stack[top - 1] = Evaluator.elementwise(op)!.apply(stack[top - 1], stack[top])
        case .binaryNumber(let op, _, let y):
          try checkStop()
          stack[top - 1] = Evaluator.elementwise(op)!.apply(stack[top - 1], y)
        case .elementwise(let f, _):
          try checkStop()
          stack[top - 1] = f.apply(stack[top - 1])
        case .node:
          return nil
        }
        if !stack[top - 1].isFinite { return nil }
      }
      return stack[0]
    }
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
