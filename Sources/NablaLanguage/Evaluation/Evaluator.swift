import NablaCore

/// A user function as stored in a session: its definition and the text it was typed as.
public struct UserFunction: Sendable {
  public var definition: FunctionDefinition
  /// The entry the definition was parsed from, so errors inside the body can show where.
  public var source: SourceText?
  public init(_ definition: FunctionDefinition, source: SourceText? = nil) {
    self.definition = definition
    self.source = source
  }
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
///
/// Evaluation recurses on the nesting of the tree (an operator chain such as `1 + 1 + ... + 1`
/// is folded in a loop and counts once), including the bodies of called functions, up to
/// `maximumDepth` levels. The functions on the recursive path keep small stack frames, and
/// the work of each node is done in separate functions off that path.
public struct Evaluator {
  /// Session tensors, by name.
  public var tensors: [String: Tensor]
  /// Session functions, by name.
  public var functions: [String: UserFunction] {
    didSet { resolvedCalls.removeAll() }
  }
  /// Label every recorded node with the text of its subexpression (for the graph pane).
  public var labelsNodes = false
  /// The most levels of nesting evaluated, counting the bodies of called functions; deeper
  /// entries are an error rather than a stack overflow. A level costs 1 to 3 KB of stack in
  /// a debug build (far less in release), so the default needs at most about 2 MB (the main
  /// thread has 8 MB; a thread that evaluates should have at least 4 MB).
  public var maximumDepth = 600
  /// Evaluate user functions' bodies through their resolved steps (`ResolvedBody`) where
  /// they have them; off, every body's tree is walked. The two agree in every value,
  /// gradient, label, warning and error (the tests compare them).
  package var resolvesBodies = true
  /// Asked before each operation runs (once before a body that runs on plain numbers, which
  /// takes about as long as one tensor op); when it answers true, evaluation stops with
  /// `Diagnostic.interrupted` (the REPL's Ctrl-C).
  public var shouldStop: (@Sendable () -> Bool)?
  /// Warnings (NaN or Inf produced by an op), one per op and place, in order.
  public internal(set) var warnings: [Diagnostic] = []
  /// The user-function calls evaluated while `labelsNodes` is on, innermost first: the
  /// graph pane shows each call's nodes as one box that can be expanded.
  public internal(set) var calls: [CallRecord] = []

  /// The user functions being called, outermost first, with their bodies by identity: a
  /// call that would evaluate a body already being evaluated is recursion (with no
  /// conditionals in the language, it would never end). Comparing identities costs less
  /// than comparing names.
  var callStack: [(name: String, body: ObjectIdentifier)] = []
  /// The current level of `eval`.
  var depth = 0
  /// Where a failure inside function bodies came from, while it travels out through the calls.
  var failure: BodyFailure?
  /// For each warning, the functions it was raised inside and its original text.
  var warningOrigins: [BodyFailure?] = []
  /// The names in scope besides session names (see `Scope`).
  var scope = Scope()
  /// The argument values of the calls in progress, outermost first: a call evaluates its
  /// arguments onto the end, its body reads them by parameter index, and it removes them when
  /// it returns. One array for every call, so a call allocates nothing for its scope.
  var frames: [Evaluated] = []
  /// Calls of session functions met so far, in 64 slots by the address of the call's node:
  /// a call evaluated again finds its function without hashing its name (see
  /// `positionalCall`). Emptied when `functions` changes.
  var resolvedCalls: [ResolvedCall?] = []
  /// The operators of the chains being folded, innermost chain last, each chain's next
  /// operator on top (see `evalChain`).
  var chainOperators: [Expr] = []

  public init(tensors: [String: Tensor], functions: [String: UserFunction]) {
    self.tensors = tensors
    self.functions = functions
  }

  /// Evaluates `expr` with `bindings` (parameters) in scope before session names.
  public mutating func evaluate(
    _ expr: Expr, bindings: [String: Variable] = [:]
  ) throws(Diagnostic) -> Variable {
    try entry(in: Scope(bindings: bindings)) { evaluator in try evaluator.eval(expr).variable }
  }

