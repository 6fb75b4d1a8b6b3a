import NablaCore

/// Calls: binding arguments, evaluating a user function's body, and reporting what went
/// wrong inside a body at the call that reached it.
extension Evaluator {
  /// A diagnostic raised inside a body: the calls it passed through (outermost first), its own
  /// message and help, and the body line with a caret.
  struct BodyFailure {
    var chain: [String]
    var message: String
    var help: String?
    var snippet: String?

    /// The diagnostic as shown at the outermost call reached so far.
    func diagnostic(_ severity: Diagnostic.Severity, at range: SourceRange) -> Diagnostic {
      let helpLines = [snippet, help].compactMap { $0 }
      return Diagnostic(
        severity, "in \(chain.joined(separator: " → ")): \(message)", at: range,
        help: helpLines.isEmpty ? nil : helpLines.joined(separator: "\n"))
    }
  }

  /// A call of a builtin or of a session function.
  mutating func evalCall(_ expr: Expr, _ bindings: [String: Variable]) throws -> Evaluated {
    if let f = Evaluator.elementwiseCall(expr) {
      return try applyElementwise(f, expr, try eval(Evaluator.onlyArgument(of: expr), bindings))
    }
    let plan = try callPlan(expr, bindings)
    let values = try evalAll(plan.arguments, bindings)
    if plan.isBuiltin { return try finishBuiltin(plan, values, expr) }
    return try invoke(plan, values, at: expr.range)
  }

  /// The builtins that apply one elementwise function to their one tensor argument.
  static let elementwiseBuiltins: [String: UnaryFunction] = [
    "exp": .exp, "log": .log, "sin": .sin, "cos": .cos, "tan": .tan, "tanh": .tanh,
    "sigmoid": .sigmoid, "relu": .relu, "sqrt": .sqrt, "abs": .abs,
  ].filter { Builtin.all[$0.key] != nil }

  /// The function of a call such as `sin(x)` (one positional argument, an elementwise
  /// builtin), which `applyElementwise` evaluates without a call plan: what the builtin's
  /// general path would do, without its argument tables.
  @inline(never)
  static func elementwiseCall(_ expr: Expr) -> UnaryFunction? {
    guard case .call(let name, _, let arguments) = expr.kind, arguments.count == 1,
      arguments[0].label == nil, let f = elementwiseBuiltins[name]
    else { return nil }
    return f
  }

  @inline(never)
  static func onlyArgument(of expr: Expr) -> Expr {
    guard case .call(_, _, let arguments) = expr.kind else { preconditionFailure("not a call") }
    return arguments[0].value
  }

  @inline(never)
  mutating func applyElementwise(_ f: UnaryFunction, _ expr: Expr, _ x: Evaluated) throws(Diagnostic)
    -> Evaluated
  {
    try checkStop()
    guard case .call(let name, _, _) = expr.kind else { preconditionFailure("not a call") }
    return checked(Variable.apply(f, x.variable), anyInputNonFinite: x.nonFinite, op: name, expr)
  }

  /// What a call evaluates: the argument expressions in order, and either the session
  /// function or the builtin with the slot of each argument. A class, so that the frames of
  /// the recursive path hold one reference to it.
  final class CallPlan {
    let function: UserFunction?
    let builtin: Builtin?
    let arguments: [Expr]
    let slots: [BuiltinSlot]
    var isBuiltin: Bool { builtin != nil }

    init(function: UserFunction?, builtin: Builtin?, arguments: [Expr], slots: [BuiltinSlot]) {
      self.function = function
      self.builtin = builtin
      self.arguments = arguments
      self.slots = slots
    }
  }

  /// Evaluates the body of the session function a call plan names.
  mutating func invoke(_ plan: CallPlan, _ arguments: [Evaluated], at range: SourceRange) throws
    -> Evaluated
  {
    try invoke(plan.function!, arguments, at: range)
  }

  @inline(never)
  mutating func callPlan(_ expr: Expr, _ bindings: [String: Variable]) throws(Diagnostic)
    -> CallPlan
  {
    guard case .call(let name, let nameRange, let arguments) = expr.kind else {
      preconditionFailure("not a call: \(expr)")
    }
    if let builtin = Builtin.all[name] {
      let (exprs, slots) = try bindBuiltinArguments(builtin, arguments, expr)
      return CallPlan(function: nil, builtin: builtin, arguments: exprs, slots: slots)
    }
    if let function = functions[name] {
      return CallPlan(
        function: function, builtin: nil,
        arguments: try bindUserArguments(function, arguments, expr), slots: [])
    }
    if bindings[name] != nil || tensors[name] != nil {
      throw Diagnostic.error("'\(name)' is a tensor, not a function", at: nameRange)
    }
    if FunctionExpression.transforms.contains(name) {
      let text = (try? FunctionExpression(expr))?.description ?? "\(name)(f)"
      throw Diagnostic.error(
        "\(text) is a function, not a value", at: expr.range,
        help: "call it, as in \(text)(x), or name it: df = \(text)")
    }
    throw Diagnostic.error(
      "unknown function '\(name)'", at: nameRange,
      help: suggestion(for: name, functionsOnly: true)
        ?? "define it first, for example: \(name)(x) = x^2; :help lists the builtins")
  }

