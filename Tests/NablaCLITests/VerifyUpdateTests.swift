import Foundation
import Testing

/// `nabla run --verify` and `--update` on a file in a temporary folder.
@Suite struct VerifyUpdateTests {
  func folder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-update-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// `--update` rewrites only the entries whose output changed: a `:time` entry, whose
  /// figures differ on every run, keeps the ones recorded. Through a symbolic link it
  /// rewrites the file the link points to and leaves the link.
  @Test func updateRewritesOnlyWhatChangedAndFollowsLinks() throws {
    let dir = try folder()
    let recordedTime = [
      "#=> forward             1 ms ± 1 µs per call (mean ± std. dev. of 7 runs, 1 loop each)",
      "#=> forward + backward  2 ms ± 1 µs per call (mean ± std. dev. of 7 runs, 1 loop each)",
      "#=> numerical gradient  3 ms ± 1 µs per call (mean ± std. dev. of 7 runs, 1 loop each)",
      "#=> backprop is 2× faster than central differences (2n = 6 evaluations of sum)",
    ]
    let text = (["x = [1, 2, 3]", "sum(x) * 2", "#=> 13.0", ":set time 0.01", "#=> time = 0.01", ":time sum(x^2)"] + recordedTime)
      .joined(separator: "\n") + "\n"
    let target = dir.appendingPathComponent("real.nabla")
    try text.write(to: target, atomically: true, encoding: .utf8)
    let link = dir.appendingPathComponent("link.nabla")
    try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)

    let verify = try NablaProcess.run(["run", "--verify", "link.nabla"], in: dir)
    #expect(verify.status == 1)
    #expect(verify.output.contains("link.nabla:2: output changed for sum(x) * 2"), "\(verify.output)")
    #expect(verify.output.contains("  - 13.0\n  + 12.0"))

    let update = try NablaProcess.run(["run", "--update", "link.nabla"], in: dir)
    #expect(update.output == "link.nabla: updated 1 entry\n")
    let attributes = try FileManager.default.attributesOfItem(atPath: link.path)
    #expect(attributes[.type] as? FileAttributeType == .typeSymbolicLink)
    let updated = try String(contentsOf: target, encoding: .utf8)
    #expect(updated == text.replacingOccurrences(of: "#=> 13.0", with: "#=> 12.0"))
    #expect(try NablaProcess.run(["run", "--verify", "link.nabla"], in: dir).status == 0)
  }
}
