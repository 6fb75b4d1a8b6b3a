/// Splits an entry into tokens.
///
///     Lexer.tokenize("x^2 # square")  // identifier x, caret, number 2, end
///
/// Blanks and `#` comments (including `#=>` output lines) are skipped. Line breaks become
/// `newline` tokens only outside brackets: inside `(` or `[` they are blanks, so an entry can
/// continue on the next line. Text that is not a token becomes an `invalid` token instead of
/// an error, because a command's raw argument (a path, a help topic) may contain it; the
/// parser reports it when it reaches it. The last token is always `end`.
public enum Lexer {
  /// The tokens of `text`, ending with `end`.
  ///
  /// - Complexity: O(n) in the length of `text`.
  public static func tokenize(_ text: String) -> [Token] {
    var text = text
    return text.withUTF8 { bytes in
      var scanner = Scanner(bytes: bytes)
      return scanner.scanAll()
    }
  }
}

/// The state of one run of the lexer over UTF-8 bytes.
private struct Scanner {
  let bytes: UnsafeBufferPointer<UInt8>
  var position = 0
  var tokens: [Token] = []
  var bracketDepth = 0
  /// The end of the last token that is not a line break, where `end` is placed.
  var lastTokenEnd = 0

  init(bytes: UnsafeBufferPointer<UInt8>) {
    self.bytes = bytes
    tokens.reserveCapacity(bytes.count / 2 + 1)
  }

  mutating func scanAll() -> [Token] {
    while position < bytes.count {
      scanOne()
    }
    tokens.append(Token(.end, range: SourceRange(start: lastTokenEnd, end: lastTokenEnd)))
    return tokens
  }

  func peek(_ offset: Int = 0) -> UInt8? {
    position + offset < bytes.count ? bytes[position + offset] : nil
  }

  mutating func add(_ kind: Token.Kind, from start: Int) {
    tokens.append(Token(kind, range: SourceRange(start: start, end: position)))
    lastTokenEnd = position
  }

  mutating func scanOne() {
    let start = position
    let byte = bytes[position]
    switch byte {
    case UInt8(ascii: " "), UInt8(ascii: "\t"), 0x0B, 0x0C:
      position += 1
    case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
      position += 1
      if byte == UInt8(ascii: "\r"), peek() == UInt8(ascii: "\n") { position += 1 }
      if bracketDepth == 0 {
        tokens.append(Token(.newline, range: SourceRange(start: start, end: position)))
      }
    case UInt8(ascii: "#"):
      while let next = peek(), next != UInt8(ascii: "\n"), next != UInt8(ascii: "\r") {
        position += 1
      }
    case UInt8(ascii: "0")...UInt8(ascii: "9"):
      scanNumber()
    case UInt8(ascii: "."):
      if let next = peek(1), isDigit(next) {
        scanNumber()
      } else if peek(1) == UInt8(ascii: "."), peek(2) == UInt8(ascii: ".") {
        position += 3
        add(.ellipsis, from: start)
      } else {
        position += 1
        add(.invalid(message: "unexpected character '.'", help: nil), from: start)
      }
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
      UInt8(ascii: "_"):
      scanIdentifier()
    case 0x80...:
      let (scalar, length) = decodeScalar(at: position)
      if scalar.properties.isAlphabetic {
        scanIdentifier()
      } else if scalar.properties.isWhitespace {
        position += length
      } else {
        position += length
        add(.invalid(message: "unexpected character \(describe(scalar))", help: nil), from: start)
      }
    default:
      scanPunctuation()
    }
  }

  mutating func scanPunctuation() {
    let start = position
    let byte = bytes[position]
    position += 1
    let next = peek()
    let kind: Token.Kind
    switch UnicodeScalar(byte) {
    case "+": kind = .plus
    case "-": kind = .minus
    case "*":
      if next == UInt8(ascii: "*") {
        position += 1
        kind = .invalid(message: "'**' is not an operator", help: "use '^' for powers, as in x^2")
      } else {
        kind = .star
      }
    case "/": kind = .slash
    case "^": kind = .caret
    case "@": kind = .at
    case "=":
      if next == UInt8(ascii: "=") {
        position += 1
        kind = .equalEqual
      } else {
        kind = .equal
      }
    case "!":
      if next == UInt8(ascii: "=") {
        position += 1
        kind = .bangEqual
      } else {
        kind = .bang
      }
    case "<":
      if next == UInt8(ascii: "=") {
        position += 1
        kind = .lessEqual
      } else {
        kind = .less
      }
    case ">":
      if next == UInt8(ascii: "=") {
        position += 1
        kind = .greaterEqual
      } else {
        kind = .greater
      }
    case "(":
      bracketDepth += 1
      kind = .leftParen
    case ")":
      bracketDepth = max(bracketDepth - 1, 0)
      kind = .rightParen
    case "[":
      bracketDepth += 1
      kind = .leftBracket
    case "]":
      bracketDepth = max(bracketDepth - 1, 0)
      kind = .rightBracket
    case ",": kind = .comma
    case ":": kind = .colon
    case ";": kind = .semicolon
    case "{", "}":
      kind = .invalid(
        message: "unexpected character '\(UnicodeScalar(byte))'",
        help: "tensor literals use square brackets, as in [1, 2, 3]")
    case "'":
      kind = .invalid(message: "unexpected character \"'\"", help: "Nabla has no strings")
    case "\"":
      kind = .invalid(message: "unexpected character '\"'", help: "Nabla has no strings")
    default:
      kind = .invalid(
        message: "unexpected character \(describe(UnicodeScalar(byte)))", help: nil)
    }
    add(kind, from: start)
  }

