import NablaCore
import NablaLanguage

/// Runs the entries of a file (or a pipe) through a session as a script: each entry's output
/// to `write`, diagnostics to `writeError`, or one JSON object per entry.
public struct ScriptRunner {
  public var session: Session
  /// Print one JSON object per entry instead of text.
  public var json = false
  /// Go on after an entry fails (the exit status is still 1).
  public var keepGoing = false
  /// Colour diagnostics.
  public var color = false
  public var write: (String) -> Void
  public var writeError: (String) -> Void

  public init(session: Session, write: @escaping (String) -> Void, writeError: @escaping (String) -> Void) {
    self.session = session
    self.write = write
    self.writeError = writeError
  }

  /// Runs every entry of `file`; returns false when an entry failed.
  public func run(_ file: SessionFile, fileName: String?) -> (ok: Bool, quit: Bool) {
    var ok = true
    for entry in file.entries {
      let result = session.run(entry.text, fileName: fileName, line: entry.line)
      report(result, line: entry.line)
      if !result.succeeded {
        ok = false
        if !keepGoing { return (false, false) }
      }
      if case .quit? = result.action { return (ok, true) }
    }
    return (ok, false)
  }

  /// Prints one entry's result.
  public func report(_ result: EntryResult, line: Int) {
    if json {
      write(ScriptRunner.jsonObject(result, line: line).encoded())
      return
    }
    if !result.output.isEmpty { write(result.output.joined(separator: "\n")) }
    if !result.diagnostics.isEmpty { writeError(result.renderedDiagnostics(color: color)) }
  }

  /// The `--json` object of one entry: input, line, ok, output, structured fields, error.
  public static func jsonObject(_ result: EntryResult, line: Int) -> JSONValue {
    var fields: [(String, JSONValue)] = [
      ("input", .string(result.source.text)), ("line", .integer(line)), ("ok", .bool(result.succeeded)),
      ("output", .string(result.output.joined(separator: "\n"))),
    ]
    fields += result.fields
    let warnings = result.diagnostics.filter { $0.severity == .warning }
    if !warnings.isEmpty {
      fields.append(
        ("warnings", .array(warnings.map { w in
          let place: (line: Int, column: Int) = w.range.isKnown ? result.source.location(of: w.range.start) : (line, 1)
          return .object([("message", .string(w.message)), ("line", .integer(place.line)), ("column", .integer(place.column))])
        })))
    }
    if let error = result.error {
      var location: (line: Int, column: Int) = (line, 1)
      if error.range.isKnown { location = result.source.location(of: error.range.start) }
      var e: [(String, JSONValue)] = [
        ("message", .string(error.message)), ("line", .integer(location.line)), ("column", .integer(location.column)),
      ]
      if let help = error.help { e.append(("help", .string(help))) }
      e.append(("rendered", .string(DiagnosticRenderer.render(error, in: result.source, color: false))))
      fields.append(("error", .object(e)))
    }
    return .object(fields)
  }
}
