/// Entries: `expr`, `name = expr`, `f(x, y) = expr`, `:command ...`, or nothing.
extension SyntaxParser {
  mutating func parseEntry() throws(Diagnostic) -> Entry {
    skipNewlines()
    if check(.end) { return .empty }
    if check(.colon) { return .command(try parseCommand()) }
    let target = try parseExpression()
    guard match(.equal) != nil else {
      try expectEndOfEntry()
      return .expression(target)
    }
    let entry: Entry
    switch target.kind {
    case .name(let name):
      let value = try parseExpression()
      entry = .assignment(name: name, nameRange: target.range, value: value)
    case .call(let name, let nameRange, let arguments):
      let (parameters, ranges) = try parameters(of: arguments)
      let body = try parseExpression()
      entry = .definition(
        FunctionDefinition(
          name: name, parameters: parameters, body: body, nameRange: nameRange,
          parameterRanges: ranges))
    default:
      var help: String?
      if case .index = target.kind {
        help = "tensors cannot be changed in place; assign a new tensor to a name"
      }
      throw Diagnostic.error("cannot assign to this expression", at: target.range, help: help)
    }
    if check(.equal) {
      throw error("unexpected '='", help: "assign one name per entry")
    }
    try expectEndOfEntry()
    return entry
  }

  /// The parameter names of `f(x, y) = ...`: distinct plain names.
  func parameters(of arguments: [Expr.Argument]) throws(Diagnostic) -> ([String], [SourceRange]) {
    var names: [String] = []
    var ranges: [SourceRange] = []
    for argument in arguments {
      guard argument.label == nil, case .name(let name) = argument.value.kind else {
        let range = SourceRange(
          from: argument.labelRange ?? argument.value.range, to: argument.value.range)
        throw Diagnostic.error(
          "expected a parameter name", at: range,
          help: "a definition names its parameters, as in f(x, y) = x*y")
      }
      if names.contains(name) {
        throw Diagnostic.error("duplicate parameter '\(name)'", at: argument.value.range)
      }
      names.append(name)
      ranges.append(argument.value.range)
    }
    return (names, ranges)
  }

  /// Requires that only line breaks remain, explaining the most likely mistake otherwise.
  mutating func expectEndOfEntry() throws(Diagnostic) {
    let afterLineBreak = check(.newline)
    skipNewlines()
    let token = current
    switch token.kind {
    case .end:
      return
    case .rightParen, .rightBracket:
      throw error("unmatched '\(token.kind.symbol)'")
    case .semicolon:
      throw error("unexpected ';'", help: "put each entry on its own line")
    case _ where afterLineBreak:
      throw error(
        "unexpected \(describe(token)) on a new line",
        help: "put each entry in its own input; inside ( or [ an entry may span lines")
    case .identifier, .number, .leftParen, .leftBracket:
      var help = "is an operator missing before it?"
      if let previous, case .number = previous.kind, case .identifier = token.kind,
        previous.range.end == token.range.start
      {
        help = "write '\(source[previous.range])*\(source[token.range])' to multiply"
      }
      throw error("unexpected \(describe(token))", help: help)
    default:
      throw error("unexpected \(describe(token))")
    }
  }
}