  /// Evaluates a user function's body with its parameters bound to `arguments`.
  mutating func invoke(
    _ function: UserFunction, _ arguments: [Evaluated], at range: SourceRange
  ) throws -> Evaluated {
    let (scope, firstWarning) = try enter(function, arguments, at: range)
    do {
      let value = try eval(function.definition.body, scope)
      leave(function, at: range, firstWarning: firstWarning)
      if labelsNodes { recordCall(function, arguments, value) }
      return value
    } catch {
      leave(function, at: range, firstWarning: firstWarning)
      throw failed(in: function, error, at: range)
    }
  }

  @inline(never)
  mutating func enter(
    _ function: UserFunction, _ arguments: [Evaluated], at range: SourceRange
  ) throws(Diagnostic) -> (scope: [String: Variable], firstWarning: Int) {
    if callStack.contains(function.name) {
      throw Diagnostic.error(
        "'\(function.name)' calls itself (\((callStack + [function.name]).joined(separator: " → "))); recursion is not supported",
        at: range)
    }
    guard arguments.count == function.parameters.count else {
      throw arityError(function, got: arguments.count, at: range)
    }
    var scope: [String: Variable] = [:]
    for (p, a) in zip(function.parameters, arguments) { scope[p] = a.variable }
    callStack.append(function.name)
    return (scope, warnings.count)
  }

  /// Leaves a call: warnings raised in the body move to the call (their ranges point into
  /// the definition, not this entry), with the body's line and a caret under the place.
  @inline(never)
  mutating func leave(_ function: UserFunction, at range: SourceRange, firstWarning: Int) {
    callStack.removeLast()
    for i in firstWarning..<warnings.count where warnings[i].range != range {
      var origin =
        warningOrigins[i]
        ?? BodyFailure(
          chain: [], message: warnings[i].message, help: warnings[i].help,
          snippet: snippet(of: function, at: warnings[i].range))
      origin.chain.insert(function.name, at: 0)
      warnings[i] = origin.diagnostic(.warning, at: range)
      warningOrigins[i] = origin
    }
  }

  /// The error of a body, said at the call and showing where in the body it happened.
  @inline(never)
  mutating func failed(in function: UserFunction, _ thrown: any Error, at range: SourceRange)
    -> Diagnostic
  {
    let error = thrown as? Diagnostic ?? Diagnostic.error("\(thrown)", at: range)
    if error.range == range && failure == nil { return error }
    // Ctrl-C is not an error of the body: it goes out as it is.
    if error.isInterruption { return error }
    var origin =
      failure
      ?? BodyFailure(
        chain: [], message: error.message, help: error.help,
        snippet: snippet(of: function, at: error.range))
    origin.chain.insert(function.name, at: 0)
    failure = origin
    return origin.diagnostic(.error, at: range)
  }

  /// The line of `function`'s definition that holds `range`, with a caret under it.
  func snippet(of function: UserFunction, at range: SourceRange) -> String? {
    guard let source = function.source, range.isKnown, range.end <= source.text.utf8.count else {
      return nil
    }
    let plain = SourceText(source.text)
    let rendered = DiagnosticRenderer.render(
      Diagnostic(.note, "", at: range), in: plain, color: false)
    let lines = rendered.split(separator: "\n", omittingEmptySubsequences: false).dropFirst()
    return (["\(function.name) is defined as"] + lines.map(String.init)).joined(separator: "\n")
  }

  func arityError(_ function: UserFunction, got: Int, at range: SourceRange) -> Diagnostic {
    let n = function.parameters.count
    return Diagnostic.error(
      "'\(function.name)' takes \(n) argument\(n == 1 ? "" : "s") (\(function.parameters.joined(separator: ", "))), got \(got)",
      at: range)
  }

  /// Orders a user call's arguments by parameter, allowing keywords by parameter name.
  func bindUserArguments(
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
        guard position < slots.count else {
          throw arityError(function, got: arguments.count, at: expr.range)
        }
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
}
