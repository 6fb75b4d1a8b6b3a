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

  /// The value of `function` at `arguments` and its gradient with respect to each, worked
  /// out on plain numbers: its steps forward as `valueOnNumbers` does, keeping each value,
  /// then back in reverse order through the scalar rules `backward` uses
  /// (`scalarGradientTerms`). The result is what evaluating on leaves and `backward` give,
  /// bit for bit: the steps are the graph's topological order, every intermediate value is
  /// used once, and an argument used several times sums its terms in the order the sweep
  /// meets their uses, the first term as it is (`ResolvedBodyTests` compare the two).
  ///
  /// Nil, for the caller to record a graph, when the body cannot run on numbers, an argument
  /// is not finite, or a value or a gradient is NaN or ±inf (the graph then says where).
  public func gradientOnNumbers(of function: UserFunction, at arguments: [Double])
    throws(Diagnostic) -> (value: Double, gradients: [Double])?
  {
    guard arguments.count == function.parameters.count, arguments.allSatisfy(\.isFinite),
      let body = resolvedBody(of: function), body.numberStackSize != nil
    else { return nil }
    let shouldStop = shouldStop
    func checkStop() throws(Diagnostic) {
      if let shouldStop, shouldStop() { throw Diagnostic.interrupted }
    }
    // One slot per value the steps push or make: its value, its operands (a slot, or
    // `argument - count` for an argument, or `none`), whether it depends on an argument, and
    // for the sweep its gradient once a use has passed one back.
    struct Slot {
      var op: Op
      var value: Double
      var a: Int32
      var b: Int32
      var needs: Bool
      var gradient = 0.0
      var reached = false
    }
    let none = Int32.min
    let count = Int32(arguments.count)
    var slots: [Slot] = []
    slots.reserveCapacity(body.steps.count)
    var stack: [Int32] = []
    stack.reserveCapacity(body.numberStackSize ?? 0)
    func value(_ ref: Int32) -> Double { ref >= 0 ? slots[Int(ref)].value : arguments[Int(ref + count)] }
    func needs(_ ref: Int32) -> Bool { ref >= 0 ? slots[Int(ref)].needs : ref != none }
    func push(_ op: Op, _ y: Double, _ a: Int32, _ b: Int32) -> Bool {
      guard y.isFinite else { return false }
      slots.append(Slot(op: op, value: y, a: a, b: b, needs: needs(a) || (b != none && needs(b))))
      stack.append(Int32(slots.count - 1))
      return true
    }
    for step in body.steps {
      switch step {
      case .parameter(let i):
        stack.append(Int32(i) - count)
      case .number(let x):
        guard x.isFinite else { return nil }
        slots.append(Slot(op: .constant, value: x, a: none, b: none, needs: false))
        stack.append(Int32(slots.count - 1))
      case .sign(let op, _):
        try checkStop()
        if op == .negate {
          let a = stack.removeLast()
          guard push(.unary(.negate), UnaryFunction.negate.apply(value(a)), a, none) else { return nil }
        }
      case .binary(let op, _):
        try checkStop()
        let b = stack.removeLast()
        let a = stack.removeLast()
        let f = Evaluator.elementwise(op)!
        guard push(.binary(f), f.apply(value(a), value(b)), a, b) else { return nil }
      case .binaryNumber(let op, _, let y):
        try checkStop()
        guard y.isFinite else { return nil }
        slots.append(Slot(op: .constant, value: y, a: none, b: none, needs: false))
        let b = Int32(slots.count - 1)
        let a = stack.removeLast()
        let f = Evaluator.elementwise(op)!
        guard push(.binary(f), f.apply(value(a), y), a, b) else { return nil }
      case .elementwise(let f, _):
        try checkStop()
        let a = stack.removeLast()
        guard push(.unary(f), f.apply(value(a)), a, none) else { return nil }
      case .node:
        return nil
      }
    }
    var gradients = [Double](repeating: 0, count: arguments.count)
    var reachedArgument = [Bool](repeating: false, count: arguments.count)
    let output = stack.removeLast()
    guard output >= 0 else {
      // The body is an argument itself.
      gradients[Int(output + count)] = 1
      return (arguments[Int(output + count)], gradients)
    }
    let y = slots[Int(output)].value
    slots[Int(output)].gradient = 1
    slots[Int(output)].reached = true
    func pass(_ term: Double?, to ref: Int32) -> Bool {
      guard let term, ref != none, needs(ref) else { return true }
      guard term.isFinite else { return false }
      if ref >= 0 {
        let k = Int(ref)
        slots[k].gradient = slots[k].reached ? slots[k].gradient + term : term
        slots[k].reached = true
      } else {
        let i = Int(ref + count)
        gradients[i] = reachedArgument[i] ? gradients[i] + term : term
        reachedArgument[i] = true
      }
      return true
    }
    for k in stride(from: slots.count - 1, through: 0, by: -1) {
      let slot = slots[k]
      guard slot.needs, slot.reached, slot.a != none else { continue }
      let b: Double? = slot.b == none ? nil : value(slot.b)
      guard
        let terms = scalarGradientTerms(
          of: slot.op, value(slot.a), b, secondNeedsGradient: slot.b != none && needs(slot.b),
          output: slot.value, gradient: slot.gradient)
      else { return nil }
      guard pass(terms.0, to: slot.a), pass(terms.1, to: slot.b) else { return nil }
    }
    return (y, gradients)
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
