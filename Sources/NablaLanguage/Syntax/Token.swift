/// One lexical unit of an entry, with the range it was read from.
public struct Token: Sendable, Hashable {
  /// What a token is.
  public enum Kind: Sendable, Hashable {
    /// `2`, `2.5`, `1e-5`, `1.`, `.5`
    case number(Double)
    /// A name: letters (any script), digits and `_`, not starting with a digit.
    case identifier(String)
    /// `+`
    case plus
    /// `-`
    case minus
    /// `*`
    case star
    /// `/`
    case slash
    /// `^`
    case caret
    /// `@`
    case at
    /// `=`
    case equal
    /// `==`
    case equalEqual
    /// `!=`
    case bangEqual
    /// `<`
    case less
    /// `<=`
    case lessEqual
    /// `>`
    case greater
    /// `>=`
    case greaterEqual
    /// `(`
    case leftParen
    /// `)`
    case rightParen
    /// `[`
    case leftBracket
    /// `]`
    case rightBracket
    /// `,`
    case comma
    /// `:`
    case colon
    /// `;`
    case semicolon
    /// `...`
    case ellipsis
    /// `!`, as in `:save!`
    case bang
    /// A line break outside brackets (inside brackets line breaks are blanks).
    case newline
    /// The end of the entry.
    case end
    /// Text that is not a token (an unknown character, a malformed number); the parser
    /// reports it if it reaches it, so raw command arguments such as paths may contain it.
    indirect case invalid(message: String, help: String?)
  }

  /// What the token is.
  public var kind: Kind
  /// Where it was read.
  public var range: SourceRange

  /// Creates a token.
  public init(_ kind: Kind, range: SourceRange) {
    self.kind = kind
    self.range = range
  }
}

extension Token.Kind {
  /// The token as it reads in a message: `'('`, `name 'x'`, `number 2`, `end of input`.
  var quoted: String {
    switch self {
    case .number: "number"
    case .identifier(let name): "name '\(name)'"
    case .newline: "end of line"
    case .end: "end of input"
    case .invalid: "invalid text"
    default: "'\(symbol)'"
    }
  }

  /// The punctuation as written (empty for tokens that are not punctuation).
  var symbol: String {
    switch self {
    case .plus: "+"
    case .minus: "-"
    case .star: "*"
    case .slash: "/"
    case .caret: "^"
    case .at: "@"
    case .equal: "="
    case .equalEqual: "=="
    case .bangEqual: "!="
    case .less: "<"
    case .lessEqual: "<="
    case .greater: ">"
    case .greaterEqual: ">="
    case .leftParen: "("
    case .rightParen: ")"
    case .leftBracket: "["
    case .rightBracket: "]"
    case .comma: ","
    case .colon: ":"
    case .semicolon: ";"
    case .ellipsis: "..."
    case .bang: "!"
    default: ""
    }
  }
}
