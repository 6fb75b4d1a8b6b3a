import NablaCore
import NablaLanguage

/// What one entry produced: printed lines, diagnostics, structured fields for `--json`,
/// and an action for the front end (quit, open the graph pane).
public struct EntryResult {
  /// Something the front end must do after showing the output.
  public enum Action {
    case quit
    /// Open the graph pane on a computed graph (only meaningful on a terminal).
    case showGraph(GraphSnapshot)
  }

  /// The entry as typed.
  public let source: SourceText
  /// The printed output, one string per line.
  public var output: [String] = []
  /// Errors and warnings, in order.
  public var diagnostics: [Diagnostic] = []
  /// Structured results for `--json` (`value`, `gradient`, `trials`, …).
  public var fields: [(String, JSONValue)] = []
  /// Parts of output lines to show in a colour on a terminal (plots); the text is the same
  /// without them.
  public var tones: [OutputTone] = []
  /// What the front end should do next, if anything.
  public var action: Action?
  /// The text `:save` and the journal keep instead of the entry's, when what ran differs
  /// from what was typed (a `:descend` stopped early keeps the steps it took).
  var historyText: String?
  /// Whether a successful run is kept for `:save` (commands such as `:vars` are not).
  var recordsInHistory = true
  /// Whether the output holds measurements that change from run to run (`:time`), so a
  /// verification compares its words but not its numbers.
  public internal(set) var isVolatile = false

  init(source: SourceText) { self.source = source }

  /// Whether the entry ran without an error (warnings allowed).
  public var succeeded: Bool { !diagnostics.contains { $0.severity == .error } }

  /// Whether the entry asked to leave (`:quit`).
  public var isQuit: Bool {
    if case .quit? = action { true } else { false }
  }

  /// The first error, if any.
  public var error: Diagnostic? { diagnostics.first { $0.severity == .error } }

  /// Each diagnostic rendered with the entry's text and a caret.
  public func renderedDiagnostics(color: Bool = false) -> String {
    diagnostics.map { DiagnosticRenderer.render($0, in: source, color: color) }.joined(separator: "\n")
  }

  /// Output then diagnostics, as a REPL shows them.
  public func text(color: Bool = false) -> String {
    var parts: [String] = []
    if !output.isEmpty { parts.append(output.joined(separator: "\n")) }
    if !diagnostics.isEmpty { parts.append(renderedDiagnostics(color: color)) }
    return parts.joined(separator: "\n")
  }

  /// Appends lines with their tones, which count lines from the first of `lines`.
  mutating func print(_ lines: [String], tones: [OutputTone]) {
    let offset = output.count
    output += lines
    self.tones += tones.map {
      OutputTone(line: $0.line + offset, columns: $0.columns, tone: $0.tone)
    }
  }

  mutating func print(_ line: String) {
    output += line.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
  }
}


/// How a part of the output should look on a colour terminal.
public enum Tone: Sendable, Hashable {
  /// The n-th data series of a plot (its curve, legend sample and label).
  case series(Int)
  /// Axes, ticks and grid lines.
  case axis
  /// A marked place on a plot and its label.
  case marker
}

/// A run of characters of one output line with a tone.
public struct OutputTone: Sendable, Hashable {
  /// The index of the line in `EntryResult.output`.
  public var line: Int
  /// Character offsets (not bytes) in the line.
  public var columns: Range<Int>
  public var tone: Tone

  public init(line: Int, columns: Range<Int>, tone: Tone) {
    self.line = line
    self.columns = columns
    self.tone = tone
  }
}
