/// Text without UTF-8: under a locale that is not UTF-8 (`LANG=C`) the terminal shows `∇`,
/// `∂` and box drawing as garbage, so the REPL's output and the graph pane spell them in
/// ASCII, as the prompt falls back to `>> `.
///
///     ASCIIText.transliterate("∇ -1 … 2  μ 0.5")   // "grad -1 .. 2  mean 0.5"
///     ASCIIText.character("╭")                     // "+"
enum ASCIIText {
  /// Symbols spelled out, in more than one character where that reads better.
  private static let words: [Character: String] = [
    "∇": "grad", "μ": "mean", "…": "..", "←": "<-", "→": "->", "Σ": "sum", "·": "*", "×": "x",
    "▏": "|", "—": "-", "–": "-", "−": "-", "ᵀ": "^T", "²": "^2", "↑": "^", "↓": "v", "◂": "<",
    "▸": ">", "▴": "^", "▾": "v", "∂": "d", "±": "+/-", "▼": "v", "≈": "~", "√": "sqrt", "⇥": "Tab",
    "✓": "ok", "✗": "X", "≤": "<=", "≥": ">=", "≠": "!=", "⁻": "-", "¹": "^1", "³": "^3",
    "ε": "eps", "∛": "cbrt", "█": "#", "░": ".", "│": "|", "─": "-",
  ]

  /// `text` with every non-ASCII character replaced.
  static func transliterate(_ text: String) -> String {
    guard !text.unicodeScalars.allSatisfy(\.isASCII) else { return text }
    var result = ""
    // ` · ` separates parts of a line; `·` alone multiplies (`∇·b`).
    for c in text.replacing(" · ", with: " | ") {
      if c.isASCII {
        result.append(c)
      } else if let word = words[c] {
        result += word
      } else {
        result.append(character(c))
      }
    }
    return result
  }

  /// One cell's ASCII stand-in: box drawing as `+ - |` (a heavy border, the selection, as
  /// `#`; a double one, a composite, with `=`), anything else by its word's first letter or `?`.
  static func character(_ c: Character) -> Character {
    if c.isASCII { return c }
    switch c {
    case "─", "┄", "╌": return "-"
    case "│", "┆", "╎": return "|"
    case "━", "┃", "┏", "┓", "┗", "┛", "┳", "┻": return "#"
    case "═": return "="
    case "║": return "|"
    case "╭", "╮", "╰", "╯", "┌", "┐", "└", "┘", "├", "┤", "┬", "┴", "┼", "╔", "╗", "╚", "╝", "╦": return "+"
    default:
      if let word = words[c], word.count == 1 { return word.first! }
      return "?"
    }
  }
}
