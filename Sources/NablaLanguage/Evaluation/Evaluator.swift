import NablaCore

/// A user function as stored in a session: its definition and the text it was typed as.
public struct UserFunction: Sendable {
  public var definition: FunctionDefinition
  public init(_ definition: FunctionDefinition) { self.definition = definition }
  public var name: String { definition.name }
  public var parameters: [String] { definition.parameters }
}

/// Evaluates expressions into NablaCore variables, recording a graph whenever a leaf is
/// involved. Errors are diagnostics that point at the subexpression that failed.
///
///     var evaluator = Evaluator(tensors: ["a": a], functions: [:])
///     let y = try evaluator.evaluate(expr)
///
/// Function calls evaluate the body afresh with the arguments bound to the parameters, so
/// when the arguments are leaves the whole body is recorded.
public struct Evaluator {
  /// Session tensors, by name.
  public var tensors: [String: Tensor]
  /// Session functions, by name.
  public var functions: [String: UserFunction]
  /// Label every recorded node with the text of its subexpression (for the graph pane).
  public var labelsNodes = false
  /// Deepest expression tree (in nodes) evaluated; deeper trees are rejected up front.
  public var maximumHeight = 2000
  /// Warnings (NaN or Inf produced by an op), one per op and place, in order.
  public private(set) var warnings: [Diagnostic] = []

  private var callStack: [String] = []

  public init(tensors: [String: Tensor], functions: [String: UserFunction]) {
    self.tensors = tensors
    self.functions = functions
  }

  /// Evaluates `expr` with `bindings` (parameters) in scope before session names.
  public mutating func evaluate(
    _ expr: Expr, bindings: [String: Variable] = [:]
  ) throws(Diagnostic) -> Variable {
    guard expr.height <= maximumHeight else {
      throw Diagnostic.error(
        "expression is too deeply nested to evaluate (depth \(expr.height), limit \(maximumHeight))",
        at: expr.range)
    }
    return try eval(expr, bindings).variable
  }

  /// Calls a session function with the given argument values.
  public mutating func call(
    _ name: String, arguments: [Variable], at range: SourceRange = .unknown
  ) throws(Diagnostic) -> Variable {
    guard let function = functions[name] else {
      throw Diagnostic.error("unknown function '\(name)'", at: range, help: suggestion(for: name))
    }
    return try invoke(function, arguments.map { Evaluated($0) }, at: range).variable
  }

  /// Calls any function (a session function or one built by a command) with argument values.
  public mutating func call(
    _ function: UserFunction, arguments: [Variable], at range: SourceRange = .unknown
  ) throws(Diagnostic) -> Variable {
    try invoke(function, arguments.map { Evaluated($0) }, at: range).variable
  }

  // MARK: - Internals

  /// A value with whether it holds NaN or Inf, so warnings name the op that produced them.
  struct Evaluated {
    var variable: Variable
    var nonFinite: Bool
    init(_ variable: Variable) {
      self.variable = variable
      self.nonFinite = variable.value.scalars.contains { !$0.isFinite }
    }
    init(_ variable: Variable, nonFinite: Bool) {
      self.variable = variable
      self.nonFinite = nonFinite
    }
  }

