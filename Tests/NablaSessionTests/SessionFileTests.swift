import Foundation
import Testing

@testable import NablaSession

/// A fresh temporary directory for one test.
private func temporaryDirectory() -> String {
  let path = NSTemporaryDirectory() + "nabla-files-\(UUID().uuidString)"
  try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  return path
}

@Suite struct SessionFileTests {
  @Test func splitsEntriesOutputsAndContinuationLines() {
    let text = """
      # a comment
      f(x) = x^2 * sin(x)
      :grad f(2.0)
      #=> f(2.0) = 3.637189707302727
      #=> ∂f/∂x = 1.9726023611141572

      W = [[1, 2],
           [3, 4]]
      #=> 
      W
      """
    let file = SessionFile(parsing: text)
    #expect(file.entries.map(\.text) == ["f(x) = x^2 * sin(x)", ":grad f(2.0)", "W = [[1, 2],\n     [3, 4]]", "W"])
    #expect(file.entries.map(\.line) == [2, 3, 7, 10])
    #expect(file.entries[1].recordedOutput == ["f(2.0) = 3.637189707302727", "∂f/∂x = 1.9726023611141572"])
    #expect(file.entries[2].recordedOutput == [""])
    #expect(file.entries[0].leadingLines == ["# a comment"])
  }

  @Test func renderingRoundTrips() {
    let text = "# intro\nx = 2\n#=> \n\n# next\nx * 3\n#=> 6.0\n# end\n"
    let file = SessionFile(parsing: text)
    #expect(file.rendered(outputs: file.entries.map(\.recordedOutput)) == text.replacingOccurrences(of: "#=> \n", with: "#=>\n"))
  }

  @Test func aTenMegabyteFileSplits() {
    let entry = "x = [1, 2, 3]\n#=> [1., 2., 3.]\n"
    let large = String(repeating: entry, count: 320_000)  // about 10 MB
    let file = SessionFile(parsing: large)
    #expect(file.entries.count == 320_000)
    #expect(file.entries.allSatisfy { $0.recordedOutput == ["[1., 2., 3.]"] })
  }
}

@Suite struct VerifierTests {
  @Test func numbersWithinTheToleranceMatch() {
    #expect(Verifier.matches(["y = 1.0000000000001"], ["y = 1.0"], tolerance: 1e-9, volatile: false))
    #expect(!Verifier.matches(["y = 1.001"], ["y = 1.0"], tolerance: 1e-9, volatile: false))
    #expect(!Verifier.matches(["y = 1.0"], ["z = 1.0"], tolerance: 1e-9, volatile: false))
    #expect(!Verifier.matches(["a", "b"], ["a"], tolerance: 1e-9, volatile: false))
  }

  @Test func durationsAreNeverCompared() {
    #expect(Verifier.matches(["1000/1000 passed (31 ms)"], ["1000/1000 passed (2.5 s)"], tolerance: 1e-9, volatile: false))
    #expect(Verifier.matches(["took 12.1 µs;"], ["took 9 ns;"], tolerance: 1e-9, volatile: false))
    // "5 samples" is a count, not a duration.
    #expect(!Verifier.matches(["5 samples"], ["6 samples"], tolerance: 1e-9, volatile: false))
    #expect(Verifier.matches(["757× faster, 100 loops"], ["812× faster, 1000 loops"], tolerance: 1e-9, volatile: true))
    // How many runs a timing took changes its wording; only the label is compared.
    #expect(
      Verifier.matches(
        ["numerical gradient  2.57 s per call (1 run, 1 loop)"],
        ["numerical gradient  1.44 s ± 70.2 ms per call (mean ± std. dev. of 3 runs, 1 loop each)"],
        tolerance: 1e-9, volatile: true))
    #expect(!Verifier.matches(["forward  1 ms"], ["backward  1 ms"], tolerance: 1e-9, volatile: true))
  }

  @Test func digitsInsideNamesAreText() {
    #expect(Verifier.tokens("W1 = 2.5e-3") == [.text("W1 = "), .number(2.5e-3, timed: false)])
    #expect(!Verifier.matches(["∂loss/∂W1"], ["∂loss/∂W2"], tolerance: 1e-9, volatile: true))
  }

  @Test func verifyReportsChangedEntriesAndUpdateRewritesThem() throws {
    let file = SessionFile(parsing: "x = 2\nx * 3\n#=> 6.0\nx * 4\n#=> 9.0\n")
    let (outputs, changes) = Verifier().verify(file, fileName: "t.nabla")
    #expect(changes.count == 1)
    #expect(changes.first?.entry.line == 4)
    #expect(outputs == [[], ["6.0"], ["8.0"]])
    let diff = Verifier.describe(changes[0], fileName: "t.nabla")
    #expect(diff == "t.nabla:4: output changed for x * 4\n  - 9.0\n  + 8.0")
    #expect(file.rendered(outputs: outputs) == "x = 2\nx * 3\n#=> 6.0\nx * 4\n#=> 8.0\n")
  }
}

