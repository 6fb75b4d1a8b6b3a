import NablaCore
import NablaLanguage

/// What a derivative command differentiates: a function of some tensor arguments, the point
/// it is evaluated at, and how to name it. Three kinds of entry make one:
///
///     :grad f(2.0)          the session function f, with respect to its parameter x
///     :grad sum(x^2)        the expression, with respect to the session tensor x it uses
///     :grad sin(1.0)        the builtin, with respect to its tensor argument (keywords fixed)
struct CallTarget {
  /// The function of the tensor arguments.
  var function: UserFunction
  /// The argument values, one per parameter.
  var arguments: [Tensor]
  /// The call as written (`f(2.0)`).
  var text: String
  var range: SourceRange
  /// Whether the body is the entry's own text, evaluated in place so that errors point into
  /// the entry, rather than a session function's body.
  var isInline = false

  /// The function's name, or "" for an expression of session tensors.
  var name: String { function.name }
  var parameters: [String] { function.parameters }
  /// The name, or the text for an expression.
  var displayName: String { name.isEmpty ? text : name }

  /// `∂f/∂x`, or `∂/∂x` for an expression.
  func derivativeLabel(_ parameter: String) -> String {
    "∂\(name)/∂\(parameter)"
  }

  /// `J[f, x]`, or `J[x]` for an expression (and `H[...]` alike).
  func matrixLabel(_ letter: String, _ parameter: String) -> String {
    name.isEmpty ? "\(letter)[\(parameter)]" : "\(letter)[\(name), \(parameter)]"
  }

  /// Evaluates the function with recording on the given leaves (or constants).
  func evaluate(_ session: Session, _ inputs: [Variable], labels: Bool = false) throws(Diagnostic)
    -> Variable
  {
    var ignored: [Diagnostic] = []
    return try evaluate(session, inputs, labels: labels, warnings: &ignored)
  }

  /// Evaluates the function and appends the evaluator's warnings (nan or inf made by an op).
  func evaluate(
    _ session: Session, _ inputs: [Variable], labels: Bool = false, warnings: inout [Diagnostic]
  ) throws(Diagnostic) -> Variable {
    var evaluator = session.makeEvaluator(labels: labels)
    defer { warnings += evaluator.warnings }
    return try evaluate(with: &evaluator, inputs)
  }

  /// Evaluates the function with an evaluator the session made, which keeps the warnings:
  /// one evaluator for many evaluations spares making one each time.
  func evaluate(with evaluator: inout Evaluator, _ inputs: [Variable]) throws(Diagnostic)
    -> Variable
  {
    if isInline {
      let bindings = Dictionary(uniqueKeysWithValues: zip(parameters, inputs))
      return try evaluator.evaluate(function.definition.body, bindings: bindings)
    }
    return try evaluator.call(function, arguments: inputs, at: range)
  }

  /// Leaves for the arguments, labelled with the parameter names.
  func leaves() -> [Variable] {
    zip(arguments, parameters).map { Variable.leaf($0, label: $1) }
  }
}

