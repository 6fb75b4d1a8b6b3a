/// Commands: `:` and a name, then arguments whose shape depends on the command. Contextual
/// keywords (`wrt`, `over`, `in`, `trials`, ...) are ordinary names everywhere else.
extension SyntaxParser {
  mutating func parseCommand() throws(Diagnostic) -> Command {
    let colon = advance()
    guard case .identifier(let word) = current.kind else {
      throw error("expected a command name after ':'", help: Self.commandList)
    }
    let nameToken = advance()
    var name = ":" + word
    if word == "save", check(.bang), current.range.start == nameToken.range.end {
      advance()
      name = ":save!"
    }
    commandName = (position - 1, name)
    let nameEnd = tokens[position - 1].range.end

    switch word {
    case "grad":
      let expr = try parseExpression()
      var names: [Located<String>] = []
      if checkWord("wrt") {
        advance()
        repeat {
          names.append(try expectName("expected a name after \(describePrevious()!)"))
        } while match(.comma) != nil
      }
      try expectEndOfCommand(clauses: ["wrt"])
      return .grad(expr, wrt: names)
    case "check":
      if case .identifier = current.kind, case .identifier("over") = peek(1).kind {
        return .checkOver(try parseCheckOver())
      }
      let expr = try parseExpression()
      if checkWord("over") {
        throw error(
          "':check ... over' takes a function name",
          help: "as in :check f over x in [-1, 1]")
      }
      var tolerance: Located<Double>?
      if checkWord("tol") {
        advance()
        tolerance = try parseUnsignedNumber(after: "tol")
      }
      try expectEndOfCommand(clauses: ["tol"])
      return .check(expr, tolerance: tolerance)
    case "time", "jacobian", "hessian", "graph":
      let expr = try parseExpression()
      try expectEndOfCommand()
      switch word {
      case "time": return .time(expr)
      case "jacobian": return .jacobian(expr)
      case "hessian": return .hessian(expr)
      default: return .graph(expr)
      }
    case "diff":
      return try parseDiff()
    case "plot":
      return try parsePlot()
    case "descend":
      return .descend(try parseDescend())
    case "dot":
      // `>` ends the expression here, so the expression is parsed below the comparisons.
      let expr = try parseAdditive()
      guard let arrow = match(.greater) else {
        throw error(
          "expected '>' and a file path after the expression", help: "as in :dot f(x) > f.dot")
      }
      guard let path = takeRawRest(after: arrow.range.end) else {
        throw error("expected a file path after '>'", at: arrow)
      }
      try expectEndOfCommand()
      return .dot(expr, path: path)
    case "vars", "funcs", "clear", "quit", "recover":
      try expectEndOfCommand(takesArguments: false)
      switch word {
      case "vars": return .vars
      case "funcs": return .funcs
      case "clear": return .clear
      case "quit": return .quit
      default: return .recover
      }
    case "del":
      var names: [Located<String>] = []
      repeat {
        names.append(try expectName("expected a name after \(describePrevious()!)"))
        _ = match(.comma)
      } while !check(.newline) && !check(.end)
      return .delete(names)
    case "help":
      let topic = takeRawRest(after: nameEnd)
      try expectEndOfCommand()
      return .help(topic: topic)
    case "save", "load":
      guard let path = takeRawRest(after: nameEnd) else {
        throw error("expected a file path after '\(name)'", help: "as in \(name) session.nabla")
      }
      try expectEndOfCommand()
      return word == "load" ? .load(path: path) : .save(path: path, overwrite: name == ":save!")
    case "set":
      let setting = try expectName("expected a setting name after ':set'")
      guard let value = takeRawRest(after: setting.range.end) else {
        throw error("expected a value for '\(setting.value)'")
      }
      try expectEndOfCommand()
      return .set(name: setting, value: value)
    default:
      let range = SourceRange(from: colon.range, to: nameToken.range)
      var help = Self.commandList
      if let best = nearestNames(to: name, among: Command.catalog.map(\.name), limit: 1).first {
        help = "did you mean '\(best)'?\n" + help
      }
      throw Diagnostic.error("unknown command '\(name)'", at: range, help: help)
    }
  }

