import Foundation
import Testing

/// Transcripts whose input is too big to keep in a file: entries nested 100,000 deep. Each is
/// piped to `nabla --keep-going` and compared with `Transcripts/Generated/NAME.out` (long
/// lines shortened by `Golden.mask`); `NABLA_UPDATE_GOLDEN=1` rewrites them.
@Suite struct GeneratedInputTests {
  static let depth = 100_000

  /// Each entry nests one construct `depth` times.
  static let entries: [(String, String)] = [
    (
      "parentheses",
      String(repeating: "(", count: depth) + "1" + String(repeating: ")", count: depth)
    ),
    ("brackets", String(repeating: "[", count: depth) + "1" + String(repeating: "]", count: depth)),
    ("unary minus", String(repeating: "-", count: depth) + "1"),
    ("powers", String(repeating: "2^", count: depth) + "1"),
    (
      "calls",
      "f(x) = x\n" + String(repeating: "f(", count: depth) + "1"
        + String(repeating: ")", count: depth)
    ),
    ("a chain of additions", Array(repeating: "1", count: depth).joined(separator: " + ")),
    (
      "a definition",
      "g(x) = " + String(repeating: "(", count: depth) + "x" + String(repeating: ")", count: depth)
    ),
  ]

  @Test func nesting100000Deep() throws {
    let input = Self.entries.map { "# \($0.0)\n\($0.1)\n" }.joined() + "1 + 1\n"
    let result = try NablaProcess.run(
      ["--keep-going"], stdin: Data(input.utf8), in: NablaProcess.transcripts)
    let actual = Golden.transcript(
      command: "nabla --keep-going < (7 entries nested \(Self.depth) deep, then 1 + 1)",
      output: result.output, status: result.status)
    let url = NablaProcess.transcripts.appendingPathComponent("Generated/nesting-100000.out")
    if Golden.updating {
      try actual.write(to: url, atomically: true, encoding: .utf8)
      return
    }
    // Every entry fails with an error, none crashes, and the session goes on.
    #expect(result.status == 1)
    #expect(result.output.hasSuffix("2.0\n"))
    let expected = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    let diff = LineDiff.describe(expected: expected, actual: actual)
    #expect(
      diff == nil, "nesting-100000.out differs (NABLA_UPDATE_GOLDEN=1 rewrites it):\n\(diff ?? "")")
  }
}
