import NablaCore

/// The syntax tree of a function body as terms: names resolved (parameters, session tensors,
/// constants), calls of other session functions inlined (their parameters bound to the
/// argument terms, so an argument used twice is one term), builtin arguments put in
/// signature order, and every operator through the simplifying constructors.
///
/// Positions are numbered in source order (preorder) and recorded on each use, so that a
/// derivative lists its terms as the uses appear in the function.
struct Lowering {
  let graph: TermGraph
  let functions: [String: UserFunction]
  /// The most levels of nesting lowered, counting inlined bodies.
  var maximumDepth = 400
  /// The most distinct terms the lowered function may have.
  var maximumTerms = Int.max
  /// Asked now and then; true stops the lowering with `SymbolicError.cancelled`.
  var isCancelled: (() -> Bool)? = nil
  private var depth = 0
  private var counter = 0
  private var callStack: [String] = []
  /// Calls already lowered, by function and argument terms: `f1(x) = f0(f0(x))` nested 30
  /// deep lowers each body once per distinct argument, not 2^30 times.
  private var calls: [CallKey: Term] = [:]

  private struct CallKey: Hashable {
    var name: String
    var arguments: [Int]
  }

  init(graph: TermGraph, functions: [String: UserFunction]) {
    self.graph = graph
    self.functions = functions
  }

  /// A term and the source position of its use.
  typealias Lowered = (term: Term, position: Int)

  /// Lowers `expr` with `scope` (parameter name → term).
  mutating func lower(_ expr: Expr, _ scope: [String: Term]) throws(SymbolicError) -> Lowered {
    depth += 1
    defer { depth -= 1 }
    if depth > maximumDepth {
      throw SymbolicError(
        "the function is nested too deeply to differentiate symbolically (more than \(maximumDepth) levels)",
        help: "split it into smaller definitions")
    }
    counter += 1
    if counter & 1023 == 0, isCancelled?() == true { throw SymbolicError.cancelled }
    let position = counter
    graph.position = position
    switch expr.kind {
    case .number(let x):
      return (graph.number(x), position)
    case .name(let name):
      return (try resolve(name, scope), position)
    case .tensor(let elements):
      var items: [Lowered] = []
      for e in elements { items.append(try lower(e, scope)) }
      graph.position = position
      return (graph.make(.literal, items.map(\.term), argOrder: items.map(\.position)), position)
    case .unary(let op, let operand):
      let x = try lower(operand, scope)
      graph.position = position
      if op == .plus { return (x.term, position) }
      return (graph.sum([.init(coefficient: -1, term: x.term, position: x.position)]), position)
    case .binary(let op, _, _):
      return (try lowerChain(expr, op, scope, position), position)
    case .call(let name, _, let arguments):
      return (try lowerCall(name, arguments, scope, position), position)
    case .apply:
      throw SymbolicError(
        "grad(f)(x) inside a function is not differentiated symbolically yet",
        help: "autodiff and numerical differentiation still apply")
    case .index(let base, let items):
      var args = [try lower(base, scope)]
      var patterns: [IndexPattern] = []
      for item in items {
        switch item {
        case .ellipsis:
          patterns.append(.ellipsis)
        case .index(let e):
          patterns.append(.index)
          args.append(try lower(e, scope))
        case .slice(let start, let stop, let step):
          patterns.append(.slice(start: start != nil, stop: stop != nil, step: step != nil))
          for part in [start, stop, step] {
            if let part { args.append(try lower(part, scope)) }
          }
        }
      }
      graph.position = position
      return (
        graph.make(.index(patterns), args.map(\.term), argOrder: args.map(\.position)), position
      )
    }
  }

  private func resolve(_ name: String, _ scope: [String: Term]) throws(SymbolicError) -> Term {
    if let t = scope[name] { return t }
    if graph.tensors[name] != nil { return graph.tensor(name) }
    if let value = Builtin.constants[name] {
      return name == "inf" || name == "nan" ? graph.number(value) : graph.constant(name)
    }
    if functions[name] != nil || Builtin.all[name] != nil {
      throw SymbolicError("'\(name)' is a function, not a value")
    }
    throw SymbolicError("unknown name '\(name)'", help: "define it, or pass it as a parameter")
  }

