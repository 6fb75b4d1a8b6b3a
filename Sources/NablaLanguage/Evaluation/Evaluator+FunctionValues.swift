import NablaCore

/// Calls of function values: `grad(f)(x)`, `grad(loss, wrt: W)(W, b)`, `grad(grad(f))(x)`.
///
/// The gradient is taken by the engine at the call's arguments (`NablaCore.gradient(at:wrt:of:)`),
/// recorded when the arguments are, so a gradient can itself be differentiated.
extension Evaluator {
  /// A function value resolved against the session: the function at its core (a session
  /// function, or a builtin wrapped as one) and the parameter index of each `grad`.
  public struct ResolvedFunction {
    public var expression: FunctionExpression
    public var function: UserFunction
    /// The index of the parameter each `grad` differentiates with respect to, innermost first.
    public var gradientIndices: [Int]
    /// The parameters the value takes (those of the function at its core).
    public var parameters: [String] { function.parameters }
  }

  /// Resolves a function-valued expression, with errors at the place that is wrong.
  public func resolveFunction(_ callee: Expr) throws(Diagnostic) -> ResolvedFunction {
    let expression = try FunctionExpression(callee)
    let name = expression.name
    let function: UserFunction
    if let user = functions[name] {
      function = user
    } else if let builtin = Builtin.all[name] {
      function = try Evaluator.wrap(builtin, at: expression.nameRange)
    } else if tensors[name] != nil || Builtin.constants[name] != nil {
      throw Diagnostic.error(
        "'\(name)' is a tensor, not a function", at: expression.nameRange,
        help: expression.gradients.isEmpty ? nil : "grad takes a function, as in grad(f)(x)")
    } else {
      throw Diagnostic.error(
        "unknown function '\(name)'", at: expression.nameRange,
        help: suggestion(for: name, functionsOnly: true)
          ?? "define it first, for example: \(name)(x) = x^2")
    }
    var indices: [Int] = []
    for wrt in expression.gradients {
      guard let wrt else {
        indices.append(0)
        continue
      }
      guard let index = function.parameters.firstIndex(of: wrt.value) else {
        let list = function.parameters.joined(separator: ", ")
        throw Diagnostic.error(
          "'\(wrt.value)' is not a parameter of \(name)", at: wrt.range,
          help: "\(name)'s parameters are \(list)")
      }
      indices.append(index)
    }
    if !indices.isEmpty && function.parameters.isEmpty {
      throw Diagnostic.error(
        "\(name) takes no arguments, so it has no gradient", at: expression.range)
    }
    return ResolvedFunction(expression: expression, function: function, gradientIndices: indices)
  }

  /// A builtin whose required parameters are all tensors, as a function of them.
  static func wrap(_ builtin: Builtin, at range: SourceRange) throws(Diagnostic) -> UserFunction {
    let required = builtin.parameters.filter { !$0.optional }
    guard !required.isEmpty, required.allSatisfy({ $0.kind == .tensor }) else {
      throw Diagnostic.error(
        "\(builtin.name) cannot be passed as a function", at: range,
        help: "define one first, as in g(x) = \(builtin.name)(...)")
    }
    let names = required.map(\.name)
    let body = Expr.call(builtin.name, names.map { Expr.name($0) })
    return UserFunction(FunctionDefinition(name: builtin.name, parameters: names, body: body))
  }

  /// Calls the value of `callee` on the arguments of an `.apply` node.
  mutating func evalApply(_ expr: Expr) throws -> Evaluated {
    guard case .apply(let callee, let arguments) = expr.kind else {
      preconditionFailure("not an application: \(expr)")
    }
    let resolved = try resolveFunction(callee)
    let exprs = try bindUserArguments(resolved.function, arguments, expr)
    let values = try evalAll(exprs).map(\.variable)
    let y = try apply(resolved, values, layers: resolved.gradientIndices.count, at: expr.range)
    return Evaluated(y)
  }

  /// Calls a resolved function value on argument values.
  public mutating func call(
    _ resolved: ResolvedFunction, arguments: [Variable], at range: SourceRange = .unknown
  ) throws(Diagnostic) -> Variable {
    try entry(in: Scope()) { evaluator in
      try evaluator.apply(resolved, arguments, layers: resolved.gradientIndices.count, at: range)
    }
  }

  /// The function with its innermost `layers` gradients taken, at `arguments`.
  mutating func apply(
    _ resolved: ResolvedFunction, _ arguments: [Variable], layers: Int, at range: SourceRange
  ) throws -> Variable {
    guard layers > 0 else {
      guard arguments.count == resolved.parameters.count else {
        throw arityError(resolved.function, got: arguments.count, at: range)
      }
      return try invoke(resolved.function, pushing: arguments, at: range).variable
    }
    let index = resolved.gradientIndices[layers - 1]
    let label = labelsNodes ? resolved.parameters[index] : nil
    return try gradient(at: arguments, wrt: index, label: label) { inputs in
      let y = try apply(resolved, inputs, layers: layers - 1, at: range)
      guard y.value.count == 1 else {
        throw Evaluator.notScalar(resolved, layers: layers, shape: y.shape, at: range)
      }
      return y
    }
  }

  @inline(never)
  static func notScalar(
    _ resolved: ResolvedFunction, layers: Int, shape: [Int], at range: SourceRange
  ) -> Diagnostic {
    var inner = resolved.expression
    inner.gradients = Array(inner.gradients.prefix(layers - 1))
    return Diagnostic.error(
      "grad needs a function with one number as its value; \(inner.description) gives shape \(formatShape(shape))",
      at: range,
      help: "differentiate its sum, as in s(x) = sum(\(inner.name)(x)), or see :jacobian")
  }
}
