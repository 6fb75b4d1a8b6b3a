import NablaCore
import NablaLanguage

/// A name a function body uses: as a value (`x`) or as a call (`g(x, axis: 0)`).
struct BodyReference {
  var name: String
  var range: SourceRange
  /// The call's arguments, or nil when the name is used as a value.
  var arguments: [Expr.Argument]?
  /// For a call of a function value (`grad(f)(x)`), the function expression; `name` is then
  /// the function at its core.
  var callee: Expr? = nil
}

extension Session {
  /// `f(x, y) = body`: checks every name and call of the body now, so that a mistake shows at
  /// the definition rather than at the first call, then stores (or replaces) the function.
  /// `checkCycles: false` skips the search for recursion through other functions, for
  /// definitions that cannot take part in one (`:diff … as` defines new names).
  func define(
    _ definition: FunctionDefinition, source: SourceText, checkCycles: Bool = true,
    into result: inout EntryResult
  ) throws(Diagnostic) {
    let name = definition.name
    if Builtin.all[name] != nil {
      throw Diagnostic.error(
        "'\(name)' is a builtin function and cannot be redefined", at: definition.nameRange)
    }
    if Builtin.constants[name] != nil || tensors[name] != nil {
      throw Diagnostic.error(
        "'\(name)' is a \(tensors[name] != nil ? "tensor" : "constant"); choose another name for the function",
        at: definition.nameRange,
        help: tensors[name] != nil ? "or delete the tensor first with :del \(name)" : nil)
    }
    for (p, range) in zip(definition.parameters, definition.parameterRanges)
    where Builtin.all[p] != nil {
      throw Diagnostic.error(
        "parameter '\(p)' hides the builtin '\(p)'", at: range, help: "choose another name")
    }
    let parameters = Set(definition.parameters)
    for reference in bodyReferences(definition.body) {
      try checkReference(
        reference, in: definition, parameters: parameters, checkCycles: checkCycles)
    }
    let previous = functions[name]
    functions[name] = UserFunction(definition, source: SourceText(source.text))
    // Other functions that call this one with the old number of arguments now fail.
    if let previous, previous.parameters.count != definition.parameters.count {
      for caller in callers(of: name) {
        result.diagnostics.append(
          Diagnostic(
            .warning,
            "\(caller) calls \(name) with \(previous.parameters.count) argument\(previous.parameters.count == 1 ? "" : "s"), but \(name) now takes \(definition.parameters.count)",
            at: definition.nameRange, help: "redefine \(caller), or calls of it will fail"))
      }
    }
  }

  private func checkReference(
    _ reference: BodyReference, in definition: FunctionDefinition, parameters: Set<String>,
    checkCycles: Bool
  ) throws(Diagnostic) {
    let n = reference.name
    let name = definition.name
    if let callee = reference.callee {
      var evaluator = makeEvaluator()
      evaluator.functions[name] = UserFunction(definition)
      _ = try evaluator.resolveFunction(callee)
    }
    guard let arguments = reference.arguments else {
      if parameters.contains(n) || tensors[n] != nil || Builtin.constants[n] != nil { return }
      if functions[n] != nil || Builtin.all[n] != nil || n == name {
        throw Diagnostic.error(
          "'\(n)' is a function, not a value", at: reference.range, help: "call it: \(n)(x)")
      }
      var evaluator = makeEvaluator()
      evaluator.functions[name] = UserFunction(definition)
      let scope = Dictionary(
        uniqueKeysWithValues: definition.parameters.map { ($0, Variable(Tensor(0))) })
      throw Diagnostic.error(
        "unknown name '\(n)' in the body of \(name)", at: reference.range,
        help: evaluator.suggestion(for: n, bindings: scope)
          ?? "use a parameter, or define the tensor first, for example: \(n) = [1, 2, 3]")
    }
    if parameters.contains(n) || tensors[n] != nil {
      throw Diagnostic.error("'\(n)' is a tensor, not a function", at: reference.range)
    }
    if FunctionExpression.transforms.contains(n), functions[n] == nil {
      throw Diagnostic.error(
        "\(n)(f) is a function, not a value", at: reference.range,
        help: "call it, as in \(n)(f)(x)")
    }
    if let builtin = Builtin.all[n] {
      for argument in arguments {
        if let label = argument.label, !builtin.parameters.contains(where: { $0.accepts(label) }) {
          throw Diagnostic.error(
            "\(n) has no keyword argument '\(label)'", at: argument.labelRange ?? reference.range,
            help: builtin.signature)
        }
      }
      return
    }
    if n == name {
      throw Diagnostic.error(
        "\(name) would call itself (\(name) → \(name)); recursion is not supported",
        at: reference.range)
    }
    guard let callee = functions[n] else {
      throw Diagnostic.error(
        "unknown function '\(n)' in the body of \(name)", at: reference.range,
        help: makeEvaluator().suggestion(for: n, functionsOnly: true)
          ?? "define \(n) first, for example: \(n)(x) = x^2")
    }
    let labels = arguments.compactMap(\.label)
    if let label = labels.first(where: { !callee.parameters.contains($0) }) {
      throw Diagnostic.error(
        "'\(n)' has no parameter '\(label)'", at: reference.range,
        help: "its parameters are \(callee.parameters.joined(separator: ", "))")
    }
    if arguments.count != callee.parameters.count {
      let k = callee.parameters.count
      throw Diagnostic.error(
        "'\(n)' takes \(k) argument\(k == 1 ? "" : "s") (\(callee.parameters.joined(separator: ", "))), got \(arguments.count)",
        at: reference.range)
    }
    if checkCycles, let cycle = callCycle(from: n, backTo: name) {
      throw Diagnostic.error(
        "\(name) would call itself (\(([name] + cycle).joined(separator: " → "))); recursion is not supported",
        at: reference.range)
    }
  }

