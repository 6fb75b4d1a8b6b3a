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

  /// The names an expression sees besides session names: inside a call, the parameters of
  /// the function, whose values are `frames[base...]` in order; at the top, the bindings
  /// given to `evaluate(_:bindings:)`. A body sees only its own parameters.
  struct Scope {
    var parameters: [String] = []
    var base = 0
    var bindings = [String: Variable]()

    /// Every name in scope (for suggestions).
    var names: [String] { parameters + bindings.keys }

    func contains(_ name: String) -> Bool {
      parameters.contains(name) || bindings[name] != nil
    }
  }

  /// A public entry's evaluation: `body` runs in `scope` with no failure carried over, any
  /// error becomes a diagnostic, and afterwards the scope goes, and with it any argument
  /// values and chain operators an error left behind.
  mutating func entry(
    in scope: Scope, _ body: (inout Evaluator) throws -> Variable
  ) throws(Diagnostic) -> Variable {
    failure = nil
    let outer = (scope: self.scope, frames: frames.count, operators: chainOperators.count)
    self.scope = scope
    defer {
      self.scope = outer.scope
      if frames.count > outer.frames { frames.removeSubrange(outer.frames...) }
      if chainOperators.count > outer.operators {
        chainOperators.removeSubrange(outer.operators...)
      }
    }
    return try Evaluator.diagnosing { () throws in try body(&self) }
  }

  /// A call of a builtin or of a session function.
  mutating func evalCall(_ expr: Expr) throws -> Evaluated {
    switch Evaluator.callee(of: expr) {
    case .elementwise(let f):
      return try applyElementwise(f, expr, try eval(Evaluator.onlyArgument(of: expr)))
    case .function:
      // The common case: a session function with every argument in place, whose values go
      // straight into the frame its body reads.
      if let call = positionalCall(expr) {
        let base = frames.count
        try pushArguments(of: expr)
        return try invoke(call.function, argumentsFrom: base, at: expr.range)
      }
    case .builtin:
      break
    }
    let plan = try callPlan(expr)
    if plan.isBuiltin { return try finishBuiltin(plan, try evalAll(plan.arguments), expr) }
    let base = frames.count
    if frames.capacity == 0 { reserveScratch() }
    for e in plan.arguments {
      let value = try eval(e)
      frames.append(value)
    }
    return try invoke(plan.function!, argumentsFrom: base, at: expr.range)
  }

  /// Evaluates a call's arguments in order onto `frames`.
  mutating func pushArguments(of expr: Expr) throws {
    if frames.capacity == 0 { reserveScratch() }
    for argument in Evaluator.arguments(of: expr) {
      let value = try eval(argument.value)
      frames.append(value)
    }
  }

  /// What a call's name refers to, before the arguments are looked at.
  enum Callee: Equatable {
    /// An elementwise builtin called with one positional argument, as in `sin(x)`.
    case elementwise(UnaryFunction)
    /// Any other builtin call.
    case builtin
    /// Not a builtin: a session function, or an error.
    case function

    /// The callee as a nonzero number, to note on the call's node (`Expr.calleeNote`).
    var note: Int {
      switch self {
      case .function: 1
      case .builtin: 2
      case .elementwise(let f): 3 + Callee.unaryFunctions.firstIndex(of: f)!
      }
    }

    init(note: Int) {
      switch note {
      case 1: self = .function
      case 2: self = .builtin
      default: self = .elementwise(Callee.unaryFunctions[note - 3])
      }
    }

    static let unaryFunctions = Array(UnaryFunction.allCases)
  }

  /// Each builtin's name, with the function of those that apply one elementwise function
  /// to their one tensor argument: one lookup tells a call of `sin` from one of `f`.
  static let builtinCallees: [String: UnaryFunction?] = Dictionary(
    uniqueKeysWithValues: Builtin.all.keys.map { name -> (String, UnaryFunction?) in
      (name, elementwiseBuiltins[name])
    })

  /// The builtins that apply one elementwise function to their one tensor argument.
  static let elementwiseBuiltins: [String: UnaryFunction] = [
    "exp": .exp, "log": .log, "sin": .sin, "cos": .cos, "tan": .tan, "tanh": .tanh,
    "sigmoid": .sigmoid, "relu": .relu, "sqrt": .sqrt, "abs": .abs,
  ].filter { Builtin.all[$0.key] != nil }

  /// Classifies a call, looking its name up only the first time the node is evaluated (the
  /// builtins never change). An elementwise call is evaluated by `applyElementwise` without
  /// a call plan: what the builtin's general path would do, without its argument tables.
  @inline(never)
  static func callee(of expr: Expr) -> Callee {
    let noted = expr.calleeNote.load(ordering: .relaxed)
    if noted != 0 { return Callee(note: noted) }
    let callee = classify(expr)
    expr.calleeNote.store(callee.note, ordering: .relaxed)
    return callee
  }

  static func classify(_ expr: Expr) -> Callee {
    guard case .call(let name, _, let arguments) = expr.kind else {
      preconditionFailure("not a call: \(expr)")
    }
    guard let entry = builtinCallees[name] else { return .function }
    if let f = entry, arguments.count == 1, arguments[0].label == nil { return .elementwise(f) }
    return .builtin
  }

  /// A call of a session function with its arguments in place, and the function.
  final class ResolvedCall {
    /// The call's node (held, so that no other node can take its address while cached).
    let site: Expr
    let function: UserFunction

    init(site: Expr, function: UserFunction) {
      self.site = site
      self.function = function
    }
  }

  /// The session function a call names, when its arguments are all positional and as many as
  /// the parameters (otherwise the call plan binds them or says what is wrong). Found in
  /// `resolvedCalls` when the same node was evaluated before.
  @inline(never)
  mutating func positionalCall(_ expr: Expr) -> ResolvedCall? {
    // Nodes are at least 16-byte aligned, so the low 4 bits of an address say nothing.
    let slot = Int(truncatingIfNeeded: UInt(bitPattern: ObjectIdentifier(expr)) >> 4) & 63
    if !resolvedCalls.isEmpty, let cached = resolvedCalls[slot], cached.site === expr {
      return cached
    }
    guard case .call(let name, _, let arguments) = expr.kind, let function = functions[name],
      arguments.count == function.parameters.count, !arguments.contains(where: { $0.label != nil })
    else { return nil }
    let call = ResolvedCall(site: expr, function: function)
    if resolvedCalls.isEmpty { resolvedCalls = Array(repeating: nil, count: 64) }
    resolvedCalls[slot] = call
    return call
  }

  @inline(never)
  static func arguments(of expr: Expr) -> [Expr.Argument] {
    guard case .call(_, _, let arguments) = expr.kind else { preconditionFailure("not a call") }
    return arguments
  }

  @inline(never)
  static func onlyArgument(of expr: Expr) -> Expr {
    guard case .call(_, _, let arguments) = expr.kind else { preconditionFailure("not a call") }
    return arguments[0].value
  }

  @inline(never)
  mutating func applyElementwise(_ f: UnaryFunction, _ expr: Expr, _ x: Evaluated)
    throws(Diagnostic)
    -> Evaluated
  {
    try checkStop()
    return checked(
      Variable.apply(f, x.variable), anyInputNonFinite: x.nonFinite,
      op: Evaluator.name(of: expr), expr)
  }

  /// The name of a call (for its warning: taking it out of the node costs more than the op).
  @inline(never)
  static func name(of expr: Expr) -> String {
    guard case .call(let name, _, _) = expr.kind else { preconditionFailure("not a call") }
    return name
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

  @inline(never)
  mutating func callPlan(_ expr: Expr) throws(Diagnostic)
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
    if scope.contains(name) || tensors[name] != nil {
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
    _ function: UserFunction, pushing arguments: [Variable], at range: SourceRange
  ) throws -> Evaluated {
    let base = frames.count
    if frames.capacity == 0 { reserveScratch() }
    for a in arguments { frames.append(Evaluated(a)) }
    return try invoke(function, argumentsFrom: base, at: range)
  }

  /// Evaluates a user function's body with its parameters bound to the values `frames[base...]`,
  /// and takes those values off `frames`.
  mutating func invoke(
    _ function: UserFunction, argumentsFrom base: Int, at range: SourceRange
  ) throws -> Evaluated {
    let resolved = resolvedBody(of: function)
    if let resolved, resolved.isSelfContained {
      return try invoke(function, selfContained: resolved, argumentsFrom: base, at: range)
    }
    let (outer, firstWarning) = try enter(function, argumentsFrom: base, at: range)
    do {
      let value =
        if let resolved {
          try run(resolved, argumentsFrom: base)
        } else {
          try eval(function.definition.body)
        }
      if labelsNodes { recordCall(function, Array(frames[base...]), value) }
      leave(function, outer, base: base, at: range, firstWarning: firstWarning)
      return value
    } catch {
      leave(function, outer, base: base, at: range, firstWarning: firstWarning)
      throw failed(in: function, error, at: range)
    }
  }

  /// `invoke(_:argumentsFrom:at:)` for a body that calls nothing and reads no session name
  /// (every step resolved): it cannot reach a call of itself, nor look at the scope, so the
  /// call goes on no stack and swaps no scope.
  @inline(never)
  mutating func invoke(
    _ function: UserFunction, selfContained body: ResolvedBody, argumentsFrom base: Int,
    at range: SourceRange
  ) throws -> Evaluated {
    let count = frames.count - base
    guard count == function.parameters.count else {
      throw arityError(function, got: count, at: range)
    }
    let firstWarning = warnings.count
    do {
      let value = try runSelfContained(body, argumentsFrom: base)
      if labelsNodes { recordCall(function, Array(frames[base...]), value) }
      returning(from: function, base: base, at: range, firstWarning: firstWarning)
      return value
    } catch {
      returning(from: function, base: base, at: range, firstWarning: firstWarning)
      throw failed(in: function, error, at: range)
    }
  }

  @inline(never)
  mutating func enter(
    _ function: UserFunction, argumentsFrom base: Int, at range: SourceRange
  ) throws(Diagnostic) -> (outer: Scope, firstWarning: Int) {
    let body = ObjectIdentifier(function.definition.body)
    if callStack.contains(where: { $0.body == body }) {
      throw Diagnostic.error(
        "'\(function.name)' calls itself (\((callStack.map(\.name) + [function.name]).joined(separator: " → "))); recursion is not supported",
        at: range)
    }
    let count = frames.count - base
    guard count == function.parameters.count else {
      throw arityError(function, got: count, at: range)
    }
    if callStack.capacity == 0 { reserveCallScratch() }
    callStack.append((function.name, body))
    let outer = scope
    scope = Scope(parameters: function.parameters, base: base)
    return (outer, warnings.count)
  }

  /// Leaves a call: warnings raised in the body move to the call (their ranges point into
  /// the definition, not this entry), with the body's line and a caret under the place.
  @inline(never)
  mutating func leave(
    _ function: UserFunction, _ outer: Scope, base: Int, at range: SourceRange, firstWarning: Int
  ) {
    scope = outer
    callStack.removeLast()
    returning(from: function, base: base, at: range, firstWarning: firstWarning)
  }

  /// What leaving a call does besides restoring the scope and the call stack: takes the
  /// arguments (and anything an error left above them) off `frames`, and moves the body's
  /// warnings to the call.
  @inline(__always)
  mutating func returning(
    from function: UserFunction, base: Int, at range: SourceRange, firstWarning: Int
  ) {
    while frames.count > base { frames.removeLast() }
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
