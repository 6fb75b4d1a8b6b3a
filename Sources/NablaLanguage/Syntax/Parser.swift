/// Parses entries and expressions: the front door of the language.
///
///     let entry = try Parser.parseEntry("loss(W, b) = sum(tanh(x @ W + b)^2)")
///     let expr = try Parser.parseExpression("2*x*sin(x) + x^2*cos(x)")
///     Parser.isIncomplete("f(x) = sum(x,")  // true: the REPL reads another line
///
/// Parsing stops at the first error, thrown as a `Diagnostic` that says what was expected and
/// points at the place. Nesting (brackets, calls, indexing, unary operators, `^`) is limited to
/// `nestingLimit` levels so that no input can overflow the stack; operator chains such as
/// `1 + 1 + ... + 1` are parsed iteratively and are not limited.
public enum Parser {
  /// The nesting limit used unless a caller gives another.
  public static let defaultNestingLimit = 200

  /// Parses one REPL entry: an expression, an assignment, a definition, a command or nothing.
  ///
  /// - Complexity: O(n) in the length of the text.
  public static func parseEntry(
    _ source: SourceText, nestingLimit: Int = defaultNestingLimit
  ) throws(Diagnostic) -> Entry {
    var parser = SyntaxParser(source: source, nestingLimit: nestingLimit)
    return try parser.parseEntry()
  }

  /// Parses one REPL entry typed interactively (no file name).
  public static func parseEntry(
    _ text: String, nestingLimit: Int = defaultNestingLimit
  ) throws(Diagnostic) -> Entry {
    try parseEntry(SourceText(text), nestingLimit: nestingLimit)
  }

  /// Parses text that must be exactly one expression (blank lines and comments allowed).
  public static func parseExpression(
    _ source: SourceText, nestingLimit: Int = defaultNestingLimit
  ) throws(Diagnostic) -> Expr {
    var parser = SyntaxParser(source: source, nestingLimit: nestingLimit)
    parser.skipNewlines()
    let expr = try parser.parseExpression()
    try parser.expectEndOfEntry()
    return expr
  }

  /// Parses text that must be exactly one expression.
  public static func parseExpression(
    _ text: String, nestingLimit: Int = defaultNestingLimit
  ) throws(Diagnostic) -> Expr {
    try parseExpression(SourceText(text), nestingLimit: nestingLimit)
  }

  /// Whether `text` fails only because it ended inside an open `(` or `[`, so that a
  /// continuation line could complete it; text that parses, or that has any other error, is
  /// not incomplete.
  public static func isIncomplete(_ text: String) -> Bool {
    do {
      _ = try parseEntry(text)
      return false
    } catch {
      return error.isIncompleteInput
    }
  }
}

/// The state of one parse: the tokens, a cursor, open brackets and the nesting depth.
///
/// One method per grammar level lives in `Parser+Expressions.swift`; entries and commands in
/// `Parser+Entries.swift` and `Parser+Commands.swift`.
struct SyntaxParser {
  let source: SourceText
  let tokens: [Token]
  let nestingLimit: Int
  var position = 0
  var depth = 0
  /// The `(` and `[` tokens not yet closed, innermost last.
  var openBrackets: [Token] = []
  /// The token index of a command's name and the name, so messages can say `after ':grad'`.
  var commandName: (index: Int, text: String)?

  init(source: SourceText, nestingLimit: Int) {
    self.source = source
    self.tokens = Lexer.tokenize(source.text)
    self.nestingLimit = max(nestingLimit, 1)
  }

  // MARK: Cursor

  var current: Token { tokens[position] }

  var previous: Token? { position > 0 ? tokens[position - 1] : nil }

  func peek(_ offset: Int) -> Token {
    tokens[min(position + offset, tokens.count - 1)]
  }

  @discardableResult
  mutating func advance() -> Token {
    let token = tokens[position]
    if position < tokens.count - 1 { position += 1 }
    return token
  }

  func check(_ kind: Token.Kind) -> Bool { current.kind == kind }

  mutating func match(_ kind: Token.Kind) -> Token? {
    check(kind) ? advance() : nil
  }

  /// Whether the current token is the identifier `word` (a contextual keyword).
  func checkWord(_ word: String) -> Bool {
    if case .identifier(let name) = current.kind { name == word } else { false }
  }

  mutating func skipNewlines() {
    while check(.newline) { advance() }
  }

  // MARK: Nesting

  mutating func enterNesting() throws(Diagnostic) {
    depth += 1
    if depth > nestingLimit {
      throw Diagnostic.error(
        "expression nested too deeply (limit \(nestingLimit))", at: current.range,
        help: "split it into smaller definitions")
    }
  }

  mutating func exitNesting() { depth -= 1 }

  /// Consumes an opening bracket and enters one level of nesting.
  mutating func open() throws(Diagnostic) -> Token {
    try enterNesting()
    let token = advance()
    openBrackets.append(token)
    return token
  }

  /// Consumes the bracket that closes `opener`, or fails saying which bracket is open.
  mutating func close(_ opener: Token, help: String? = nil) throws(Diagnostic) -> Token {
    let closer: Token.Kind = opener.kind == .leftParen ? .rightParen : .rightBracket
    guard check(closer) else {
      let (line, column) = source.location(of: opener.range.start)
      let (errorLine, _) = source.location(of: current.range.start)
      let place = line == errorLine ? "column \(column)" : "line \(line), column \(column)"
      throw error(
        "expected '\(closer.symbol)' to close '\(opener.kind.symbol)' at \(place)", help: help)
    }
    openBrackets.removeLast()
    exitNesting()
    return advance()
  }

  // MARK: Errors

  /// An error at the current token; a lexical error there takes precedence, and an error at
  /// the end of input inside an open bracket is marked incomplete.
  func error(_ message: String, help: String? = nil) -> Diagnostic {
    error(message, at: current, help: help)
  }

  func error(_ message: String, at token: Token, help: String? = nil) -> Diagnostic {
    if case .invalid(let lexMessage, let lexHelp) = token.kind {
      return Diagnostic.error(lexMessage, at: token.range, help: lexHelp)
    }
    var diagnostic = Diagnostic.error(message, at: token.range, help: help)
    diagnostic.isIncompleteInput = token.kind == .end && !openBrackets.isEmpty
    return diagnostic
  }

  /// The token as a message names it: `'+'`, `name 'x'`, `number '2.5'`, `end of input`.
  func describe(_ token: Token) -> String {
    switch token.kind {
    case .identifier(let name): "name '\(name)'"
    case .number: "number '\(source[token.range])'"
    case .newline: "end of line"
    case .end: "end of input"
    case .invalid: "'\(source[token.range])'"
    default: "'\(token.kind.symbol)'"
    }
  }

  /// The previous token quoted for "after ...": `'+'`, `'x'`, `':grad'`.
  func describePrevious() -> String? {
    guard let previous else { return nil }
    if let commandName, position - 1 == commandName.index { return "'\(commandName.text)'" }
    return "'\(source[previous.range])'"
  }
}
