import Foundation
import NablaCore
import Testing

/// The fuzz target in-process: a short fixed-seed pass in `make test`, and a timed run with
/// a random seed when `NABLA_FUZZ_SECONDS` is set (the fallback of `make fuzz` where libFuzzer
/// is not available; `scripts/fuzz` runs the libFuzzer binary). Inputs alternate between
/// programs from the grammar and byte-level mutations of the sessions/ files.
@Suite struct FuzzTests {
  /// The example sessions, whole and as single entries with their neighbours.
  static let seeds: [[UInt8]] = {
    let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("sessions")
    let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    var seeds: [[UInt8]] = []
    for name in files.sorted() where name.hasSuffix(".nabla") {
      guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) else { continue }
      seeds.append(Array(data))
      let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
      for start in stride(from: 0, to: lines.count, by: 4) {
        seeds.append(Array(lines[start..<min(lines.count, start + 6)].joined(separator: "\n").utf8))
      }
    }
    return seeds.isEmpty ? [Array("f(x) = x^2\n:grad f(2.0)".utf8)] : seeds
  }()

  /// Runs `count` inputs (or until `seconds` pass) from `seed`; returns the inputs run and
  /// the violations found, each with its input.
  static func fuzz(
    seed: UInt64, count: Int, seconds: Double, lastInputPath: String? = nil
  ) -> (inputs: Int, violations: [String]) {
    var generator = EntryGenerator(seed: seed)
    var mutator = ByteMutator(seed: seed &+ 1)
    var corpus = seeds
    var violations: [String] = []
    let deadline = seconds.isFinite ? ContinuousClock.now + .milliseconds(Int(seconds * 1000)) : nil
    var inputs = 0
    while inputs < count && deadline.map({ ContinuousClock.now < $0 }) ?? true {
      let input: [UInt8]
      if inputs % 2 == 0 {
        input = Array(generator.program().utf8)
        if corpus.count < 400 { corpus.append(input) }
      } else {
        let a = corpus[mutator.int(corpus.count)]
        let b = corpus[mutator.int(corpus.count)]
        input = mutator.mutate(a, other: b)
      }
      // A crash ends the process: the input that caused it is left in this file.
      if let path = lastInputPath { _ = FileManager.default.createFile(atPath: path, contents: Data(input)) }
      do {
        try FuzzHarness.run(input)
      } catch {
        violations.append("\(error)\n  input: \(String(decoding: input, as: UTF8.self).debugDescription)")
      }
      inputs += 1
    }
    return (inputs, violations)
  }

  @Test func fixedSeedPass() {
    // A fixed number of inputs, not a time budget, so every run checks the same inputs.
    let (inputs, violations) = Self.fuzz(seed: 20_251_126, count: 30, seconds: .infinity)
    #expect(inputs == 30)
    #expect(violations.isEmpty, "\(violations.count) violations:\n\(violations.prefix(5).joined(separator: "\n"))")
  }

  /// `NABLA_FUZZ_SECONDS=60 swift test --filter FuzzTests.timedRun` (`NABLA_FUZZ_SEED` to
  /// repeat a run, `NABLA_FUZZ_LAST` for where the current input is kept).
  @Test(.enabled(if: ProcessInfo.processInfo.environment["NABLA_FUZZ_SECONDS"] != nil))
  func timedRun() {
    let environment = ProcessInfo.processInfo.environment
    let seconds = Double(environment["NABLA_FUZZ_SECONDS"] ?? "") ?? 60
    let seed = UInt64(environment["NABLA_FUZZ_SEED"] ?? "") ?? UInt64.random(in: 0...UInt64.max)
    let last = environment["NABLA_FUZZ_LAST"] ?? NSTemporaryDirectory() + "nabla-fuzz-last.nabla"
    print("fuzz: seed \(seed); the input running when a crash happens is left in \(last)")
    let (inputs, violations) = Self.fuzz(seed: seed, count: .max, seconds: seconds, lastInputPath: last)
    print("fuzz: \(inputs) inputs in \(seconds) s from seed \(seed), \(violations.count) violations")
    #expect(violations.isEmpty, "seed \(seed): \(violations.prefix(5).joined(separator: "\n"))")
  }
}
