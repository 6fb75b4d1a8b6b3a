import NablaCore

/// The expressions given for one parameter of a builtin call.
struct BuiltinSlot {
  /// The parameter's index in the builtin's signature.
  var parameter: Int
  /// The argument as written.
  var written: Expr
  /// What is evaluated for it, in order: the argument; then, for `ones(4, 5)`, each further
  /// size; or, for a list of tensors written as a literal (`concat([a, b])`), each item.
  var exprs: [Expr]
  /// Whether `exprs` are the items of a literal list of tensors.
  var isList: Bool
}

extension Evaluator {
  /// Binds a builtin call's arguments to its parameters (positional, then keywords, and
  /// separate sizes after a shape). Arity and keyword errors list what the builtin accepts.
  /// Returns every expression to evaluate, in order, and the slot each belongs to.
  @inline(never)
  mutating func bindBuiltinArguments(
    _ builtin: Builtin, _ arguments: [Expr.Argument], _ expr: Expr
  ) throws(Diagnostic) -> ([Expr], [BuiltinSlot]) {
    let parameters = builtin.parameters
    var slots = [Expr.Argument?](repeating: nil, count: parameters.count)
    var extraShape: [Expr] = []  // `ones(4, 5)`: separate sizes after a shape parameter
    var position = 0
    for argument in arguments {
      if let label = argument.label {
        guard let i = parameters.firstIndex(where: { $0.accepts(label) }) else {
          throw Diagnostic.error(
            "\(builtin.name) has no keyword argument '\(label)'",
            at: argument.labelRange ?? expr.range,
            help: "\(builtin.signature)")
        }
        guard slots[i] == nil else {
          throw Diagnostic.error("'\(label)' is given twice", at: argument.labelRange ?? expr.range)
        }
        slots[i] = argument
      } else if position > 0 && parameters[position - 1].kind == .shape
        && (position == parameters.count || isSizeLike(argument.value, builtin))
      {
        extraShape.append(argument.value)
      } else {
        guard position < parameters.count else {
          throw Diagnostic.error(
            "\(builtin.name) takes at most \(parameters.count) argument\(parameters.count == 1 ? "" : "s"), got \(arguments.count)",
            at: argument.value.range, help: "\(builtin.signature)")
        }
        slots[position] = argument
        position += 1
      }
    }
    var exprs: [Expr] = []
    var bound: [BuiltinSlot] = []
    for (i, p) in parameters.enumerated() {
      guard let argument = slots[i] else {
        if p.optional { continue }
        throw Diagnostic.error(
          "\(builtin.name) is missing its argument '\(p.name)'", at: expr.range,
          help: "\(builtin.signature)")
      }
      var slot = BuiltinSlot(
        parameter: i, written: argument.value, exprs: [argument.value], isList: false)
      if p.kind == .shape { slot.exprs += extraShape }
      if p.kind == .tensors, case .tensor(let items) = argument.value.kind {
        slot.exprs = items
        slot.isList = true
      }
      exprs += slot.exprs
      bound.append(slot)
    }
    return (exprs, bound)
  }

  /// Converts each evaluated argument to its parameter's kind and runs the builtin.
  @inline(never)
  mutating func finishBuiltin(
    _ plan: CallPlan, _ values: [Evaluated], _ expr: Expr
  ) throws(Diagnostic) -> Evaluated {
    try checkStop()
    let builtin = plan.builtin!
    let slots = plan.slots
    var bound: [String: BoundArguments.Value] = [:]
    var inputs: [Evaluated] = []
    var next = 0
    for slot in slots {
      let p = builtin.parameters[slot.parameter]
      let mine = Array(values[next..<(next + slot.exprs.count)])
      next += slot.exprs.count
      let e = slot.written
      switch p.kind {
      case .tensor:
        inputs.append(mine[0])
        bound[p.name] = .variable(mine[0].variable)
      case .number:
        bound[p.name] = .number(try number(mine[0], e, p.name, builtin))
      case .integer:
        bound[p.name] = .integer(
          try whole(try number(mine[0], e, p.name, builtin), e, p.name, builtin))
      case .boolean:
        bound[p.name] = .boolean(try number(mine[0], e, p.name, builtin) != 0)
      case .axes, .shape:
        var list: [Int] = []
        for (value, written) in zip(mine, slot.exprs) {
          list += try integers(value, written, p.name, builtin)
        }
        bound[p.name] = .list(list)
      case .tensors:
        var elements = mine
        if !slot.isList {
          let whole = mine[0]
          elements = []
          for k in 0..<(whole.variable.shape.first ?? 0) {
            elements.append(
              Evaluated(
                try attempt(e) { () throws(TensorError) in
                  try Variable.index(whole.variable, [.index(k)])
                }))
          }
        }
        inputs += elements
        bound[p.name] = .tensors(elements.map(\.variable))
      }
    }
    let y: Variable
    do {
      y = try builtin.body(BoundArguments(values: bound))
    } catch let error as TensorError {
      throw Diagnostic.error(error.description, at: expr.range)
    } catch let error as Diagnostic {
      throw error
    } catch {
      throw Diagnostic.error("\(error)", at: expr.range)
    }
    return checked(y, inputs: inputs, op: builtin.name, expr)
  }

  /// Whether a positional argument after a shape parameter reads as one more size (an
  /// integer literal) rather than the next parameter: `ones(4, 5)` vs `full([2], 7)`.
  private func isSizeLike(_ e: Expr, _ builtin: Builtin) -> Bool {
    // Only constructors whose shape comes first take separate sizes (`ones(4, 5)`,
    // `rand(3, 4, seed: 0)`); `full(2, 7)` stays (shape, value).
    guard builtin.category == .construction, builtin.name != "full" else { return false }
    if case .number(let x) = e.kind { return x.rounded() == x && x >= 0 }
    return false
  }

  private func number(
    _ value: Evaluated, _ e: Expr, _ name: String, _ builtin: Builtin
  ) throws(Diagnostic) -> Double {
    let v = value.variable.value
    guard let x = v.scalar else {
      throw Diagnostic.error(
        "'\(name)' of \(builtin.name) must be a single number, got shape \(formatShape(v.shape))",
        at: e.range)
    }
    return x
  }

  private func whole(_ x: Double, _ e: Expr, _ name: String, _ builtin: Builtin) throws(Diagnostic)
    -> Int
  {
    guard x.rounded() == x, Swift.abs(x) < 1e15 else {
      throw Diagnostic.error(
        "'\(name)' of \(builtin.name) must be an integer, got \(formatScalar(x))", at: e.range)
    }
    return Int(x)
  }

  private func integers(
    _ value: Evaluated, _ e: Expr, _ name: String, _ builtin: Builtin
  ) throws(Diagnostic) -> [Int] {
    let v = value.variable.value
    guard v.rank <= 1 else {
      throw Diagnostic.error(
        "'\(name)' of \(builtin.name) must be an integer or a list of integers, got shape \(formatShape(v.shape))",
        at: e.range)
    }
    var result: [Int] = []
    for x in v.scalars { result.append(try whole(x, e, name, builtin)) }
    return result
  }
}