@Suite struct SaveAndLoadTests {
  @Test func saveWritesTheSuccessfulEntriesAndRefusesToOverwrite() throws {
    let dir = temporaryDirectory()
    let path = dir + "/s.nabla"
    let session = Session()
    session.run("f(x) = x^2")
    session.run("nope(")  // fails: not saved
    session.run(":grad f(3.0)")
    session.run(":vars")  // a listing: not saved
    let saved = session.run(":save \(path)")
    #expect(saved.succeeded)
    #expect(saved.output == ["saved 2 entries to \(path)"])
    let text = try String(contentsOfFile: path, encoding: .utf8)
    #expect(text.hasSuffix("f(x) = x^2\n:grad f(3.0)\n#=> f(3.0) = 9.0\n#=> ∂f/∂x = 6.0\n"))
    let again = session.run(":save \(path)")
    #expect(again.error?.message == "\(path) already exists; use :save! \(path) to overwrite it")
    #expect(session.run(":save! \(path)").succeeded)
    // No temporary file is left behind.
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["s.nabla"])
  }

  @Test func loadReplaysAndAnErrorStopsWithItsLocation() throws {
    let dir = temporaryDirectory()
    let path = dir + "/l.nabla"
    try "a = 2\nb = a * 3\nc = b + nope\nd = 1\n".write(toFile: path, atomically: true, encoding: .utf8)
    let session = Session()
    let result = session.run(":load \(path)")
    #expect(!result.succeeded)
    #expect(session.tensors["b"]?.scalars == [6])
    #expect(session.tensors["d"] == nil)
    #expect(result.output.contains { $0.hasPrefix("\(path):3:9: error: unknown name 'nope'") })
    #expect(result.error?.message == "\(path):3: stopped at this error; the 2 entries before it were applied")
  }

  @Test func binaryAndInvalidUTF8FilesAreRefused() throws {
    let dir = temporaryDirectory()
    let binary = dir + "/b.nabla"
    let latin1 = dir + "/u.nabla"
    try Data([0x78, 0x20, 0x3d, 0x00, 0x01]).write(to: URL(fileURLWithPath: binary))
    try Data([0x78, 0x20, 0x3d, 0x20, 0xe9, 0x0a]).write(to: URL(fileURLWithPath: latin1))
    let session = Session()
    #expect(session.run(":load \(binary)").error?.message == "\(binary) looks like a binary file, not a session (it contains NUL bytes)")
    #expect(session.run(":load \(latin1)").error?.message == "\(latin1) is not UTF-8 text (invalid byte at offset 4)")
    #expect(session.run(":load \(dir)/missing.nabla").error?.message == "cannot open \(dir)/missing.nabla: No such file or directory")
  }

  @Test func aTruncatedFileStopsAtItsLastEntry() throws {
    let dir = temporaryDirectory()
    let path = dir + "/t.nabla"
    try "x = 1\nW = [[1, 2],\n     [3,".write(toFile: path, atomically: true, encoding: .utf8)
    let session = Session()
    let result = session.run(":load \(path)")
    #expect(!result.succeeded)
    #expect(session.tensors["x"]?.scalars == [1])
    #expect(result.error?.message == "\(path):2: stopped at this error; the 1 entry before it was applied")
  }

  @Test func journalRecordsEachSuccessfulEntryAndKeepsThePreviousSession() throws {
    let dir = temporaryDirectory()
    do {
      let session = Session()
      session.journal = Journal(directory: dir)
      session.run("x = 5")
      session.run("bad +")
      session.run("f(t) = t * x")
    }
    let journal = try String(contentsOfFile: dir + "/journal.nabla", encoding: .utf8)
    #expect(journal.hasSuffix("x = 5\nf(t) = t * x\n"))
    // A new session moves it aside; :recover-style replay restores the names.
    _ = Journal(directory: dir)
    let previous = try String(contentsOfFile: Journal.lastPath(in: dir), encoding: .utf8)
    let restored = Session()
    for entry in SessionFile(parsing: previous).entries { restored.run(entry.text) }
    #expect(restored.tensors["x"]?.scalars == [5])
    #expect(restored.functions["f"] != nil)
  }

  /// Two REPLs at once: the second journals to a file of its own, a crash of either is
  /// recoverable, and a normal end is marked so it is not reported as a crash.
  @Test func twoSessionsAtOnceKeepSeparateJournals() throws {
    let dir = temporaryDirectory()
    let first = Session()
    first.journal = Journal(directory: dir)
    let second = Session()
    second.journal = Journal(directory: dir)
    #expect(first.journal?.path == dir + "/journal.nabla")
    #expect(second.journal?.path == dir + "/journal.\(getpid()).nabla")
    first.run("a = 1")
    second.run("b = 2")
    first.run("c = 3")
    // Both are running: neither is offered for recovery.
    #expect(Journal.recoverablePath(in: dir, excluding: second.journal?.path) == nil)
    // The first crashes (its journal is closed without an end).
    first.journal = nil
    #expect(Journal.recoverablePath(in: dir, excluding: second.journal?.path) == dir + "/journal.nabla")
    let crashed = Journal.crashed(in: dir, excluding: second.journal?.path).map(Journal.entryCount)
    #expect(crashed == [2])
    // The second ends normally: its own file goes, and nothing more is recoverable from it.
    let secondPath = second.journal!.path
    second.journal?.end()
    second.journal = nil
    #expect(!FileManager.default.fileExists(atPath: secondPath))
    // A third session recovers the crashed one, which is then no longer reported.
    let third = Session()
    third.journal = Journal(directory: dir)
    #expect(third.journal?.path == dir + "/journal.nabla")
    let reported = Journal.crashed(in: dir, excluding: third.journal?.path)
    #expect(reported == [Journal.lastPath(in: dir)])
    let r = third.run(":recover")
    #expect(r.succeeded, "\(r.text())")
    #expect(third.tensors["a"] != nil && third.tensors["c"] != nil && third.tensors["b"] == nil)
    let remaining = Journal.crashed(in: dir, excluding: third.journal?.path)
    #expect(remaining.isEmpty)
  }
}