  mutating func eval(_ expr: Expr, _ bindings: [String: Variable]) throws(Diagnostic) -> Evaluated {
    switch expr.kind {
    case .number(let x):
      return Evaluated(Variable(Tensor(x)), nonFinite: !x.isFinite)

    case .name(let name):
      if let v = bindings[name] { return Evaluated(v) }
      if let t = tensors[name] {
        return Evaluated(labelsNodes ? Variable.constant(t, label: name) : Variable(t))
      }
      if let c = Builtin.constants[name] { return Evaluated(Variable(Tensor(c)), nonFinite: !c.isFinite) }
      if functions[name] != nil || Builtin.all[name] != nil {
        throw Diagnostic.error(
          "'\(name)' is a function, not a value", at: expr.range, help: "call it: \(name)(x)")
      }
      throw Diagnostic.error(
        "unknown name '\(name)'", at: expr.range, help: suggestion(for: name, bindings: bindings))

    case .tensor(let elements):
      return try literal(elements, expr, bindings)

    case .unary(let op, let operand):
      let x = try eval(operand, bindings)
      switch op {
      case .plus: return x
      case .negate: return label(Evaluated(-x.variable, nonFinite: x.nonFinite), expr)
      }

    case .binary(let op, let lhs, let rhs):
      let a = try eval(lhs, bindings)
      let b = try eval(rhs, bindings)
      let function: BinaryFunction
      switch op {
      case .add: function = .add
      case .subtract: function = .subtract
      case .multiply: function = .multiply
      case .divide: function = .divide
      case .power: function = .power
      case .equal: function = .equal
      case .notEqual: function = .notEqual
      case .less: function = .less
      case .lessEqual: function = .lessEqual
      case .greater: function = .greater
      case .greaterEqual: function = .greaterEqual
      case .matmul:
        let y = try attempt(expr) { () throws(TensorError) in try Variable.matmul(a.variable, b.variable) }
        return checked(y, inputs: [a, b], op: "@", expr)
      }
      let y = try attempt(expr) { () throws(TensorError) in try Variable.apply(function, a.variable, b.variable) }
      return checked(y, inputs: [a, b], op: op.symbol, expr)

    case .call(let name, let nameRange, let arguments):
      if let builtin = Builtin.all[name] {
        return try callBuiltin(builtin, arguments, expr, bindings)
      }
      if let function = functions[name] {
        var values: [Evaluated] = []
        let bound = try bindUserArguments(function, arguments, expr)
        for argument in bound { values.append(try eval(argument, bindings)) }
        return try invoke(function, values, at: expr.range)
      }
      if bindings[name] != nil || tensors[name] != nil {
        throw Diagnostic.error("'\(name)' is a tensor, not a function", at: nameRange)
      }
      throw Diagnostic.error(
        "unknown function '\(name)'", at: nameRange, help: suggestion(for: name, functionsOnly: true))

    case .index(let base, let items):
      let x = try eval(base, bindings)
      var resolved: [TensorIndex] = []
      for item in items {
        switch item {
        case .ellipsis: resolved.append(.ellipsis)
        case .index(let e): resolved.append(.index(try integer(e, bindings, what: "an index")))
        case .slice(let start, let stop, let step):
          resolved.append(
            .slice(
              start: try start.map { e throws(Diagnostic) in try integer(e, bindings, what: "a slice bound") },
              stop: try stop.map { e throws(Diagnostic) in try integer(e, bindings, what: "a slice bound") },
              step: try step.map { e throws(Diagnostic) in try integer(e, bindings, what: "a slice step") }))
        }
      }
      let y = try attempt(expr) { () throws(TensorError) in try Variable.index(x.variable, resolved) }
      return label(Evaluated(y, nonFinite: x.nonFinite && y.value.scalars.contains { !$0.isFinite }), expr)
    }
  }

  /// Runs a core operation, turning its error into a diagnostic at `expr`.
  func attempt(
    _ expr: Expr, _ body: () throws(TensorError) -> Variable
  ) throws(Diagnostic) -> Variable {
    do {
      return try body()
    } catch {
      throw Diagnostic.error(error.description, at: expr.range)
    }
  }

  /// Labels the node and warns when this op turned finite inputs into NaN or Inf.
  mutating func checked(
    _ y: Variable, inputs: [Evaluated], op: String, _ expr: Expr
  ) -> Evaluated {
    let nonFinite = y.value.scalars.contains { !$0.isFinite }
    if nonFinite && !inputs.contains(where: { $0.nonFinite }) {
      let nan = y.value.scalars.contains { $0.isNaN }
      let what = nan ? "nan" : "inf"
      let count = y.value.scalars.count { nan ? $0.isNaN : $0.isInfinite }
      let place = y.value.count == 1 ? "" : " (\(count) of \(y.value.count) elements)"
      warnings.append(
        Diagnostic(.warning, "\(op) produced \(what)\(place)", at: expr.range))
    }
    return label(Evaluated(y, nonFinite: nonFinite), expr)
  }

  private func label(_ value: Evaluated, _ expr: Expr) -> Evaluated {
    if labelsNodes, let node = value.variable.node, node.label == nil {
      node.label = expr.description
    }
    return value
  }

  private mutating func literal(
    _ elements: [Expr], _ expr: Expr, _ bindings: [String: Variable]
  ) throws(Diagnostic) -> Evaluated {
    // Fast path: a flat list of numbers.
    var numbers: [Double] = []
    numbers.reserveCapacity(elements.count)
    for e in elements {
      if case .number(let x) = e.kind {
        numbers.append(x)
      } else if case .unary(.negate, let inner) = e.kind, case .number(let x) = inner.kind {
        numbers.append(-x)
      } else {
        break
      }
    }
    if numbers.count == elements.count {
      return Evaluated(Variable(Tensor(numbers)))
    }
    var values: [Evaluated] = []
    for e in elements { values.append(try eval(e, bindings)) }
    if let first = values.first {
      for (i, v) in values.enumerated() where v.variable.shape != first.variable.shape {
        throw Diagnostic.error(
          "ragged tensor literal: element \(i + 1) has shape \(formatShape(v.variable.shape)), element 1 has \(formatShape(first.variable.shape))",
          at: elements[i].range, help: "every element of a tensor literal must have the same shape")
      }
    }
    let y = try attempt(expr) { () throws(TensorError) in
      values.isEmpty ? Variable(Tensor([])) : try Variable.stack(values.map(\.variable), axis: 0)
    }
    return label(Evaluated(y, nonFinite: values.contains { $0.nonFinite }), expr)
  }