  /// The chain of calls from the function `start` that reaches `target`, if there is one
  /// (`[g, h, f]` for g → h → f).
  /// - Complexity: O(total size of the function bodies).
  private func callCycle(from start: String, backTo target: String) -> [String]? {
    var queue: [[String]] = [[start]]
    var seen: Set<String> = [start]
    while !queue.isEmpty {
      let path = queue.removeFirst()
      guard let f = functions[path[path.count - 1]] else { continue }
      var callees: [String] = []
      for reference in bodyReferences(f.definition.body) where reference.arguments != nil {
        if !callees.contains(reference.name) { callees.append(reference.name) }
      }
      for callee in callees {
        if callee == target { return path + [callee] }
        if seen.insert(callee).inserted { queue.append(path + [callee]) }
      }
    }
    return nil
  }

  /// The functions whose bodies call `name`, sorted.
  func callers(of name: String) -> [String] {
    functions.keys.sorted().filter { caller in
      caller != name
        && bodyReferences(functions[caller]!.definition.body).contains {
          $0.name == name && $0.arguments != nil
        }
    }
  }

  /// The functions whose bodies use the session tensor `name`, sorted.
  func users(ofTensor name: String) -> [String] {
    functions.keys.sorted().filter { f in
      let function = functions[f]!
      return !function.parameters.contains(name)
        && bodyReferences(function.definition.body).contains {
          $0.name == name && $0.arguments == nil
        }
    }
  }

  /// Every name the body uses, in the order written. Walks the tree without recursing.
  func bodyReferences(_ body: Expr) -> [BodyReference] {
    var found: [BodyReference] = []
    body.forEachValueNode { e in
      switch e.kind {
      case .name(let n): found.append(BodyReference(name: n, range: e.range, arguments: nil))
      case .call(let n, let range, let arguments):
        found.append(BodyReference(name: n, range: range, arguments: arguments))
      case .apply(let callee, let arguments):
        // The callee names functions, not values: it is checked whole (see checkReference).
        let name = (try? FunctionExpression(callee))?.name ?? ""
        found.append(
          BodyReference(name: name, range: callee.range, arguments: arguments, callee: callee))
      default: break
      }
    }
    return found
  }
}

extension Session {
  /// For an entry that ended inside brackets: where the innermost open one is.
  static func unclosedBracket(in source: SourceText) -> String? {
    var open: [Token] = []
    for token in Lexer.tokenize(source.text) {
      switch token.kind {
      case .leftParen, .leftBracket: open.append(token)
      case .rightParen, .rightBracket: _ = open.popLast()
      default: break
      }
    }
    guard let last = open.last else { return nil }
    let (line, column) = source.location(of: last.range.start)
    let bracket = last.kind == .leftParen ? "(" : "["
    let closer = last.kind == .leftParen ? ")" : "]"
    return "the '\(bracket)' at line \(line), column \(column) is never closed with '\(closer)'"
  }
}
