/// An error, warning or note about an entry, pointing at the text it is about.
///
/// Render it with `DiagnosticRenderer.render(_:in:color:)`:
///
///     error: unknown name 'sinn'
///       f(x) = sinn(x) + 1
///              ^~~~
///       help: did you mean 'sin'?
public struct Diagnostic: Error, Sendable, Hashable, CustomStringConvertible {
  /// How serious a diagnostic is.
  public enum Severity: String, Sendable, Hashable {
    /// The entry cannot run.
    case error
    /// The entry runs, but probably not as meant.
    case warning
    /// Extra information.
    case note
  }

  /// How serious it is.
  public var severity: Severity
  /// One sentence, lower case, no final period: `expected ')' to close '(' at column 3`.
  public var message: String
  /// The text it is about (`SourceRange.unknown` when there is none).
  public var range: SourceRange
  /// A suggestion shown under the caret: `did you mean 'sin'?`; may hold several lines.
  public var help: String?
  /// Whether the input ended while a bracket was still open, so that a continuation line
  /// could complete it (see `Parser.isIncomplete(_:)`).
  public var isIncompleteInput: Bool

  /// Creates a diagnostic.
  public init(
    _ severity: Severity = .error, _ message: String, at range: SourceRange,
    help: String? = nil, isIncompleteInput: Bool = false
  ) {
    self.severity = severity
    self.message = message
    self.range = range
    self.help = help
    self.isIncompleteInput = isIncompleteInput
  }

  /// An error.
  public static func error(_ message: String, at range: SourceRange, help: String? = nil)
    -> Diagnostic
  {
    Diagnostic(.error, message, at: range, help: help)
  }

  /// The error of work stopped by Ctrl-C.
  public static let interrupted = Diagnostic.error(
    "interrupted; the session is as it was before this entry", at: .unknown)

  /// Whether this is `interrupted`: work stopped by Ctrl-C, not an error of the entry.
  public var isInterruption: Bool {
    severity == .error && message == Diagnostic.interrupted.message
  }

  /// `error: message`, without location or source line.
  public var description: String { "\(severity.rawValue): \(message)" }
}
