import NablaCore

extension Evaluator {
  /// Binds a builtin call's arguments by its signature, converts each to its parameter's kind,
  /// and runs it. Arity and keyword errors list what the builtin accepts.
  mutating func callBuiltin(
    _ builtin: Builtin, _ arguments: [Expr.Argument], _ expr: Expr, _ bindings: [String: Variable]
  ) throws(Diagnostic) -> Evaluated {
    let parameters = builtin.parameters
    var slots = [Expr.Argument?](repeating: nil, count: parameters.count)
    var extraShape: [Expr] = []  // `ones(4, 5)`: separate sizes after a shape parameter
    var position = 0
    for argument in arguments {
      if let label = argument.label {
        guard let i = parameters.firstIndex(where: { $0.name == label }) else {
          throw Diagnostic.error(
            "\(builtin.name) has no keyword argument '\(label)'", at: argument.labelRange ?? expr.range,
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
    var values: [String: BoundArguments.Value] = [:]
    var inputs: [Evaluated] = []
    for (i, p) in parameters.enumerated() {
      guard let argument = slots[i] else {
        if p.optional { continue }
        throw Diagnostic.error(
          "\(builtin.name) is missing its argument '\(p.name)'", at: expr.range, help: "\(builtin.signature)")
      }
      let e = argument.value
      switch p.kind {
      case .tensor:
        let v = try eval(e, bindings)
        inputs.append(v)
        values[p.name] = .variable(v.variable)
      case .number:
        values[p.name] = .number(try number(e, bindings, p.name, builtin))
      case .integer:
        values[p.name] = .integer(try whole(try number(e, bindings, p.name, builtin), e, p.name, builtin))
      case .boolean:
        values[p.name] = .boolean(try number(e, bindings, p.name, builtin) != 0)
      case .axes, .shape:
        var list = try integers(e, bindings, p.name, builtin)
        if p.kind == .shape && !extraShape.isEmpty {
          for extra in extraShape { list += try integers(extra, bindings, p.name, builtin) }
        }
        values[p.name] = .list(list)
      case .tensors:
        var elements: [Evaluated] = []
        if case .tensor(let items) = e.kind {
          for item in items { elements.append(try eval(item, bindings)) }
        } else {
          let whole = try eval(e, bindings)
          let n = whole.variable.shape.first ?? 0
          for k in 0..<n {
            elements.append(Evaluated(try attempt(e) { () throws(TensorError) in try Variable.index(whole.variable, [.index(k)]) }))
          }
        }
        inputs += elements
        values[p.name] = .tensors(elements.map(\.variable))
      }
    }
    let bound = BoundArguments(values: values)
    let y: Variable
    do {
      y = try builtin.body(bound)
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

  private mutating func number(
    _ e: Expr, _ bindings: [String: Variable], _ name: String, _ builtin: Builtin
  ) throws(Diagnostic) -> Double {
    let v = try eval(e, bindings).variable.value
    guard let x = v.scalar else {
      throw Diagnostic.error(
        "'\(name)' of \(builtin.name) must be a single number, got shape \(formatShape(v.shape))", at: e.range)
    }
    return x
  }

  private func whole(_ x: Double, _ e: Expr, _ name: String, _ builtin: Builtin) throws(Diagnostic) -> Int {
    guard x.rounded() == x, Swift.abs(x) < 1e15 else {
      throw Diagnostic.error("'\(name)' of \(builtin.name) must be an integer, got \(formatScalar(x))", at: e.range)
    }
    return Int(x)
  }

  private mutating func integers(
    _ e: Expr, _ bindings: [String: Variable], _ name: String, _ builtin: Builtin
  ) throws(Diagnostic) -> [Int] {
    let v = try eval(e, bindings).variable.value
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