  /// Calls a session function with the given argument values.
  public mutating func call(
    _ name: String, arguments: [Variable], at range: SourceRange = .unknown
  ) throws(Diagnostic) -> Variable {
    guard let function = functions[name] else {
      throw Diagnostic.error("unknown function '\(name)'", at: range, help: suggestion(for: name))
    }
    return try call(function, arguments: arguments, at: range)
  }

  /// Calls any function (a session function or one built by a command) with argument values.
  public mutating func call(
    _ function: UserFunction, arguments: [Variable], at range: SourceRange = .unknown
  ) throws(Diagnostic) -> Variable {
    try entry(in: Scope()) { evaluator in
      try evaluator.invoke(function, pushing: arguments, at: range).variable
    }
  }

  /// Names a person might have meant.
  public func suggestion(
    for name: String, bindings: [String: Variable] = [:], functionsOnly: Bool = false
  ) -> String? {
    var candidates = Array(functions.keys) + Array(Builtin.all.keys)
    if !functionsOnly {
      candidates += Array(bindings.keys) + Array(tensors.keys) + Array(Builtin.constants.keys)
    }
    return suggestion(for: name, among: candidates)
  }

  /// Names a person might have meant, with the names of the current scope among them.
  func suggestion(forUnknown name: String) -> String? {
    var candidates = Array(functions.keys) + Array(Builtin.all.keys)
    candidates += scope.names + Array(tensors.keys) + Array(Builtin.constants.keys)
    return suggestion(for: name, among: candidates)
  }

  private func suggestion(for name: String, among candidates: [String]) -> String? {
    let near = nearestNames(to: name, among: candidates)
    guard !near.isEmpty else { return nil }
    return "did you mean " + near.map { "'\($0)'" }.joined(separator: " or ") + "?"
  }

  // MARK: - The recursive path
  //
  // `eval`, `evalAll`, `evalChain`, `evalCall` and `invoke` call each other once per level of
  // nesting. They throw untyped errors (always a `Diagnostic`), which travel in a register,
  // because a typed error takes a slot in every caller's frame; and they hand all other work
  // to functions off the path.

  /// Runs the recursive path and gives its error back its type.
  static func diagnosing<T>(_ body: () throws -> T) throws(Diagnostic) -> T {
    do {
      return try body()
    } catch let error as Diagnostic {
      throw error
    } catch {
      throw Diagnostic.error("\(error)", at: .unknown)
    }
  }

  /// Throws `Diagnostic.interrupted` if `shouldStop` says so: called before each operation.
  func checkStop() throws(Diagnostic) {
    if let shouldStop, shouldStop() { throw Diagnostic.interrupted }
  }

  /// A value with whether it holds NaN or Inf, so warnings name the op that produced them.
  struct Evaluated {
    var variable: Variable
    var nonFinite: Bool
    init(_ variable: Variable) {
      self.variable = variable
      self.nonFinite = variable.value.containsNonFinite
    }
    init(_ variable: Variable, nonFinite: Bool) {
      self.variable = variable
      self.nonFinite = nonFinite
    }
  }

  /// Evaluates one node: a leaf at once, an operator chain in a loop, a call by its own
  /// function, and any other node by evaluating its children then combining them.
  mutating func eval(_ expr: Expr) throws -> Evaluated {
    depth += 1
    defer { depth -= 1 }
    if depth > maximumDepth { throw Evaluator.tooDeep(expr, limit: maximumDepth) }
    // Switching on a small number rather than on `expr.kind` keeps the payloads of every
    // case out of this frame.
    switch Evaluator.step(for: expr) {
    case 0: return try leaf(expr)
    case 1: return try evalChain(expr)
    case 2: return try evalCall(expr)
    case 4: return try evalApply(expr)
    case 5: return try evalUnary(expr)
    default: return try combine(expr, try evalAll(Evaluator.children(of: expr)))
    }
  }

  /// How `eval` handles a node: 0 a leaf, 1 an operator chain, 2 a call, 3 children first,
  /// 4 a call of a function value, 5 a sign.
  @inline(never)
  static func step(for expr: Expr) -> Int {
    switch expr.kind {
    case .number, .name: 0
    case .binary: 1
    case .call: 2
    case .tensor, .index: 3
    case .apply: 4
    case .unary: 5
    }
  }

