import Foundation
import NablaLanguage
import Testing

@testable import NablaSession

/// The examples in the README and docs/ are transcripts: inside a fenced block, a line that
/// starts with `∇> ` is an entry (`.. ` continues it) and the lines below it are what Nabla
/// prints. Each document's blocks run in order in one fresh session and must print what
/// they show, compared as `nabla run --verify` compares (numbers within 1e-9, durations
/// never, `:time` by its labels). A line `...` stands for the rest of an output.
///
/// `NABLA_UPDATE_GOLDEN=1 swift test --filter DocumentationTests` rewrites the outputs.
@Suite struct DocumentationTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  /// The documents with transcripts.
  static let documents: [String] = {
    let docs = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("docs").path)) ?? []
    return ["README.md"] + docs.filter { $0.hasSuffix(".md") }.sorted().map { "docs/" + $0 }
  }()

  /// One entry of a transcript: where it is, its text, and the output lines shown.
  struct Example {
    var line: Int
    var text: String
    /// The indices (in the document's lines) of the output shown.
    var outputLines: Range<Int>
    var output: [String]
    /// Whether the output ends with `...`, so only its first lines are compared.
    var elided: Bool
  }

  /// The examples of a document, in order.
  static func examples(in lines: [String]) -> [Example] {
    var examples: [Example] = []
    var inBlock = false
    var i = 0
    while i < lines.count {
      let line = lines[i]
      if line.hasPrefix("```") {
        inBlock.toggle()
        i += 1
        continue
      }
      guard inBlock, line.hasPrefix("∇> ") else {
        i += 1
        continue
      }
      var text = String(line.dropFirst(3))
      let start = i + 1
      i += 1
      while i < lines.count, lines[i].hasPrefix(".. ") {
        text += "\n" + lines[i].dropFirst(3)
        i += 1
      }
      let outputStart = i
      while i < lines.count, !lines[i].hasPrefix("∇> "), !lines[i].hasPrefix("```") { i += 1 }
      var output = Array(lines[outputStart..<i])
      let elided = output.last == "..."
      if elided { output.removeLast() }
      examples.append(
        Example(line: start, text: text, outputLines: outputStart..<i, output: output, elided: elided))
    }
    return examples
  }

  /// What the REPL prints for `result`: the output, then the diagnostics, line by line.
  static func printed(_ result: EntryResult) -> [String] {
    var lines = result.output
    if !result.diagnostics.isEmpty {
      lines += result.renderedDiagnostics().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }
    return lines
  }

  @Test(arguments: documents)
  func examplesPrintWhatTheyShow(_ document: String) throws {
    let url = Self.root.appendingPathComponent(document)
    var lines = try String(contentsOf: url, encoding: .utf8).components(separatedBy: "\n")
    let examples = Self.examples(in: lines)
    let session = Session()
    var replacements: [(Range<Int>, [String])] = []
    for example in examples {
      let result = session.run(example.text)
      let actual = Self.printed(result)
      let compared = example.elided ? Array(actual.prefix(example.output.count)) : actual
      if !Verifier.matches(example.output, compared, tolerance: 1e-9, volatile: result.isVolatile) {
        replacements.append((example.outputLines, example.elided ? compared + ["..."] : actual))
        if !Golden.updating {
          Issue.record(
            """
            \(document):\(example.line): ∇> \(example.text)
            shown:
            \(example.output.joined(separator: "\n"))
            printed:
            \(actual.joined(separator: "\n"))
            (NABLA_UPDATE_GOLDEN=1 rewrites the document)
            """)
        }
      }
    }
    if Golden.updating && !replacements.isEmpty {
      for (range, output) in replacements.reversed() { lines.replaceSubrange(range, with: output) }
      try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
    }
    #expect(!examples.isEmpty || document != "docs/language.md")
  }
}

/// Whether tests should rewrite their golden outputs rather than compare with them.
enum Golden {
  static var updating: Bool { ProcessInfo.processInfo.environment["NABLA_UPDATE_GOLDEN"] == "1" }
}