  /// A chain of operators of one precedence group (`a + b - c`, `a*b/c`), folded in a loop;
  /// other operators one at a time.
  private mutating func lowerChain(
    _ expr: Expr, _ op: BinaryOperator, _ scope: [String: Term], _ position: Int
  ) throws(SymbolicError) -> Term {
    let additive: Set<BinaryOperator> = [.add, .subtract]
    let multiplicative: Set<BinaryOperator> = [.multiply, .divide]
    let group = additive.contains(op) ? additive : multiplicative.contains(op) ? multiplicative : []
    guard !group.isEmpty else {
      guard case .binary(_, let lhs, let rhs) = expr.kind else { preconditionFailure() }
      let a = try lower(lhs, scope)
      let b = try lower(rhs, scope)
      graph.position = position
      switch op {
      case .power:
        if let e = b.term.number {
          return graph.product([.init(base: a.term, exponent: e, position: a.position)])
        }
        if a.term.number == 1 { return graph.power(a.term, b.term) }
        return graph.make(.power, [a.term, b.term], argOrder: [a.position, b.position])
      case .matmul:
        return graph.make(.matmul, [a.term, b.term], argOrder: [a.position, b.position])
      default:
        if a.term.number != nil && b.term.number != nil { return graph.compare(op, a.term, b.term) }
        return graph.make(.compare(op), [a.term, b.term], argOrder: [a.position, b.position])
      }
    }
    // Walk down the left spine while the operators stay in the group.
    var operators: [(BinaryOperator, Expr)] = []
    var leftmost = expr
    while case .binary(let o, let lhs, let rhs) = leftmost.kind, group.contains(o) {
      operators.append((o, rhs))
      leftmost = lhs
    }
    let first = try lower(leftmost, scope)
    var operands: [(BinaryOperator, Lowered)] = [(group == additive ? .add : .multiply, first)]
    for (o, rhs) in operators.reversed() {
      operands.append((o, try lower(rhs, scope)))
    }
    graph.position = position
    if group == additive {
      return graph.sum(
        operands.map {
          .init(coefficient: $0.0 == .add ? 1 : -1, term: $0.1.term, position: $0.1.position)
        })
    }
    return graph.product(
      operands.map {
        .init(base: $0.1.term, exponent: $0.0 == .multiply ? 1 : -1, position: $0.1.position)
      })
  }

  // MARK: Calls

  private mutating func lowerCall(
    _ name: String, _ arguments: [Expr.Argument], _ scope: [String: Term], _ position: Int
  ) throws(SymbolicError) -> Term {
    if let builtin = Builtin.all[name] {
      return try lowerBuiltin(builtin, arguments, scope, position)
    }
    guard let function = functions[name] else {
      if scope[name] != nil || graph.tensors[name] != nil {
        throw SymbolicError("'\(name)' is a tensor, not a function")
      }
      throw SymbolicError("unknown function '\(name)'")
    }
    if callStack.contains(name) {
      throw SymbolicError(
        "'\(name)' calls itself (\((callStack + [name]).joined(separator: " → "))); recursion is not supported"
      )
    }
    // Arguments by parameter (positional, then keywords), each lowered in the caller's scope.
    let parameters = function.parameters
    var slots = [Expr?](repeating: nil, count: parameters.count)
    var next = 0
    for argument in arguments {
      if let label = argument.label {
        guard let i = parameters.firstIndex(of: label), slots[i] == nil else {
          throw SymbolicError("'\(name)' has no parameter '\(label)' (or it is given twice)")
        }
        slots[i] = argument.value
      } else {
        guard next < slots.count else { throw arity(function, arguments.count) }
        slots[next] = argument.value
        next += 1
      }
    }
    var inner: [String: Term] = [:]
    var argumentIDs: [Int] = []
    for (p, slot) in zip(parameters, slots) {
      guard let slot else { throw arity(function, arguments.count) }
      let t = try lower(slot, scope).term
      inner[p] = t
      argumentIDs.append(t.id)
    }
    let key = CallKey(name: name, arguments: argumentIDs)
    if let known = calls[key] { return known }
    callStack.append(name)
    defer { callStack.removeLast() }
    let result = try lower(function.definition.body, inner).term
    calls[key] = result
    if graph.terms.count > maximumTerms { throw Lowering.tooLarge(maximumTerms) }
    return result
  }