  /// Evaluates each expression in order: the loop through which children recurse.
  mutating func evalAll(_ exprs: [Expr]) throws -> [Evaluated] {
    var values: [Evaluated] = []
    values.reserveCapacity(exprs.count)
    for e in exprs { values.append(try eval(e)) }
    return values
  }

  /// A left-leaning chain of binary operators, folded from its leftmost operand in a loop.
  ///
  /// The chain's operators go on `chainOperators` (chains in its operands stack theirs
  /// above and take them off again), so folding allocates nothing once that array has grown.
  mutating func evalChain(_ expr: Expr) throws -> Evaluated {
    // An error leaves the rest of the chain's operators on the array; the public entry
    // that started the evaluation removes them.
    let start = chainOperators.count
    let leftmost = pushSpine(of: expr)
    var value = try eval(leftmost)
    while chainOperators.count > start {
      let node = chainOperators.removeLast()
      value = try applyBinary(node, value, try eval(Evaluator.rightOperand(of: node)))
    }
    return value
  }

  // MARK: - Off the recursive path

  @inline(never)
  static func tooDeep(_ expr: Expr, limit: Int) -> Diagnostic {
    Diagnostic.error(
      "expression is too deep to evaluate (more than \(limit) levels)", at: expr.range,
      help: "split it into smaller definitions")
  }

  /// The children `combine(_:_:)` needs, in order: the elements of a literal (none when they
  /// are all numbers), or the base and then every index expression.
  @inline(never)
  static func children(of expr: Expr) -> [Expr] {
    switch expr.kind {
    case .tensor(let elements):
      return numberLiteral(elements) == nil ? elements : []
    case .index(let base, let items):
      var exprs = [base]
      for item in items {
        switch item {
        case .ellipsis: break
        case .index(let e): exprs.append(e)
        case .slice(let start, let stop, let step): exprs += [start, stop, step].compactMap { $0 }
        }
      }
      return exprs
    default:
      return []
    }
  }

  /// The numbers of a literal made only of (possibly negated) number literals.
  static func numberLiteral(_ elements: [Expr]) -> [Double]? {
    var numbers: [Double] = []
    numbers.reserveCapacity(elements.count)
    for e in elements {
      if case .number(let x) = e.kind {
        numbers.append(x)
      } else if case .unary(.negate, let inner) = e.kind, case .number(let x) = inner.kind {
        numbers.append(-x)
      } else {
        return nil
      }
    }
    return numbers
  }

  /// Gives the stack of arguments room for a typical entry when it is first needed, instead
  /// of growing it from nothing: an evaluator often lives for one evaluation (`:check` makes
  /// three per point). The stacks of calls and chain operators get theirs when first used
  /// (`reserveCallScratch()`): a self-contained resolved body needs neither.
  @inline(never)
  mutating func reserveScratch() {
    frames.reserveCapacity(16)
  }

  /// Gives the stacks of chain operators and calls room in one go, when a call of a body
  /// that is walked (or has calls) first needs them: allocated together, as they are freed.
  @inline(never)
  mutating func reserveCallScratch() {
    if chainOperators.capacity == 0 { chainOperators.reserveCapacity(16) }
    callStack.reserveCapacity(8)
  }

  /// Appends the nodes of a left-leaning operator chain to `chainOperators`, outermost
  /// first (so the innermost, applied first, is last), and returns its leftmost operand.
  @inline(never)
  mutating func pushSpine(of expr: Expr) -> Expr {
    if chainOperators.capacity == 0 { chainOperators.reserveCapacity(16) }
    var leftmost = expr
    while case .binary(_, let lhs, _) = leftmost.kind {
      chainOperators.append(leftmost)
      leftmost = lhs
    }
    return leftmost
  }

  @inline(never)
  static func rightOperand(of expr: Expr) -> Expr {
    if case .binary(_, _, let rhs) = expr.kind { return rhs }
    return expr
  }

