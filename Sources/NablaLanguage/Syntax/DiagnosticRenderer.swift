/// Renders diagnostics as text for a terminal or a file: the one place that formats them.
public enum DiagnosticRenderer {
  /// Renders `diagnostic` against the entry it is about, without a final newline.
  ///
  ///     s.nabla:3:8: error: unknown name 'sinn'
  ///       f(x) = sinn(x) + 1
  ///              ^~~~
  ///       help: did you mean 'sin'?
  ///
  /// The location prefix appears only when `source` has a file name; the offending line is
  /// shown for multi-line entries; a range spanning lines is underlined to its first line's
  /// end. ANSI colour codes are used only when `color` is true.
  public static func render(
    _ diagnostic: Diagnostic, in source: SourceText, color: Bool
  ) -> String {
    let style = Style(enabled: color)
    let severityStyle: String =
      switch diagnostic.severity {
      case .error: Style.red
      case .warning: Style.yellow
      case .note: Style.cyan
      }
    var lines: [String] = []
    var header = ""
    let range = diagnostic.range
    if range.isKnown, let fileName = source.fileName {
      let (line, column) = source.location(of: range.start)
      header += style.apply(Style.bold, "\(fileName):\(line):\(column): ")
    }
    header += style.apply(severityStyle, diagnostic.severity.rawValue + ":")
    header += style.apply(Style.bold, " " + diagnostic.message)
    lines.append(header)

    if range.isKnown {
      let lineIndex = source.lineIndex(of: range.start)
      let lineRange = source.lineRange(at: lineIndex)
      var lineText = source[lineRange]
      let start = min(max(range.start, lineRange.start), lineRange.end)
      let end = min(max(range.end, start), lineRange.end)
      var before = source[SourceRange(start: lineRange.start, end: start)]
      var underlined = source[SourceRange(start: start, end: end)].count
      // A line wider than a terminal (a long paste) is shown as a window around the caret.
      if lineText.count > windowWidth {
        var rest = source[SourceRange(start: start, end: lineRange.end)]
        if before.count > windowWidth / 3 { before = "…" + before.suffix(windowWidth / 3 - 1) }
        let room = windowWidth - before.count
        if rest.count > room { rest = rest.prefix(room - 1) + "…" }
        underlined = min(underlined, rest.count)
        lineText = before + rest
      }
      // Keep tabs in the padding so the caret lines up however the terminal expands them.
      let padding = String(before.map { $0 == "\t" ? "\t" : " " })
      let marker = "^" + String(repeating: "~", count: max(underlined - 1, 0))
      lines.append("  " + lineText)
      lines.append("  " + padding + style.apply(severityStyle, marker))
    }

    if let help = diagnostic.help {
      for (index, line) in help.split(separator: "\n", omittingEmptySubsequences: false)
        .enumerated()
      {
        lines.append(
          index == 0 ? "  " + style.apply(Style.cyan, "help:") + " " + line : "        " + line)
      }
    }
    return lines.joined(separator: "\n")
  }

  /// The widest source line shown whole; a longer one is cut to this many characters
  /// around the caret, so a diagnostic fits an 80-column terminal.
  static let windowWidth = 76

  /// ANSI styling that can be switched off.
  private struct Style {
    static let bold = "\u{1B}[1m"
    static let red = "\u{1B}[1;31m"
    static let yellow = "\u{1B}[1;33m"
    static let cyan = "\u{1B}[1;36m"
    static let reset = "\u{1B}[0m"

    let enabled: Bool

    func apply(_ code: String, _ text: String) -> String {
      enabled ? code + text + Style.reset : text
    }
  }
}