  static let commandList = "commands: " + Command.catalog.map(\.name).joined(separator: " ")

  /// `:diff NAME [wrt NAME] [as NAME]`, the clauses in either order.
  mutating func parseDiff() throws(Diagnostic) -> Command {
    let function = try expectName("expected a function name after ':diff'")
    if check(.leftParen) {
      throw error("':diff' takes a function name, not a call", help: "as in :diff f wrt x")
    }
    var wrt: Located<String>?
    var alias: Located<String>?
    while case .identifier(let word) = current.kind, word == "wrt" || word == "as" {
      let keyword = advance()
      let isRepeated = word == "wrt" ? wrt != nil : alias != nil
      if isRepeated { throw Diagnostic.error("'\(word)' is given twice", at: keyword.range) }
      let name = try expectName("expected a name after '\(word)'")
      if word == "wrt" { wrt = name } else { alias = name }
    }
    try expectEndOfCommand(clauses: ["wrt", "as"])
    return .diff(function: function, wrt: wrt, as: alias)
  }

  /// `:plot f, g over x in [LO, HI]` or `:plot error f at EXPR`.
  mutating func parsePlot() throws(Diagnostic) -> Command {
    if checkWord("error"), !peekWord(1, is: "over"), peek(1).kind != .comma {
      advance()
      let function = try expectName("expected a function name after 'error'")
      if check(.leftParen) {
        throw error(
          "':plot error' takes a function name, then 'at'", help: "as in :plot error f at 2.0")
      }
      guard checkWord("at") else {
        throw error(
          "expected 'at' and a point after '\(function.value)'",
          help: "as in :plot error \(function.value) at 2.0")
      }
      advance()
      let point = try parseExpression()
      try expectEndOfCommand()
      return .plotError(function: function, at: point)
    }
    var functions: [Located<String>] = []
    repeat {
      functions.append(try expectName("expected a function name after \(describePrevious()!)"))
      if check(.leftParen) {
        throw error(
          "':plot' takes function names, not calls", help: "as in :plot f over x in [-3, 3]")
      }
    } while match(.comma) != nil
    guard checkWord("over") else {
      throw error(
        "expected 'over' and a range", help: "as in :plot \(functions[0].value) over x in [-3, 3]")
    }
    advance()
    let domain = try parseDomain()
    if let shape = domain.shape {
      throw Diagnostic.error(
        "a plot's variable is a number, not a tensor", at: shape.range,
        help: "as in :plot f over x in [-3, 3]")
    }
    if domain.lower.value == domain.upper.value {
      throw Diagnostic.error(
        "the range of '\(domain.parameter.value)' is empty",
        at: SourceRange(from: domain.lower.range, to: domain.upper.range),
        help: "give two different bounds, as in [-3, 3]")
    }
    try expectEndOfCommand()
    return .plot(functions: functions, domain: domain)
  }

  /// `:descend EXPR [wrt NAME, ...] [lr X] [steps N] [momentum X]`, the clauses in any order.
  mutating func parseDescend() throws(Diagnostic) -> Command.Descend {
    let loss = try parseExpression()
    var descend = Command.Descend(loss: loss)
    let clauses = ["wrt", "lr", "steps", "momentum"]
    var seen: Set<String> = []
    while case .identifier(let word) = current.kind, clauses.contains(word) {
      let keyword = advance()
      guard seen.insert(word).inserted else {
        throw Diagnostic.error("'\(word)' is given twice", at: keyword.range)
      }
      switch word {
      case "wrt":
        repeat {
          descend.wrt.append(try expectName("expected a name after \(describePrevious()!)"))
        } while match(.comma) != nil
      case "lr": descend.rate = try parseUnsignedNumber(after: word)
      case "steps": descend.steps = try parseWholeNumber(after: word, minimum: 1)
      default:
        let momentum = try parseUnsignedNumber(after: word)
        guard momentum.value < 1 else {
          throw Diagnostic.error(
            "momentum must be below 1", at: momentum.range, help: "0.9 is usual; 0 is none")
        }
        descend.momentum = momentum
      }
    }
    try expectEndOfCommand(clauses: clauses)
    return descend
  }

