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
  /// turned non-finite. Ctrl-C is asked once, before the first step.
  @inline(never)
  func valueOnNumbers(_ body: ResolvedBody, argumentsFrom base: Int) throws(Diagnostic) -> Double? {
    guard resolvesBodies, let size = body.numberStackSize else { return nil }
    for i in 0..<body.parameters.count {
      let argument = frames[base + i]
      guard !argument.nonFinite, argument.variable.value.shape.isEmpty,
        !argument.variable.requiresGradient
      else { return nil }
    }
    // The closure takes the frames, not `self`: capturing `self` would copy the evaluator.
    let frames = frames
    return try Evaluator.run(body, stackSize: size, shouldStop: shouldStop) {
      frames[base + $0].variable.value.scalar!
    }
  }

  /// `function` at `arguments` worked out on plain numbers: what calling it on 0-d
  /// constants gives, without wrapping them (see `valueOnNumbers(_:argumentsFrom:)`). Nil,
  /// for the caller to call the function, when its body cannot run on numbers, an argument
  /// is not finite, or a value turns NaN or ±inf.
  public func valueOnNumbers(of function: UserFunction, at arguments: [Double])
    throws(Diagnostic) -> Double?
  {
    guard arguments.count == function.parameters.count, arguments.allSatisfy(\.isFinite),
      let body = resolvedBody(of: function), let size = body.numberStackSize
    else { return nil }
    return try Evaluator.run(body, stackSize: size, shouldStop: shouldStop) { arguments[$0] }
  }

  /// The steps of a body that runs on numbers, on a stack of `Double`s, with each parameter's
  /// number from `argument`; nil when a value is NaN or ±inf. Ctrl-C (`shouldStop`) is asked
  /// once, before the first step: the whole evaluation takes about as long as one tensor op.
  @inline(__always)
  static func run(
    _ body: ResolvedBody, stackSize: Int, shouldStop: (@Sendable () -> Bool)?,
    argument: (Int) -> Double
  ) throws(Diagnostic) -> Double? {
    if let shouldStop, shouldStop() { throw Diagnostic.interrupted }
    return try withUnsafeTemporaryAllocation(of: Double.self, capacity: Swift.max(stackSize, 1)) {
      (stack) throws(Diagnostic) -> Double? in
      var top = 0
      for step in body.steps {
        switch step {
        case .parameter(let i):
          stack[top] = argument(i)
          top += 1
        case .number(let x):
          stack[top] = x
          top += 1
        case .sign(let op, _):
          if op == .negate { stack[top - 1] = UnaryFunction.negate.apply(stack[top - 1]) }
        case .binary(let op, _):
          top -= 1
          stack[top - 1] = Evaluator.elementwise(op)!.apply(stack[top - 1], stack[top])
        case .binaryNumber(let op, _, let y):
          stack[top - 1] = Evaluator.elementwise(op)!.apply(stack[top - 1], y)
        case .elementwise(let f, _):
          stack[top - 1] = f.apply(stack[top - 1])
        case .node:
          return nil
        }
        if !stack[top - 1].isFinite { return nil }
      }
      return stack[0]
    }
  }

  /// The value of `function` at `arguments` and its gradient with respect to each, worked
  /// out on plain numbers: its steps forward as `valueOnNumbers` does, keeping each value,
  /// then back in reverse order through the scalar rules `backward` uses
  /// (`scalarGradientTerm`, `scalarGradientTerms`). The result is what evaluating on leaves
  /// and `backward` give, bit for bit: the steps are the graph's topological order, every
  /// intermediate value is used once, and an argument used several times sums its terms in
  /// the order the sweep meets its uses, the first term as it is (`ResolvedBodyTests`
  /// compare the two).
  ///
  /// Nil, for the caller to record a graph, when the body cannot run on numbers, an argument
  /// is not finite, or a value or a gradient is NaN or ±inf (the graph then says where).
  public func gradientOnNumbers(of function: UserFunction, at arguments: [Double])
    throws(Diagnostic) -> (value: Double, gradients: [Double])?
  {
    guard arguments.count == function.parameters.count, arguments.allSatisfy(\.isFinite),
      let body = resolvedBody(of: function), let stackSize = body.numberStackSize
    else { return nil }
    if let shouldStop, shouldStop() { throw Diagnostic.interrupted }
    let n = arguments.count
    // The arguments' slots, then one per value a step pushes or makes: at most two a step
    // (an operator with a literal operand makes the literal's and its own).
    return try withUnsafeTemporaryAllocation(of: NumberSlot.self, capacity: n + 2 * body.steps.count) {
      (slots) throws(Diagnostic) -> (value: Double, gradients: [Double])? in
      try withUnsafeTemporaryAllocation(of: Int32.self, capacity: Swift.max(stackSize, 1)) {
        (stack) throws(Diagnostic) -> (value: Double, gradients: [Double])? in
        let base = slots.baseAddress!
        for i in 0..<n { (base + i).initialize(to: NumberSlot(value: arguments[i], needs: true)) }
        var used = n
        var top = 0
        func make(_ slot: NumberSlot) -> Bool {
          guard slot.value.isFinite else { return false }
          precondition(used < slots.count && top < stack.count)
          (base + used).initialize(to: slot)
          stack[top] = Int32(used)
          top += 1
          used += 1
          return true
        }
        // `f` of the top value, as a sign step (`-x`) or an elementwise builtin makes it.
        func unary(_ f: UnaryFunction) -> Bool {
          top -= 1
          let a = Int(stack[top])
          var slot = NumberSlot(value: f.apply(base[a].value), needs: base[a].needs)
          slot.unary = f
          slot.a = Int32(a)
          return make(slot)
        }
        for step in body.steps {
          switch step {
          case .parameter(let i):
            stack[top] = Int32(i)
            top += 1
          case .number(let x):
            guard make(NumberSlot(value: x, needs: false)) else { return nil }
          case .sign(let op, _):
            if op == .negate { guard unary(.negate) else { return nil } }
          case .binary(let op, _), .binaryNumber(let op, _, _):
            let a: Int
            let b: Int
            if case .binaryNumber(_, _, let y) = step {
              // The literal gets a slot, without going on the stack.
              guard y.isFinite else { return nil }
              precondition(used < slots.count)
              (base + used).initialize(to: NumberSlot(value: y, needs: false))
              b = used
              used += 1
              top -= 1
              a = Int(stack[top])
            } else {
              top -= 2
              (a, b) = (Int(stack[top]), Int(stack[top + 1]))
            }
            let f = Evaluator.elementwise(op)!
            var slot = NumberSlot(
              value: f.apply(base[a].value, base[b].value), needs: base[a].needs || base[b].needs)
            slot.binary = f
            slot.a = Int32(a)
            slot.b = Int32(b)
            guard make(slot) else { return nil }
          case .elementwise(let f, _):
            guard unary(f) else { return nil }
          case .node:
            return nil
          }
        }
        // Back from the output, whose gradient is 1.
        let output = Int(stack[top - 1])
        base[output].gradient = 1
        base[output].reached = true
        func pass(_ term: Double?, to k: Int32) -> Bool {
          guard let term, k >= 0, base[Int(k)].needs else { return true }
          guard term.isFinite else { return false }
          let slot = base + Int(k)
          slot.pointee.gradient = slot.pointee.reached ? slot.pointee.gradient + term : term
          slot.pointee.reached = true
          // Finite terms can still sum to ±inf.
          return slot.pointee.gradient.isFinite
        }
        for k in stride(from: used - 1, through: n, by: -1) {
          let slot = base[k]
          guard slot.needs, slot.reached else { continue }
          if let f = slot.unary {
            let a = base[Int(slot.a)].value
            let term = scalarGradientTerm(of: f, a, output: slot.value, gradient: slot.gradient)
            guard pass(term, to: slot.a) else { return nil }
          } else if let f = slot.binary {
            let terms = scalarGradientTerms(
              of: f, base[Int(slot.a)].value, base[Int(slot.b)].value,
              secondNeedsGradient: base[Int(slot.b)].needs, output: slot.value,
              gradient: slot.gradient)
            guard pass(terms.0, to: slot.a), pass(terms.1, to: slot.b) else { return nil }
          }
        }
        return (base[output].value, (0..<n).map { base[$0].gradient })
      }
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

/// A value of `Evaluator.gradientOnNumbers`: an argument, a literal, or the result of an
/// elementwise op on the values in slots `a` (and `b`), with its gradient once a use has
/// passed one back. Plain data, so slots live in one temporary buffer.
struct NumberSlot {
  var value: Double
  /// Whether it depends on an argument (an argument does).
  var needs: Bool
  var unary: UnaryFunction? = nil
  var binary: BinaryFunction? = nil
  var a: Int32 = -1
  var b: Int32 = -1
  var gradient = 0.0
  var reached = false
}