extension Session {
  /// Resolves `expr` into a target; `command` names the command in errors.
  func callTarget(_ expr: Expr, source: SourceText, command: String) throws(Diagnostic)
    -> CallTarget
  {
    var evaluator = makeEvaluator()
    if case .call(let name, _, let arguments) = expr.kind, let function = functions[name] {
      return try functionTarget(function, arguments, expr, source: source, evaluator: &evaluator)
    }
    if case .apply(let callee, let arguments) = expr.kind {
      // `:grad grad(f)(2.0)`: the function value, as a function of its parameters.
      let resolved = try evaluator.resolveFunction(callee)
      let body = Expr(
        .apply(callee: callee, arguments: resolved.parameters.map { .init(.name($0)) }),
        range: expr.range)
      let definition = FunctionDefinition(
        name: resolved.expression.description, parameters: resolved.parameters, body: body)
      var target = try functionTarget(
        UserFunction(definition), arguments, expr, source: source, evaluator: &evaluator)
      target.isInline = true
      return target
    }
    let used = sessionTensors(in: expr)
    if !used.isEmpty {
      let definition = FunctionDefinition(name: "", parameters: used, body: expr)
      return CallTarget(
        function: UserFunction(definition), arguments: used.map { tensors[$0]! },
        text: source[expr.range],
        range: expr.range, isInline: true)
    }
    if case .name(let name) = expr.kind, functions[name] != nil || Builtin.all[name] != nil {
      throw Diagnostic.error(
        "\(command) needs a call of \(name) with its arguments", at: expr.range,
        help:
          "as in \(command) \(name)(\(functions[name]?.parameters.map { _ in "2.0" }.joined(separator: ", ") ?? "2.0"))"
      )
    }
    guard case .call(let name, let nameRange, let arguments) = expr.kind else {
      throw Diagnostic.error(
        "\(command) needs a function call such as f(2.0), or an expression of session tensors such as sum(x^2)",
        at: expr.range, help: "define a function first, for example: f(x) = x^2 * sin(x)")
    }
    guard let builtin = Builtin.all[name] else {
      throw Diagnostic.error(
        "unknown function '\(name)'", at: nameRange,
        help: evaluator.suggestion(for: name, functionsOnly: true)
          ?? "define it first, for example: \(name)(x) = x^2")
    }
    // Tensor arguments become parameters; everything else stays as written.
    var parameters: [String] = []
    var values: [Tensor] = []
    var newArguments: [Expr.Argument] = []
    var position = 0
    for argument in arguments {
      let parameter: Builtin.Parameter? =
        argument.label.flatMap { l in builtin.parameters.first { $0.accepts(l) } }
        ?? (argument.label == nil && position < builtin.parameters.count
          ? builtin.parameters[position] : nil)
      if argument.label == nil { position += 1 }
      if let parameter, parameter.kind == .tensor {
        let p = parameter.name
        parameters.append(p)
        values.append(try evaluator.evaluate(argument.value).value)
        newArguments.append(
          Expr.Argument(
            label: argument.label, labelRange: argument.labelRange,
            value: .name(p, range: argument.value.range)))
      } else {
        newArguments.append(argument)
      }
    }
    guard !parameters.isEmpty else {
      throw Diagnostic.error("\(name)(…) has no tensor argument to differentiate", at: expr.range)
    }
    // Keep the call's ranges, so errors in the builtin point at the entry.
    let body = Expr(
      .call(name: name, nameRange: nameRange, arguments: newArguments), range: expr.range)
    let definition = FunctionDefinition(name: name, parameters: parameters, body: body)
    return CallTarget(
      function: UserFunction(definition), arguments: values, text: source[expr.range],
      range: expr.range,
      isInline: true)
  }

  /// A call of a session function: its arguments evaluated as constants, in parameter order.
  private func functionTarget(
    _ function: UserFunction, _ arguments: [Expr.Argument], _ expr: Expr, source: SourceText,
    evaluator: inout Evaluator
  ) throws(Diagnostic) -> CallTarget {
    let name = function.name
    let n = function.parameters.count
    let arity = Diagnostic.error(
      "'\(name)' takes \(n) argument\(n == 1 ? "" : "s") (\(function.parameters.joined(separator: ", "))), got \(arguments.count)",
      at: expr.range)
    var slots = [Tensor?](repeating: nil, count: n)
    var position = 0
    for argument in arguments {
      let index: Int
      if let label = argument.label {
        guard let i = function.parameters.firstIndex(of: label) else {
          throw Diagnostic.error(
            "'\(name)' has no parameter '\(label)'", at: argument.labelRange ?? expr.range,
            help: "its parameters are \(function.parameters.joined(separator: ", "))")
        }
        index = i
      } else {
        index = position
        position += 1
      }
      guard index < n else { throw arity }
      slots[index] = try evaluator.evaluate(argument.value).value
    }
    guard slots.allSatisfy({ $0 != nil }) else { throw arity }
    return CallTarget(
      function: function, arguments: slots.map { $0! }, text: source[expr.range], range: expr.range)
  }

  /// The session tensors `expr` names, in the order they first appear.
  func sessionTensors(in expr: Expr) -> [String] {
    var found: [String] = []
    var seen: Set<String> = []
    // The callee of `grad(f, wrt: W)(...)` holds function and parameter names, never tensors.
    expr.forEachValueNode { e in
      if case .name(let n) = e.kind, tensors[n] != nil, seen.insert(n).inserted { found.append(n) }
    }
    return found
  }

  /// The indices of the parameters named after `wrt` (all when empty).
  func selectParameters(
    _ wrt: [Located<String>], of target: CallTarget
  ) throws(Diagnostic) -> [Int] {
    if wrt.isEmpty { return Array(target.parameters.indices) }
    var result: [Int] = []
    for name in wrt {
      guard let i = target.parameters.firstIndex(of: name.value) else {
        if target.name.isEmpty {
          throw Diagnostic.error(
            "\(target.text) does not use '\(name.value)'", at: name.range,
            help:
              "it uses the session tensor\(target.parameters.count == 1 ? "" : "s") \(target.parameters.joined(separator: ", "))"
          )
        }
        throw Diagnostic.error(
          "\(target.name) has no parameter '\(name.value)'", at: name.range,
          help: "its parameters are \(target.parameters.joined(separator: ", "))")
      }
      if !result.contains(i) { result.append(i) }
    }
    return result
  }
}
