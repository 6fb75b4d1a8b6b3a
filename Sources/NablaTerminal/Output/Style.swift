import NablaSession

/// How the REPL decorates what it prints: colour (ANSI, when wanted) and the symbols the
/// locale can show.
struct Style: Sendable {
  /// Whether to use ANSI colour.
  var color: Bool
  /// Whether the locale is UTF-8 (`∇`, `█`); ASCII otherwise.
  var unicode: Bool

  /// Colour unless `NO_COLOR` is set to something, `TERM` is `dumb` or unset, or the output
  /// is not a terminal (https://no-color.org).
  static func wantsColor(environment: (String) -> String?, outputIsTerminal: Bool) -> Bool {
    if let noColor = environment("NO_COLOR"), !noColor.isEmpty { return false }
    guard let term = environment("TERM"), !term.isEmpty, term != "dumb" else { return false }
    return outputIsTerminal
  }

  private static let bold = "\u{1B}[1m"
  private static let magenta = "\u{1B}[1;35m"
  private static let dim = "\u{1B}[2m"
  private static let reset = "\u{1B}[0m"

  /// The prompt for a new entry: `∇> `, or `>> ` without UTF-8.
  var prompt: String { promptText(unicode ? "∇>" : ">>") }

  /// The prompt while a bracket is open.
  var continuationPrompt: String { promptText("..") }

  /// libedit counts the prompt's width; colour codes go between `\u{1}` and `\u{2}` so
  /// that they count as nothing. The space comes after the reset: libedit drops invisible
  /// text at the very end of a prompt, and the typed text would take the prompt's colour.
  private func promptText(_ text: String) -> String {
    color ? "\u{1}\(Style.magenta)\u{2}\(text)\u{1}\(Style.reset)\u{2} " : text + " "
  }

  /// The two lines printed at start.
  func banner(version: String) -> String {
    let title = (unicode ? "∇ Nabla " : "Nabla ") + version
    let tagline = " — reverse-mode autodiff notebook"
    let help = "Type :help for the language and commands, Tab to complete, Ctrl-D to leave."
    return header(title) + (unicode ? tagline : " - reverse-mode autodiff notebook") + "\n"
      + dimmed(help) + "\n"
  }

  /// A heading.
  func header(_ text: String) -> String { color ? Style.bold + text + Style.reset : text }

  /// Secondary text.
  func dimmed(_ text: String) -> String { color ? Style.dim + text + Style.reset : text }

  /// Colours of plot series, in order (cycled).
  private static let seriesColors = [
    "\u{1B}[36m", "\u{1B}[33m", "\u{1B}[35m", "\u{1B}[32m", "\u{1B}[34m", "\u{1B}[31m",
  ]

  private static func code(for tone: Tone) -> String {
    switch tone {
    case .series(let i): seriesColors[i % seriesColors.count]
    case .axis: dim
    case .marker: "\u{1B}[1;31m"
    }
  }

  /// The lines with the tones of their parts in colour (plots); unchanged without colour.
  func colour(_ lines: [String], tones: [OutputTone]) -> [String] {
    guard color, !tones.isEmpty else { return lines }
    var byLine: [Int: [OutputTone]] = [:]
    for tone in tones { byLine[tone.line, default: []].append(tone) }
    return lines.enumerated().map { index, line in
      guard let runs = byLine[index]?.sorted(by: { $0.columns.lowerBound < $1.columns.lowerBound })
      else { return line }
      var out = ""
      var current: String?
      var next = 0
      for (column, character) in line.enumerated() {
        while next < runs.count, runs[next].columns.upperBound <= column { next += 1 }
        let wanted =
          next < runs.count && runs[next].columns.contains(column)
          ? Style.code(for: runs[next].tone) : nil
        if wanted != current {
          if current != nil { out += Style.reset }
          if let wanted { out += wanted }
          current = wanted
        }
        out.append(character)
      }
      if current != nil { out += Style.reset }
      return out
    }
  }

  /// An entry's output with its headings in bold: the section titles of `:help`
  /// (`commands:`), the title line of `:help TOPIC`, and the column titles of `:vars` and
  /// `:graph`.
  /// `lines` as the terminal can show them: unchanged with UTF-8, else spelled in ASCII
  /// (`∂f/∂x` as `df/dx`, `✓` as `ok`).
  func plain(_ lines: [String]) -> [String] {
    unicode ? lines : lines.map(ASCIIText.transliterate)
  }

  func decorate(_ lines: [String], entry: String) -> [String] {
    guard color, !lines.isEmpty else { return lines }
    let command = entry.drop { $0 == " " }.prefix { $0 != " " }
    switch command {
    case ":help":
      return lines.enumerated().map { index, line in
        let isSection = !line.hasPrefix(" ") && line.hasSuffix(":")
        let isTitle = index == 0 && line.contains(" — ")
        return isSection || isTitle ? header(line) : line
      }
    case ":vars", ":graph":
      return [header(lines[0])] + lines.dropFirst()
    default:
      return lines
    }
  }
}