  /// A number or a name.
  @inline(never)
  mutating func leaf(_ expr: Expr) throws(Diagnostic) -> Evaluated {
    switch expr.kind {
    case .number(let x):
      return Evaluated(Variable(Tensor(x)), nonFinite: !x.isFinite)
    case .name(let name):
      if let i = scope.parameters.firstIndex(of: name) { return frames[scope.base + i] }
      if !scope.bindings.isEmpty, let v = scope.bindings[name] { return Evaluated(v) }
      if let t = tensors[name] {
        return Evaluated(labelsNodes ? Variable.constant(t, label: name) : Variable(t))
      }
      if let c = Builtin.constants[name] {
        return Evaluated(Variable(Tensor(c)), nonFinite: !c.isFinite)
      }
      if functions[name] != nil || Builtin.all[name] != nil {
        throw Diagnostic.error(
          "'\(name)' is a function, not a value", at: expr.range, help: "call it: \(name)(x)")
      }
      throw Diagnostic.error(
        "unknown name '\(name)'", at: expr.range,
        help: suggestion(forUnknown: name)
          ?? "define it first, for example: \(name) = [1, 2, 3]")
    default:
      preconditionFailure("not a leaf: \(expr)")
    }
  }

  /// `-x` or `+x`: the operand, then its sign (no arrays of children, as `combine` takes).
  @inline(never)
  mutating func evalUnary(_ expr: Expr) throws -> Evaluated {
    guard case .unary(let op, let operand) = expr.kind else {
      preconditionFailure("not a unary operator: \(expr)")
    }
    return try applySign(op, expr, try eval(operand))
  }

  /// A sign applied to its evaluated operand.
  mutating func applySign(_ op: UnaryOperator, _ expr: Expr, _ x: Evaluated) throws(Diagnostic)
    -> Evaluated
  {
    try checkStop()
    switch op {
    case .plus: return x
    case .negate: return label(Evaluated(-x.variable, nonFinite: x.nonFinite), expr)
    }
  }

  /// A unary operator, a tensor literal or an index, from its evaluated children.
  @inline(never)
  mutating func combine(_ expr: Expr, _ children: [Evaluated]) throws(Diagnostic) -> Evaluated {
    try checkStop()
    switch expr.kind {
    case .tensor(let elements):
      if let numbers = Evaluator.numberLiteral(elements) {
        return Evaluated(Variable(Tensor(numbers)))
      }
      if let first = children.first {
        for (i, v) in children.enumerated() where v.variable.shape != first.variable.shape {
          throw Diagnostic.error(
            "ragged tensor literal: element \(i + 1) has shape \(formatShape(v.variable.shape)), element 1 has \(formatShape(first.variable.shape))",
            at: elements[i].range,
            help: "every element of a tensor literal must have the same shape")
        }
      }
      let y = try attempt(expr) { () throws(TensorError) in
        try Variable.stack(children.map(\.variable), axis: 0)
      }
      return label(Evaluated(y, nonFinite: children.contains { $0.nonFinite }), expr)
    case .index(_, let items):
      let x = children[0]
      var next = 1
      func integer(_ e: Expr, _ what: String) throws(Diagnostic) -> Int {
        defer { next += 1 }
        return try Evaluator.integer(children[next].variable.value, at: e, what: what)
      }
      var resolved: [TensorIndex] = []
      for item in items {
        switch item {
        case .ellipsis: resolved.append(.ellipsis)
        case .index(let e): resolved.append(.index(try integer(e, "an index")))
        case .slice(let start, let stop, let step):
          let a = try start.map { e throws(Diagnostic) in try integer(e, "a slice bound") }
          let b = try stop.map { e throws(Diagnostic) in try integer(e, "a slice bound") }
          let c = try step.map { e throws(Diagnostic) in try integer(e, "a slice step") }
          resolved.append(.slice(start: a, stop: b, step: c))
        }
      }
      let y = try attempt(expr) { () throws(TensorError) in try Variable.index(x.variable, resolved)
      }
      return label(
        Evaluated(y, nonFinite: x.nonFinite && y.value.scalars.contains { !$0.isFinite }), expr)
    default:
      preconditionFailure("nothing to combine: \(expr)")
    }
  }

