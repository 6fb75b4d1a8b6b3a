import NablaLanguage

/// A session file split into entries: each entry as typed (continuation lines joined while a
/// bracket is open), the line it starts on, and the output recorded below it on `#=> ` lines.
///
///     f(x) = x^2 * sin(x)
///     :grad f(2.0)
///     #=> f(2.0) = 3.637189707302727
///     #=> ∂f/∂x = 1.9726023611141572
public struct SessionFile: Sendable {
  /// One entry of a file.
  public struct Entry: Sendable, Equatable {
    /// The entry's text, lines joined with "\n".
    public var text: String
    /// The 1-based line it starts on.
    public var line: Int
    /// The lines recorded as its output (without the `#=> ` prefix).
    public var recordedOutput: [String]
    /// Comment and blank lines that came before the entry, kept when rewriting the file.
    public var leadingLines: [String]
  }

  /// The prefix of a recorded output line.
  public static let outputPrefix = "#=> "

  public var entries: [Entry]
  /// Comment and blank lines after the last entry.
  public var trailingLines: [String]

  /// Splits `text` into entries.
  /// - Complexity: O(size of the text) (each line is scanned for brackets once).
  public init(parsing text: String) {
    var entries: [Entry] = []
    var leading: [String] = []
    var current: (lines: [String], line: Int)? = nil
    var depth = 0
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
      line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
    }
    // A final newline does not make an extra empty line.
    let count = lines.last == "" ? lines.count - 1 : lines.count
    for i in 0..<count {
      let line = lines[i]
      if current != nil {
        current!.lines.append(line)
        depth += SessionFile.bracketBalance(line)
        if depth <= 0 {
          entries.append(Entry(text: current!.lines.joined(separator: "\n"), line: current!.line, recordedOutput: [], leadingLines: leading))
          leading = []
          current = nil
          depth = 0
        }
        continue
      }
      if line.hasPrefix(SessionFile.outputPrefix) || line == "#=>" {
        let output = line == "#=>" ? "" : String(line.dropFirst(SessionFile.outputPrefix.count))
        if !entries.isEmpty && leading.isEmpty {
          entries[entries.count - 1].recordedOutput.append(output)
        } else {
          leading.append(line)
        }
        continue
      }
      let trimmed = line.drop { $0 == " " || $0 == "\t" }
      if trimmed.isEmpty || trimmed.hasPrefix("#") {
        leading.append(line)
        continue
      }
      depth = SessionFile.bracketBalance(line)
      if depth > 0 {
        current = ([line], i + 1)
      } else {
        entries.append(Entry(text: line, line: i + 1, recordedOutput: [], leadingLines: leading))
        leading = []
        depth = 0
      }
    }
    if let current {
      entries.append(Entry(text: current.lines.joined(separator: "\n"), line: current.line, recordedOutput: [], leadingLines: leading))
      leading = []
    }
    self.entries = entries
    self.trailingLines = leading
  }

  /// Open minus closed brackets on a line, ignoring a `#` comment (commands' paths are
  /// not bracketed, so a plain count is enough).
  static func bracketBalance(_ line: String) -> Int {
    var depth = 0
    for c in line.unicodeScalars {
      switch c {
      case "#": return depth
      case "(", "[": depth += 1
      case ")", "]": depth -= 1
      default: break
      }
    }
    return depth
  }

  /// The file's text with each entry's output replaced by `outputs[i]`.
  public func rendered(outputs: [[String]]) -> String {
    var lines: [String] = []
    for (entry, output) in zip(entries, outputs) {
      lines += entry.leadingLines
      lines.append(entry.text)
      lines += output.map { $0.isEmpty ? "#=>" : SessionFile.outputPrefix + $0 }
    }
    lines += trailingLines
    return lines.joined(separator: "\n") + "\n"
  }
}
