import Foundation
import Testing

/// Golden transcripts: every `Transcripts/NAME.nabla` run through the built binary must print
/// exactly `Transcripts/NAME.out` (see `Golden`). `NABLA_UPDATE_GOLDEN=1 swift test` rewrites
/// the `.out` files; review the change with `git diff Tests/NablaCLITests/Transcripts`.
@Suite struct TranscriptTests {
  @Test(arguments: Golden.all())
  func transcript(_ name: String) throws {
    let golden = Golden(name: name)
    let actual = try golden.render()
    if Golden.updating {
      try actual.write(to: golden.outputURL, atomically: true, encoding: .utf8)
      return
    }
    let expected = (try? String(contentsOf: golden.outputURL, encoding: .utf8)) ?? ""
    let diff = LineDiff.describe(expected: expected, actual: actual)
    #expect(
      diff == nil,
      "\(name).out differs (NABLA_UPDATE_GOLDEN=1 rewrites it):\n\(diff ?? "")")
  }

  @Test func everyTranscriptHasAGoldenOutput() {
    let names = Golden.all()
    #expect(names.count >= 10)
    for name in names where !Golden.updating {
      #expect(
        FileManager.default.fileExists(atPath: Golden(name: name).outputURL.path),
        "missing \(name).out")
    }
  }
}