  static func tooLarge(_ limit: Int) -> SymbolicError {
    SymbolicError(
      "the function has more than \(limit) distinct operations with its calls inlined",
      help: "use :grad for its gradient, or raise the limit with :set maxsymbolic N")
  }

  private func arity(_ function: UserFunction, _ got: Int) -> SymbolicError {
    let n = function.parameters.count
    return SymbolicError(
      "'\(function.name)' takes \(n) argument\(n == 1 ? "" : "s") (\(function.parameters.joined(separator: ", "))), got \(got)"
    )
  }

  /// A builtin call, its arguments in signature order: required ones positional, optional
  /// ones as keywords (`sum(x, 0)` becomes `sum(x, axis: 0)`, `ones(2, 3)` becomes
  /// `ones([2, 3])`). `pow(a, b)` becomes `a^b`.
  private mutating func lowerBuiltin(
    _ builtin: Builtin, _ arguments: [Expr.Argument], _ scope: [String: Term], _ position: Int
  ) throws(SymbolicError) -> Term {
    let parameters = builtin.parameters
    var slots = [Expr?](repeating: nil, count: parameters.count)
    var extraSizes: [Expr] = []
    var next = 0
    for argument in arguments {
      if let label = argument.label {
        guard let i = parameters.firstIndex(where: { $0.accepts(label) }), slots[i] == nil else {
          throw SymbolicError(
            "\(builtin.name) has no keyword argument '\(label)' (or it is given twice)",
            help: builtin.signature)
        }
        slots[i] = argument.value
      } else if next > 0 && parameters[next - 1].kind == .shape && builtin.category == .construction
        && builtin.name != "full" && isSize(argument.value)
      {
        extraSizes.append(argument.value)
      } else {
        guard next < parameters.count else {
          throw SymbolicError(
            "\(builtin.name) takes at most \(parameters.count) arguments", help: builtin.signature)
        }
        slots[next] = argument.value
        next += 1
      }
    }
    var args: [Lowered] = []
    var labels: [String?] = []
    for (i, p) in parameters.enumerated() {
      guard let slot = slots[i] else {
        if p.optional { continue }
        throw SymbolicError(
          "\(builtin.name) is missing its argument '\(p.name)'", help: builtin.signature)
      }
      var lowered = try lower(slot, scope)
      if p.kind == .shape && !extraSizes.isEmpty {
        var sizes = [lowered]
        for e in extraSizes { sizes.append(try lower(e, scope)) }
        graph.position = position
        lowered = (
          graph.make(.literal, sizes.map(\.term), argOrder: sizes.map(\.position)), lowered.position
        )
      }
      args.append(lowered)
      labels.append(p.optional ? p.name : nil)
    }
    graph.position = position
    if builtin.name == "pow" {
      let (a, b) = (args[0], args[1])
      if let e = b.term.number {
        return graph.product([.init(base: a.term, exponent: e, position: a.position)])
      }
      return graph.make(.power, [a.term, b.term], argOrder: [a.position, b.position])
    }
    return graph.call(
      builtin.name, args.map(\.term), labels: labels, argOrder: args.map(\.position))
  }

  private func isSize(_ e: Expr) -> Bool {
    if case .number(let x) = e.kind { return x.rounded() == x && x >= 0 }
    return false
  }
}

/// Why a function cannot be differentiated symbolically.
public struct SymbolicError: Error, CustomStringConvertible, Sendable {
  /// One sentence.
  public var message: String
  /// What to do about it, if anything.
  public var help: String?

  public init(_ message: String, help: String? = nil) {
    self.message = message
    self.help = help
  }

  public var description: String { message }

  /// Whether the differentiation stopped because it was asked to (Ctrl-C), not for a reason
  /// of the function's.
  public var isCancellation = false

  static var cancelled: SymbolicError {
    var e = SymbolicError("interrupted")
    e.isCancellation = true
    return e
  }
}
