import Foundation
import NablaCore
import NablaLanguage
import Testing

@testable import NablaSession

/// Session files as they arrive from students and downloads: truncated, binary, not UTF-8,
/// one enormous line, a hundred thousand entries. Each is a clear error or a correct load,
/// in time linear in the file's size.
@Suite struct HostileFileTests {
  /// A file in a fresh temporary folder with these bytes; its path.
  func file(_ bytes: [UInt8], name: String = "s.nabla") throws -> String {
    let folder = NSTemporaryDirectory() + "nabla-hostile-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let path = folder + "/" + name
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
  }

  func file(_ text: String) throws -> String { try file(Array(text.utf8)) }

  func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = ContinuousClock.now
    try body()
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
  }

  @Test func truncatedInsideABracketStopsWithTheEntriesBeforeItApplied() throws {
    let path = try file("f(x) = x^2\n:grad f(2.0)\ng(x) = sum([1, 2,\n")
    let s = Session()
    let r = s.run(":load \(path)")
    #expect(r.error?.message.contains(":3: stopped at this error; the 2 entries before it were applied") == true)
    #expect(r.output.contains { $0.contains("the '[' at line 3, column 12 is never closed with ']'") })
    #expect(s.functions["f"] != nil && s.functions["g"] == nil)
  }

  @Test func truncatedInsideACharacterIsNotUTF8() throws {
    let bytes = Array("x = 1  # ∂".utf8).dropLast()  // ∂ is 3 bytes: cut after 2
    let path = try file(Array(bytes))
    let r = Session().run(":load \(path)")
    #expect(r.error?.message == "\(path) is not UTF-8 text (invalid byte at offset 9)")
  }

  @Test func binaryFileIsRefused() throws {
    let path = try file([0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0, 0, 0] + Array(repeating: 0, count: 100))
    let s = Session()
    let r = s.run(":load \(path)")
    #expect(r.error?.message == "\(path) looks like a binary file, not a session (it contains NUL bytes)")
    #expect(s.history.isEmpty)
  }

  @Test func invalidUTF8IsRefusedWithItsOffset() throws {
    let path = try file(Array("x = 1\n".utf8) + [0xC3, 0x28] + Array(" = 2\n".utf8))
    let r = Session().run(":load \(path)")
    #expect(r.error?.message == "\(path) is not UTF-8 text (invalid byte at offset 6)")
  }

  @Test func endlessDeviceIsRefusedAtOnce() throws {
    var r: EntryResult?
    let t = seconds { r = Session().run(":load /dev/zero") }
    #expect(r?.error?.message == "/dev/zero looks like a binary file, not a session (it contains NUL bytes)")
    print("hostile files: /dev/zero refused in \(t) s")
  }

  /// A downloaded session cannot write files: `:save` and `:dot` entries in it are skipped
  /// when it is loaded, and only pretend when it is verified.
  @Test func loadingOrVerifyingAFileWritesNoFile() throws {
    let folder = NSTemporaryDirectory() + "nabla-writes-\(UUID().uuidString)"
    let saved = folder + "/overwritten.nabla"
    let dot = folder + "/graph.dot"
    let path = try file("x = 2\n:save! \(saved)\n:dot x * 3 > \(dot)\nx + 1\n")
    let s = Session()
    let r = s.run(":load \(path)")
    #expect(r.succeeded, "\(r.text())")
    #expect(r.output.contains("not written: \(saved) (an entry loaded from a file never writes files; type it to run it)"))
    #expect(r.output.contains("3.0"))
    #expect(!FileManager.default.fileExists(atPath: saved) && !FileManager.default.fileExists(atPath: dot))
    let (outputs, _) = Verifier().verify(SessionFile(parsing: try String(contentsOfFile: path, encoding: .utf8)), fileName: path)
    #expect(outputs[2].first?.hasPrefix("wrote graph of x * 3") == true, "\(outputs)")
    #expect(!FileManager.default.fileExists(atPath: saved) && !FileManager.default.fileExists(atPath: dot))
    // Typed, the same entry writes.
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    #expect(s.run(":dot x * 3 > \(dot)").succeeded)
    #expect(FileManager.default.fileExists(atPath: dot))
  }

  /// Ctrl-C during a `:load` stops it before the next entry, saying how far it got.
  @Test func ctrlCStopsALoadBetweenEntries() throws {
    let path = try file((1...50).map { "v\($0) = \($0)" }.joined(separator: "\n") + "\n")
    let s = Session()
    var shown: [String] = []
    s.onOutput = { lines in
      shown += lines
      if lines == ["∇> v3 = 3"] { s.cancellation.cancel() }
    }
    let r = s.run(":load \(path)")
    #expect(r.error?.message == "\(path):4: interrupted; the 3 entries before it were applied")
    #expect(shown == ["∇> v1 = 1", "∇> v2 = 2", "∇> v3 = 3"])
    #expect(s.tensors["v3"] != nil && s.tensors["v4"] == nil)
  }

  @Test func directoryIsRefused() throws {
    let r = Session().run(":load /tmp")
    #expect(r.error?.message == "cannot open /tmp: it is a directory")
  }

  @Test func oneMegabyteLineLoads() throws {
    // x = [0, 1, 2, …]: about 1 MB on one line.
    let count = 150_000
    let line = "x = [" + (0..<count).map(String.init).joined(separator: ", ") + "]"
    #expect(line.utf8.count > 1_000_000)
    let path = try file(line + "\n:grad sum(x^2)\n")
    let s = Session()
    var r: EntryResult?
    let t = seconds { r = s.run(":load \(path)") }
    #expect(r?.succeeded == true, "\(r?.text().prefix(500) ?? "")")
    #expect(s.tensors["x"]?.count == count)
    print("hostile files: a 1 MB line loaded in \(t) s")
  }

  @Test func oneMegabyteLineOfGarbageIsOneShortError() throws {
    let line = "x = " + String(repeating: "1 + ", count: 250_000) + "@"
    let path = try file(line + "\n")
    let s = Session()
    var r: EntryResult?
    let t = seconds { r = s.run(":load \(path)") }
    #expect(r?.error != nil)
    #expect(s.tensors["x"] == nil)
    // The error shows a window of the line around the caret, not the megabyte.
    let shown = r!.text()
    #expect(shown.utf8.count < 20_000, "\(shown.utf8.count) bytes of output")
    print("hostile files: a 1 MB line of garbage refused in \(t) s")
  }

  @Test func entryLongerThanTheLimitIsRefusedBeforeParsing() throws {
    let s = try session(":set maxentry 1000")
    let r = s.run("x = [" + String(repeating: "1, ", count: 1000) + "1]")
    #expect(r.error?.message == "this entry is 3007 bytes long; the limit is 1000")
    #expect(s.tensors["x"] == nil)
  }

  /// The times are printed, not asserted (speed is measured in benchmarks).
  @Test func hundredThousandEntriesLoad() throws {
    let count = 100_000
    func text(_ n: Int) -> String {
      (0..<n).map { "x\($0 % 100) = \($0)\n#=> \($0)" }.joined(separator: "\n") + "\n"
    }
    let large = text(count)
    var file = SessionFile(parsing: "")
    let tSplit = seconds { file = SessionFile(parsing: large) }
    #expect(file.entries.count == count)
    #expect(file.entries.last?.recordedOutput == ["\(count - 1)"])

    let path = try self.file(large)
    let s = Session()
    var r: EntryResult?
    let t = seconds { r = s.run(":load \(path)") }
    #expect(r?.succeeded == true)
    #expect(s.history.count == count)
    #expect(s.tensors["x99"]?.scalar == Double(count - 1))
    print("hostile files: \(count) entries split in \(tSplit) s and loaded in \(t) s")
  }
}