  /// `:check NAME over PARAM in [LO, HI][^(SHAPE)], ... [trials INT] [tol X] [rtol X] [seed INT]`.
  mutating func parseCheckOver() throws(Diagnostic) -> Command.CheckOver {
    let function = try expectName("expected a function name")
    advance()  // over
    let clauses = ["trials", "tol", "rtol", "seed"]
    var domains = [try parseDomain()]
    while match(.comma) != nil {
      // Tolerate a comma before the clauses: `x in [0, 1], trials 10`.
      if case .identifier(let word) = current.kind, clauses.contains(word), !peekWord(1, is: "in") {
        break
      }
      domains.append(try parseDomain())
    }
    var check = Command.CheckOver(function: function, domains: domains)
    while case .identifier(let word) = current.kind, clauses.contains(word) {
      let keyword = advance()
      let isRepeated =
        switch word {
        case "trials": check.trials != nil
        case "tol": check.tolerance != nil
        case "rtol": check.relativeTolerance != nil
        default: check.seed != nil
        }
      if isRepeated { throw Diagnostic.error("'\(word)' is given twice", at: keyword.range) }
      switch word {
      case "trials": check.trials = try parseWholeNumber(after: word, minimum: 1)
      case "tol": check.tolerance = try parseUnsignedNumber(after: word)
      case "rtol": check.relativeTolerance = try parseUnsignedNumber(after: word)
      default: check.seed = try parseWholeNumber(after: word, minimum: 0)
      }
    }
    try expectEndOfCommand(clauses: clauses)
    return check
  }

  /// `x in [-1, 1]` or `x in [-1, 1]^(3, 4)`.
  mutating func parseDomain() throws(Diagnostic) -> Command.ParameterDomain {
    let parameter = try expectName("expected a parameter name after \(describePrevious()!)")
    guard checkWord("in") else {
      throw error(
        "expected 'in' after '\(parameter.value)'", help: "as in \(parameter.value) in [-1, 1]")
    }
    advance()
    guard check(.leftBracket) else {
      throw error(
        "expected '[' to start the range of '\(parameter.value)'",
        help: "as in \(parameter.value) in [-1, 1]")
    }
    let opener = try open()
    let lower = try parseSignedNumber(for: "the lower bound of '\(parameter.value)'")
    guard match(.comma) != nil else {
      throw error("expected ',' between the bounds of '\(parameter.value)'")
    }
    let upper = try parseSignedNumber(for: "the upper bound of '\(parameter.value)'")
    _ = try close(opener)
    guard lower.value <= upper.value else {
      throw Diagnostic.error(
        "the lower bound \(Expr.format(lower.value)) is above the upper bound \(Expr.format(upper.value))",
        at: SourceRange(from: lower.range, to: upper.range))
    }
    var shape: Located<[Int]>?
    if let caret = match(.caret) {
      shape = try parseShape(after: caret)
    }
    return Command.ParameterDomain(parameter: parameter, lower: lower, upper: upper, shape: shape)
  }

  /// `(5,)`, `(3, 4)`, `(5)`, `()` or a bare `5`.
  mutating func parseShape(after caret: Token) throws(Diagnostic) -> Located<[Int]> {
    let help = "a shape is written like (5,) or (3, 4)"
    if case .number = current.kind {
      let size = try parseWholeNumber(after: "^", minimum: 0)
      return Located([size.value], range: size.range)
    }
    guard check(.leftParen) else { throw error("expected a shape after '^'", help: help) }
    let opener = try open()
    var sizes: [Int] = []
    while !check(.rightParen) {
      guard case .number = current.kind else {
        throw error("expected a size in the shape", help: help)
      }
      sizes.append(try parseWholeNumber(after: "(", minimum: 0).value)
      if match(.comma) == nil { break }
    }
    let closer = try close(opener, help: help)
    return Located(sizes, range: SourceRange(from: opener.range, to: closer.range))
  }