  private mutating func integer(
    _ expr: Expr, _ bindings: [String: Variable], what: String
  ) throws(Diagnostic) -> Int {
    let v = try eval(expr, bindings).variable.value
    guard let x = v.scalar, x.rounded() == x, Swift.abs(x) < 1e15 else {
      throw Diagnostic.error(
        "\(what) must be an integer, got \(v.scalar.map(formatScalar) ?? "shape \(formatShape(v.shape))")",
        at: expr.range)
    }
    return Int(x)
  }

  private mutating func invoke(
    _ function: UserFunction, _ arguments: [Evaluated], at range: SourceRange
  ) throws(Diagnostic) -> Evaluated {
    if callStack.contains(function.name) {
      throw Diagnostic.error(
        "'\(function.name)' calls itself (\((callStack + [function.name]).joined(separator: " → "))); recursion is not supported",
        at: range)
    }
    guard arguments.count == function.parameters.count else {
      throw arityError(function, got: arguments.count, at: range)
    }
    guard function.definition.body.height <= maximumHeight else {
      throw Diagnostic.error("the body of '\(function.name)' is too deeply nested to evaluate", at: range)
    }
    var scope: [String: Variable] = [:]
    for (p, a) in zip(function.parameters, arguments) { scope[p] = a.variable }
    callStack.append(function.name)
    let firstWarning = warnings.count
    defer {
      callStack.removeLast()
      // Ranges inside the body point into the definition, not this entry: move them to the call.
      for i in firstWarning..<warnings.count where warnings[i].range != range {
        warnings[i].message = "in \(function.name): \(warnings[i].message)"
        warnings[i].range = range
      }
    }
    do {
      return try eval(function.definition.body, scope)
    } catch {
      // The failure is inside the body: say so at the call, with the body's message.
      if error.range == range { throw error }
      throw Diagnostic.error(
        "in \(function.definition): \(error.message)", at: range, help: error.help)
    }
  }

  private func arityError(_ function: UserFunction, got: Int, at range: SourceRange) -> Diagnostic {
    let n = function.parameters.count
    return Diagnostic.error(
      "'\(function.name)' takes \(n) argument\(n == 1 ? "" : "s") (\(function.parameters.joined(separator: ", "))), got \(got)",
      at: range)
  }

  /// Orders a user call's arguments by parameter, allowing keywords by parameter name.
  private func bindUserArguments(
    _ function: UserFunction, _ arguments: [Expr.Argument], _ expr: Expr
  ) throws(Diagnostic) -> [Expr] {
    var slots = [Expr?](repeating: nil, count: function.parameters.count)
    var position = 0
    for argument in arguments {
      if let label = argument.label {
        guard let i = function.parameters.firstIndex(of: label) else {
          throw Diagnostic.error(
            "'\(function.name)' has no parameter '\(label)'", at: argument.labelRange ?? expr.range,
            help: "its parameters are \(function.parameters.joined(separator: ", "))")
        }
        guard slots[i] == nil else {
          throw Diagnostic.error("'\(label)' is given twice", at: argument.labelRange ?? expr.range)
        }
        slots[i] = argument.value
      } else {
        guard position < slots.count else { throw arityError(function, got: arguments.count, at: expr.range) }
        slots[position] = argument.value
        position += 1
      }
    }
    var result: [Expr] = []
    for slot in slots {
      guard let slot else { throw arityError(function, got: arguments.count, at: expr.range) }
      result.append(slot)
    }
    return result
  }

  /// Names a person might have meant.
  public func suggestion(
    for name: String, bindings: [String: Variable] = [:], functionsOnly: Bool = false
  ) -> String? {
    var candidates = Array(functions.keys) + Array(Builtin.all.keys)
    if !functionsOnly {
      candidates += Array(bindings.keys) + Array(tensors.keys) + Array(Builtin.constants.keys)
    }
    let near = nearestNames(to: name, among: candidates)
    guard !near.isEmpty else { return nil }
    return "did you mean " + near.map { "'\($0)'" }.joined(separator: " or ") + "?"
  }
}