  /// One operator of a chain applied to its evaluated operands.
  @inline(never)
  mutating func applyBinary(_ expr: Expr, _ a: Evaluated, _ b: Evaluated) throws(Diagnostic)
    -> Evaluated
  {
    guard case .binary(let op, _, _) = expr.kind else {
      preconditionFailure("not an operator: \(expr)")
    }
    return try applyBinary(op, expr, a, b)
  }

  /// `applyBinary(_:_:_:)` with the operator already taken out of `expr`. Inlined into the
  /// tree walk's `applyBinary(_:_:_:)`, so that the walk pays no extra call for sharing it.
  @inline(__always)
  mutating func applyBinary(
    _ op: BinaryOperator, _ expr: Expr, _ a: Evaluated, _ b: Evaluated
  ) throws(Diagnostic) -> Evaluated {
    try checkStop()
    guard let function = Evaluator.elementwise(op) else {
      let y = try attempt(expr) { () throws(TensorError) in
        try Variable.matmul(a.variable, b.variable)
      }
      return checked(y, anyInputNonFinite: a.nonFinite || b.nonFinite, op: "@", expr)
    }
    let y = try attempt(expr) { () throws(TensorError) in
      try Variable.apply(function, a.variable, b.variable)
    }
    return checked(y, anyInputNonFinite: a.nonFinite || b.nonFinite, op: op.symbol, expr)
  }

  /// The elementwise function an operator applies; nil for `@`.
  @inline(__always)
  static func elementwise(_ op: BinaryOperator) -> BinaryFunction? {
    switch op {
    case .add: .add
    case .subtract: .subtract
    case .multiply: .multiply
    case .divide: .divide
    case .power: .power
    case .equal: .equal
    case .notEqual: .notEqual
    case .less: .less
    case .lessEqual: .lessEqual
    case .greater: .greater
    case .greaterEqual: .greaterEqual
    case .matmul: nil
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

  /// Labels a recorded node with the text of its subexpression, when `labelsNodes` is on.
  func label(_ value: consuming Evaluated, _ expr: Expr) -> Evaluated {
    // A deep subexpression's text is too long to be a useful label (and costly to print).
    if labelsNodes, expr.height <= 64, let node = value.variable.node, node.label == nil {
      node.label = expr.description
    }
    return value
  }

  /// Notes a finished call of a user function (only when labelling nodes, for the graph pane).
  @inline(never)
  mutating func recordCall(_ function: UserFunction, _ arguments: [Evaluated], _ result: Evaluated)
  {
    guard labelsNodes, let output = result.variable.node else { return }
    let words = arguments.map { a -> String in
      let word =
        a.variable.node?.label ?? a.variable.value.scalar.map(formatScalar)
        ?? formatShape(a.variable.shape)
      return word.count > 12 ? "…" : word  // f(g(h(x))) reads better as f(…)
    }
    calls.append(
      CallRecord(
        name: function.name, text: "\(function.name)(\(words.joined(separator: ", ")))",
        output: output,
        arguments: arguments.compactMap(\.variable.node)))
  }

  /// A one-element tensor holding an integer, or an error at `e` saying what it is for.
  static func integer(_ v: Tensor, at e: Expr, what: String) throws(Diagnostic) -> Int {
    guard let x = v.scalar, x.rounded() == x, Swift.abs(x) < 1e15 else {
      throw Diagnostic.error(
        "\(what) must be an integer, got \(v.scalar.map(formatScalar) ?? "shape \(formatShape(v.shape))")",
        at: e.range)
    }
    return Int(x)
  }
}

/// A call of a user function met while evaluating with `labelsNodes` on.
///
/// Its nodes are those the output depends on without passing through an argument: a body
/// sees only its parameters and session tensors, so nothing outside uses them but through
/// the output.
public struct CallRecord {
  /// The function's name.
  public var name: String
  /// The call with its arguments' labels, as in `f(2*x)`.
  public var text: String
  /// The node the call returned.
  public var output: Node
  /// The argument nodes (where the body's nodes stop).
  public var arguments: [Node]
}
