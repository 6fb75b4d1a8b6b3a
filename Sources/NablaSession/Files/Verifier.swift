import NablaLanguage

/// Re-runs a session file and compares each entry's output with the output recorded in it:
/// numbers within a relative tolerance, durations never, and entries whose output is
/// volatile (`:time`) by each line's label only: how many runs a timing took, and so the
/// words after its first number, change from one machine to the next.
public struct Verifier {
  /// One entry whose output changed.
  public struct Change: Sendable {
    public var entry: SessionFile.Entry
    public var actual: [String]
    public var diagnostics: String
  }

  /// Relative tolerance for numbers (default 1e-9).
  public var tolerance: Double

  public init(tolerance: Double = 1e-9) { self.tolerance = tolerance }

  /// Runs every entry of `file` in a fresh session. Returns each entry's new output (for
  /// `--update`) and the entries whose output changed.
  public func verify(_ file: SessionFile, fileName: String) -> (outputs: [[String]], changes: [Change]) {
    let session = Session()
    // Verifying only checks: `:save` and `:dot` print what they would write.
    session.fileWrites = .dryRun
    var outputs: [[String]] = []
    var changes: [Change] = []
    for entry in file.entries {
      let result = session.run(entry.text, fileName: fileName, line: entry.line)
      var actual = result.output
      // An error is part of the output a session file records.
      if !result.diagnostics.isEmpty {
        actual += result.diagnostics.map { DiagnosticRenderer.render($0, in: SourceText(entry.text), color: false) }
          .flatMap { $0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
      }
      outputs.append(actual)
      if !Verifier.matches(entry.recordedOutput, actual, tolerance: tolerance, volatile: result.isVolatile) {
        changes.append(Change(entry: entry, actual: actual, diagnostics: result.renderedDiagnostics()))
      }
    }
    return (outputs, changes)
  }

  /// A readable diff of one change: the entry, then `-` recorded and `+` new lines.
  public static func describe(_ change: Change, fileName: String) -> String {
    var lines = ["\(fileName):\(change.entry.line): output changed for \(change.entry.text.split(separator: "\n").first ?? "")"]
    let recorded = change.entry.recordedOutput
    let actual = change.actual
    for i in 0..<max(recorded.count, actual.count) {
      let r = i < recorded.count ? recorded[i] : nil
      let a = i < actual.count ? actual[i] : nil
      if r == a, let r {
        lines.append("    " + r)
      } else {
        if let r { lines.append("  - " + r) }
        if let a { lines.append("  + " + a) }
      }
    }
    return lines.joined(separator: "\n")
  }

  /// Whether two outputs agree: same words, numbers within `tolerance` (relative), numbers
  /// followed by a time unit ignored, and with `volatile` only the text before each line's
  /// first number compared.
  public static func matches(_ recorded: [String], _ actual: [String], tolerance: Double, volatile: Bool) -> Bool {
    guard recorded.count == actual.count else { return false }
    for (r, a) in zip(recorded, actual) where r != a {
      if volatile {
        if label(r) != label(a) { return false }
        continue
      }
      let tr = tokens(r)
      let ta = tokens(a)
      guard tr.count == ta.count else { return false }
      for (x, y) in zip(tr, ta) {
        switch (x, y) {
        case (.text(let s), .text(let t)):
          if s != t { return false }
        case (.number(let u, let timed1), .number(let v, let timed2)):
          if volatile || (timed1 && timed2) { continue }
          if u == v || (u.isNaN && v.isNaN) { continue }
          if !(abs(u - v) <= tolerance * max(abs(u), abs(v))) { return false }
        default:
          return false
        }
      }
    }
    return true
  }

  /// The text of a line before its first number.
  static func label(_ line: String) -> String {
    if case .text(let s) = tokens(line).first { return s }
    return ""
  }

  enum Token: Equatable {
    case text(String)
    /// A number, and whether a time unit follows it.
    case number(Double, timed: Bool)
  }

  /// Splits a line into numbers and the text between them.
  static func tokens(_ line: String) -> [Token] {
    let chars = Array(line.unicodeScalars)
    var result: [Token] = []
    var text = ""
    var i = 0
    func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }
    while i < chars.count {
      let c = chars[i]
      let startsNumber =
        isDigit(c)
        || ((c == "-" || c == "+" || c == ".") && i + 1 < chars.count && (isDigit(chars[i + 1]) || chars[i + 1] == "."))
      // A digit inside a word (x2, W1) is text.
      let inWord = i > 0 && (chars[i - 1].properties.isAlphabetic || chars[i - 1] == "_")
      if startsNumber && !inWord {
        var j = i
        if chars[j] == "-" || chars[j] == "+" { j += 1 }
        while j < chars.count && (isDigit(chars[j]) || chars[j] == ".") { j += 1 }
        if j < chars.count && (chars[j] == "e" || chars[j] == "E"),
          j + 1 < chars.count, isDigit(chars[j + 1]) || ((chars[j + 1] == "-" || chars[j + 1] == "+") && j + 2 < chars.count && isDigit(chars[j + 2]))
        {
          j += 2
          while j < chars.count && isDigit(chars[j]) { j += 1 }
        }
        let literal = String(String.UnicodeScalarView(chars[i..<j]))
        if let value = Double(literal) {
          if !text.isEmpty { result.append(.text(text)); text = "" }
          var k = j
          while k < chars.count && chars[k] == " " { k += 1 }
          let rest = String(String.UnicodeScalarView(chars[k..<min(k + 3, chars.count)]))
          let timed = k > j && (rest.hasPrefix("s") || rest.hasPrefix("ms") || rest.hasPrefix("µs") || rest.hasPrefix("ns"))
            && (rest.unicodeScalars.dropFirst(rest.hasPrefix("s") ? 1 : 2).first.map { !$0.properties.isAlphabetic } ?? true)
          result.append(.number(value, timed: timed))
          // A duration's unit belongs to it, so `31 ms` and `2.5 s` compare equal.
          i = timed ? k + (rest.hasPrefix("s") ? 1 : 2) : j
          continue
        }
      }
      text.unicodeScalars.append(c)
      i += 1
    }
    if !text.isEmpty { result.append(.text(text)) }
    return result
  }
}
