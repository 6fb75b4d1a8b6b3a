import Foundation

/// A golden transcript: `Transcripts/NAME.nabla` run through the binary, compared with
/// `Transcripts/NAME.out`.
///
/// The first line of the input may say how to run it, as in a shell:
///
///     # $ nabla run --json --keep-going FILE
///     # $ nabla --keep-going < FILE
///     # $ nabla -e 'f(x) = x^2' -e ':grad f(3)'
///
/// `FILE` is the transcript's file name (runs happen inside `Transcripts/`, so diagnostics
/// name it as a person would see it). Without that line it runs as `nabla run --keep-going FILE`.
/// The `.out` file holds the command, everything printed (stdout and stderr interleaved) and
/// the exit status, with timings masked. `NABLA_UPDATE_GOLDEN=1` rewrites the `.out` files.
struct Golden {
  var name: String

  var inputURL: URL { NablaProcess.transcripts.appendingPathComponent("\(name).nabla") }
  var outputURL: URL { NablaProcess.transcripts.appendingPathComponent("\(name).out") }

  /// Every transcript in the folder, by name.
  static func all() -> [String] {
    let files =
      (try? FileManager.default.contentsOfDirectory(atPath: NablaProcess.transcripts.path)) ?? []
    return files.filter { $0.hasSuffix(".nabla") }.map { String($0.dropLast(".nabla".count)) }
      .sorted()
  }

  static var updating: Bool { ProcessInfo.processInfo.environment["NABLA_UPDATE_GOLDEN"] == "1" }

  /// The command line of the transcript, as written after `# $ `.
  func commandLine(_ input: String) -> String {
    let first = input.prefix { $0 != "\n" }
    if first.hasPrefix("# $ nabla") { return String(first.dropFirst(4)) }
    return "nabla run --keep-going FILE"
  }

  /// Runs the transcript and returns what the `.out` file should hold.
  func render() throws -> String {
    let input = try String(contentsOf: inputURL, encoding: .utf8)
    let line = commandLine(input)
    let file = "\(name).nabla"
    var words = Golden.shellWords(line).dropFirst().map { $0 == "FILE" ? file : $0 }
    var stdin: Data?
    if let redirect = words.firstIndex(of: "<") {
      stdin = input.data(using: .utf8)
      words.removeSubrange(redirect...)
    }
    let result = try NablaProcess.run(Array(words), stdin: stdin, in: NablaProcess.transcripts)
    return Golden.transcript(
      command: line.replacingOccurrences(of: "FILE", with: file), output: result.output,
      status: result.status)
  }

  /// `$ command`, the output with timings masked, and `[exit N]`.
  static func transcript(command: String, output: String, status: Int32) -> String {
    var text = "$ \(command)\n" + mask(output)
    if !text.hasSuffix("\n") { text += "\n" }
    return text + "[exit \(status)]\n"
  }

  /// Splits a command line on blanks, keeping 'single-quoted' words whole.
  static func shellWords(_ line: String) -> [String] {
    var words: [String] = []
    var word = ""
    var quoted = false
    var started = false
    for c in line {
      if c == "'" {
        quoted.toggle()
        started = true
      } else if c == " " && !quoted {
        if started { words.append(word) }
        word = ""
        started = false
      } else {
        word.append(c)
        started = true
      }
    }
    if started { words.append(word) }
    return words
  }

  /// Replaces what changes from run to run (durations, loop counts, speed-ups, seconds in
  /// JSON) with placeholders, and shortens very long lines.
  static func mask(_ text: String) -> String {
    var text = text
    let rules: [(String, String)] = [
      // 12.3 ms, 4 s, 52.4 µs, 3 ns
      (#"\b\d+(\.\d+)? ?(s|ms|µs|ns)\b"#, "<time>"),
      (
        #"mean ± std\. dev\. of \d+ runs, \d+ loops? each"#,
        "mean ± std. dev. of <n> runs, <n> loops each"
      ),
      (#"\(1 run, \d+ loops?\)"#, "(<n> runs, <n> loops)"),
      (#"backprop is [0-9.]+× (faster|slower)"#, "backprop is <n>× faster or slower"),
      (#""(seconds|forward_s|backward_s|numerical_s|speedup)":[-0-9.e+]+"#, #""$1":<n>"#),
    ]
    for (pattern, template) in rules {
      let regex = try! NSRegularExpression(pattern: pattern)
      text = regex.stringByReplacingMatches(
        in: text, range: NSRange(text.startIndex..., in: text), withTemplate: template)
    }
    let limit = 2000
    return text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
      line.count <= limit
        ? String(line) : String(line.prefix(100)) + "… (\(line.count - 100) more characters)"
    }.joined(separator: "\n")
  }
}

/// A line diff for failure messages: `-` expected, `+` actual, with a little context.
enum LineDiff {
  /// The differences between `expected` and `actual`, or nil when they are equal.
  /// - Complexity: O(n·m) in the numbers of lines (transcripts are a few hundred lines).
  static func describe(expected: String, actual: String, context: Int = 2) -> String? {
    if expected == actual { return nil }
    let a = expected.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let b = actual.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    // Longest common subsequence table, from the ends.
    var lcs = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in stride(from: a.count - 1, through: 0, by: -1) {
      for j in stride(from: b.count - 1, through: 0, by: -1) {
        lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
      }
    }
    enum Line { case same(String), removed(String), added(String) }
    var lines: [Line] = []
    var i = 0
    var j = 0
    while i < a.count || j < b.count {
      if i < a.count && j < b.count && a[i] == b[j] {
        lines.append(.same(a[i]))
        i += 1
        j += 1
      } else if i < a.count && (j == b.count || lcs[i + 1][j] >= lcs[i][j + 1]) {
        lines.append(.removed(a[i]))
        i += 1
      } else {
        lines.append(.added(b[j]))
        j += 1
      }
    }
    // Keep the changed lines and `context` lines around them.
    var keep = [Bool](repeating: false, count: lines.count)
    for (k, line) in lines.enumerated() {
      if case .same = line { continue }
      for m in max(0, k - context)...min(lines.count - 1, k + context) { keep[m] = true }
    }
    var out = ["--- expected", "+++ actual"]
    var skipped = false
    for (k, line) in lines.enumerated() {
      guard keep[k] else {
        if !skipped { out.append("  ...") }
        skipped = true
        continue
      }
      skipped = false
      switch line {
      case .same(let s): out.append("  " + s)
      case .removed(let s): out.append("- " + s)
      case .added(let s): out.append("+ " + s)
      }
    }
    return out.joined(separator: "\n")
  }
}