  // MARK: Pieces

  func peekWord(_ offset: Int, is word: String) -> Bool {
    if case .identifier(let name) = peek(offset).kind { name == word } else { false }
  }

  mutating func expectName(_ message: String) throws(Diagnostic) -> Located<String> {
    guard case .identifier(let name) = current.kind else { throw error(message) }
    return Located(name, range: advance().range)
  }

  /// A number with an optional sign, such as a bound: `-10`, `+1`, `2.5e-3`.
  mutating func parseSignedNumber(for what: String) throws(Diagnostic) -> Located<Double> {
    let sign = current.kind == .minus || current.kind == .plus ? advance() : nil
    guard case .number(let value) = current.kind else {
      throw error("expected a number for \(what)")
    }
    let number = advance()
    return Located(
      sign?.kind == .minus ? -value : value,
      range: SourceRange(from: sign?.range ?? number.range, to: number.range))
  }

  mutating func parseUnsignedNumber(after keyword: String) throws(Diagnostic) -> Located<Double> {
    guard case .number(let value) = current.kind else {
      throw error("expected a number after '\(keyword)'")
    }
    return Located(value, range: advance().range)
  }

  mutating func parseWholeNumber(after keyword: String, minimum: Int) throws(Diagnostic)
    -> Located<Int>
  {
    let kind = minimum > 0 ? "a positive whole number" : "a whole number"
    guard case .number(let value) = current.kind, value.rounded() == value,
      value >= Double(minimum), value < 9.0e15
    else {
      throw error("expected \(kind) after '\(keyword)'")
    }
    return Located(Int(value), range: advance().range)
  }

  /// The raw rest of the current line from `offset`: trimmed, without a comment that starts
  /// with `#` after a blank, and without one pair of surrounding quotes. The tokens on it are
  /// skipped. Nil when nothing is left.
  mutating func takeRawRest(after offset: Int) -> Located<String>? {
    let utf8 = source.text.utf8
    var index = utf8.index(utf8.startIndex, offsetBy: offset)
    var lineEnd = offset
    var contentEnd: Int?
    var previousIsBlank = true
    while index != utf8.endIndex {
      let byte = utf8[index]
      if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") { break }
      if byte == UInt8(ascii: "#"), previousIsBlank, contentEnd == nil { contentEnd = lineEnd }
      previousIsBlank = byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
      lineEnd += 1
      index = utf8.index(after: index)
    }
    while position < tokens.count - 1, tokens[position].range.start < lineEnd { position += 1 }

    let raw = source[SourceRange(start: offset, end: contentEnd ?? lineEnd)]
    let leading = raw.prefix { $0 == " " || $0 == "\t" }.utf8.count
    let trimmed = raw.trimmingBlanks()
    guard !trimmed.isEmpty else { return nil }
    let range = SourceRange(start: offset + leading, end: offset + leading + trimmed.utf8.count)
    var value = trimmed
    if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first
    {
      value = String(value.dropFirst().dropLast())
    }
    return Located(value, range: range)
  }

  /// Requires the end of the command, suggesting a clause for a misspelled keyword.
  mutating func expectEndOfCommand(clauses: [String] = [], takesArguments: Bool = true)
    throws(Diagnostic)
  {
    let next = current
    if !takesArguments, next.kind != .newline, next.kind != .end {
      throw error("'\(commandName?.text ?? "")' takes no arguments")
    }
    if case .identifier(let word) = next.kind,
      let suggestion = nearestNames(to: word, among: clauses, limit: 1).first
    {
      throw error("unexpected \(describe(next))", help: "did you mean '\(suggestion)'?")
    }
    try expectEndOfEntry()
  }
}

extension String {
  /// The string without leading and trailing spaces and tabs.
  fileprivate func trimmingBlanks() -> String {
    let isBlank = { (c: Character) in c == " " || c == "\t" }
    guard let first = firstIndex(where: { !isBlank($0) }),
      let last = lastIndex(where: { !isBlank($0) })
    else { return "" }
    return String(self[first...last])
  }
}
