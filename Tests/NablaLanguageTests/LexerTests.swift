import NablaLanguage
import Testing

@Suite struct LexerTests {
  /// Tokens as compact text: numbers formatted, punctuation as written, `⏎` for line breaks,
  /// `!message` for invalid text; the final `end` is left out.
  static func lexed(_ text: String) -> [String] {
    Lexer.tokenize(text).dropLast().map { token in
      switch token.kind {
      case .number(let value): return Expr.format(value)
      case .identifier(let name): return name
      case .newline: return "⏎"
      case .invalid(let message, _): return "!" + message
      case .end: return "<end>"
      case .plus: return "+"
      case .minus: return "-"
      case .star: return "*"
      case .slash: return "/"
      case .caret: return "^"
      case .at: return "@"
      case .equal: return "="
      case .equalEqual: return "=="
      case .bangEqual: return "!="
      case .less: return "<"
      case .lessEqual: return "<="
      case .greater: return ">"
      case .greaterEqual: return ">="
      case .leftParen: return "("
      case .rightParen: return ")"
      case .leftBracket: return "["
      case .rightBracket: return "]"
      case .comma: return ","
      case .colon: return ":"
      case .semicolon: return ";"
      case .ellipsis: return "..."
      case .bang: return "!"
      }
    }
  }

  @Test(arguments: [
    ("1", ["1"]),
    ("2.5", ["2.5"]),
    ("1e-5", ["1e-05"]),
    ("1.", ["1"]),
    (".5", ["0.5"]),
    ("1E+3", ["1000"]),
    ("1.e2", ["100"]),
    ("2.5E-3", ["0.0025"]),
    ("007", ["7"]),
    ("12345678901234567890", ["1.2345678901234567e+19"]),
    ("1.5.2", ["1.5", "0.2"]),
    ("2x", ["2", "x"]),
  ])
  func numbers(text: String, tokens: [String]) {
    #expect(Self.lexed(text) == tokens)
  }

  @Test(arguments: [
    ("x", ["x"]),
    ("x_1 _y Wout", ["x_1", "_y", "Wout"]),
    ("θ α2 naïve δx", ["θ", "α2", "naïve", "δx"]),
    ("pi e inf nan true false", ["pi", "e", "inf", "nan", "true", "false"]),
    ("wrt over in", ["wrt", "over", "in"]),
  ])
  func identifiers(text: String, tokens: [String]) {
    #expect(Self.lexed(text) == tokens)
  }

  @Test func operatorsAndPunctuation() {
    #expect(
      Self.lexed("+ - * / ^ @ = == != < <= > >=")
        == ["+", "-", "*", "/", "^", "@", "=", "==", "!=", "<", "<=", ">", ">="])
    #expect(Self.lexed("( ) [ ] , : ; ... !") == ["(", ")", "[", "]", ",", ":", ";", "...", "!"])
    #expect(Self.lexed("a<=b>=c==d!=e") == ["a", "<=", "b", ">=", "c", "==", "d", "!=", "e"])
    #expect(Self.lexed(":save!") == [":", "save", "!"])
    #expect(Self.lexed("x[...,0]") == ["x", "[", "...", ",", "0", "]"])
    #expect(Self.lexed("--x") == ["-", "-", "x"])
  }

  @Test func commentsAndLineBreaks() {
    #expect(Self.lexed("x # the input\ny") == ["x", "⏎", "y"])
    #expect(Self.lexed("#=> f(2.0) = 3.63\n") == ["⏎"])
    #expect(Self.lexed("# only a comment") == [])
    #expect(Self.lexed("a\r\nb\rc") == ["a", "⏎", "b", "⏎", "c"])
    // Inside brackets a line break is a blank, so entries continue on the next line.
    #expect(
      Self.lexed("f(1,\n2) + [3,\n4]\n") == [
        "f", "(", "1", ",", "2", ")", "+", "[", "3", ",", "4", "]", "⏎",
      ])
    #expect(Self.lexed("(1, # first\n 2)") == ["(", "1", ",", "2", ")"])
  }

  @Test(arguments: [
    ("$", "!unexpected character '$'"),
    ("1e", "!malformed number '1e': expected digits after the exponent 'e'"),
    ("2e+x", "!malformed number '2e+x': expected digits after the exponent 'e'"),
    ("1e400", "!number '1e400' is too large"),
    ("**", "!'**' is not an operator"),
    ("{", "!unexpected character '{'"),
    ("\"", "!unexpected character '\"'"),
    ("\u{7}", "!unexpected character U+0007"),
    ("√", "!unexpected character '√'"),
    (".", "!unexpected character '.'"),
  ])
  func invalidText(text: String, token: String) {
    #expect(Self.lexed(text) == [token])
  }

  @Test func nonBreakingSpaceIsBlank() {
    #expect(Self.lexed("a\u{A0}+\u{2003}b") == ["a", "+", "b"])
  }

  @Test func rangesAreUTF8Offsets() {
    let tokens = Lexer.tokenize("ab + 12")
    #expect(
      tokens.map(\.range) == [
        SourceRange(start: 0, end: 2), SourceRange(start: 3, end: 4), SourceRange(start: 5, end: 7),
        SourceRange(start: 7, end: 7),
      ])
    let greek = Lexer.tokenize("θ + 1")
    #expect(greek[0].range == SourceRange(start: 0, end: 2))
    #expect(greek[2].range == SourceRange(start: 5, end: 6))
  }

  @Test func endSitsAfterTheLastToken() {
    let tokens = Lexer.tokenize("1 +   # comment\n\n")
    #expect(tokens.last?.kind == .end)
    #expect(tokens.last?.range == SourceRange(start: 3, end: 3))
    #expect(Lexer.tokenize("").map(\.kind) == [.end])
  }
}