  /// Digits, an optional fraction (`1.`, `.5`) and an optional exponent (`1e-5`, `1E+3`).
  mutating func scanNumber() {
    let start = position
    while let byte = peek(), isDigit(byte) { position += 1 }
    // `1.` is a number, but the dots of `1...` are not its fraction.
    if peek() == UInt8(ascii: "."), peek(1) != UInt8(ascii: ".") {
      position += 1
      while let byte = peek(), isDigit(byte) { position += 1 }
    }
    if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
      var digitsAt = position + 1
      if digitsAt < bytes.count,
        bytes[digitsAt] == UInt8(ascii: "+") || bytes[digitsAt] == UInt8(ascii: "-")
      {
        digitsAt += 1
      }
      if digitsAt < bytes.count, isDigit(bytes[digitsAt]) {
        position = digitsAt
        while let byte = peek(), isDigit(byte) { position += 1 }
      } else {
        // `2e` or `2e+`: take the letters too, so the message shows the whole word.
        position = digitsAt
        while let byte = peek(), isIdentifierByte(byte) { position += 1 }
        let word = text(from: start)
        add(
          .invalid(
            message:
              "malformed number '\(word)': expected digits after the exponent '\(UnicodeScalar(e))'",
            help: nil),
          from: start)
        return
      }
    }
    // Most literals are small integers: read them without making a String.
    if position - start <= 15, !bytes[start..<position].contains(where: { !isDigit($0) }) {
      var value = 0
      for byte in bytes[start..<position] { value = value &* 10 &+ Int(byte &- UInt8(ascii: "0")) }
      add(.number(Double(value)), from: start)
      return
    }
    let literal = text(from: start)
    guard let value = Double(literal), value.isFinite else {
      add(
        .invalid(message: "number '\(literal)' is too large", help: "write inf for infinity"),
        from: start)
      return
    }
    add(.number(value), from: start)
  }

  mutating func scanIdentifier() {
    let start = position
    while position < bytes.count {
      let byte = bytes[position]
      if byte < 0x80 {
        guard isIdentifierByte(byte) else { break }
        position += 1
      } else {
        let (scalar, length) = decodeScalar(at: position)
        let properties = scalar.properties
        guard
          properties.isAlphabetic || properties.numericType != nil
            || properties.generalCategory == .nonspacingMark
            || properties.generalCategory == .spacingMark
        else { break }
        position += length
      }
    }
    add(.identifier(text(from: start)), from: start)
  }

  func text(from start: Int) -> String {
    String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
  }

  func isDigit(_ byte: UInt8) -> Bool {
    byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
  }

  func isIdentifierByte(_ byte: UInt8) -> Bool {
    isDigit(byte) || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z"))
      || byte == UInt8(ascii: "_")
  }

  /// Decodes the scalar whose UTF-8 encoding starts at `offset` (the text is valid UTF-8).
  func decodeScalar(at offset: Int) -> (Unicode.Scalar, length: Int) {
    let lead = bytes[offset]
    let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
    var value = UInt32(lead) & (length == 1 ? 0x7F : UInt32(0x7F) >> length)
    for index in 1..<length where offset + index < bytes.count {
      value = value << 6 | UInt32(bytes[offset + index] & 0x3F)
    }
    return (Unicode.Scalar(value) ?? "\u{FFFD}", length)
  }

  /// `'$'` for printable characters, `U+00A0` for invisible ones.
  func describe(_ scalar: Unicode.Scalar) -> String {
    let invisible: Bool
    switch scalar.properties.generalCategory {
    case .control, .format, .spaceSeparator, .lineSeparator, .paragraphSeparator,
      .privateUse, .unassigned, .surrogate:
      invisible = true
    default:
      invisible = false
    }
    if invisible {
      let hex = String(scalar.value, radix: 16, uppercase: true)
      return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
    return "'\(scalar)'"
  }
}
