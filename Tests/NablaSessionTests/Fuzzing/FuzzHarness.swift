// The fuzz target's body, shared by the fixed-seed pass in `make test` (FuzzTests.swift) and
// the libFuzzer binary `scripts/fuzz` builds (Fuzz/FuzzEntry.swift). Public API only, no
// Testing import, so that it compiles outside the test target too.

import NablaCore
import NablaLanguage
import NablaSession
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Runs one input through the whole entry pipeline: the session-file splitter, then each
/// entry through parse → evaluate → commands, then `:grad`, `:check` and `:diff` on every
/// function the input defined. A crash is a finding; so is a broken invariant:
///
/// - an entry that fails leaves the session exactly as it was (tensors, functions, history);
/// - every diagnostic has a message and a range inside its entry, and renders;
/// - an expression that parses prints back as text that parses to the same tree;
/// - an entry's output verifies against itself, and its JSON object encodes.
///
/// Commands that touch files (`:save`, `:load`, `:recover`, `:dot`) are skipped, and the
/// limits are kept small, so that an input cannot write files or take the machine.
enum FuzzHarness {
  /// A broken invariant: the entry, and what went wrong.
  struct Violation: Error, CustomStringConvertible {
    var entry: String
    var message: String
    var description: String { "\(message)\n  entry: \(entry.debugDescription)" }
  }

  /// The most entries of one input that run.
  static let maximumEntries = 24
  /// Seconds a long command (`:check … over`, `:time`) may run before it is interrupted.
  static let commandBudget = 0.25

  /// Small limits: a finding should take milliseconds to reproduce, not gigabytes.
  static var limits: Limits {
    var limits = Limits()
    limits.maximumElements = 20_000
    limits.maximumNodes = 20_000
    limits.maximumSymbolicSize = 2_000
    limits.maximumEntryLength = 20_000
    limits.maximumNesting = Parser.defaultNestingLimit
    return limits
  }

  /// A session set up for fuzzing: small limits, few trials, short timings, and commands
  /// interrupted once they run longer than `commandBudget`.
  static func makeSession() -> Session {
    let session = Session()
    clamp(session)
    session.onProgress = { [unowned session] progress in
      if progress.elapsed > commandBudget { session.cancellation.cancel() }
    }
    return session
  }

  /// Puts back the fuzzing settings an entry may have changed with `:set`.
  static func clamp(_ session: Session) {
    session.settings.limits = limits
    session.settings.trials = min(session.settings.trials, 20)
    session.settings.timeBudget = 0.002
    session.settings.format.threshold = min(session.settings.format.threshold, 1000)
  }

  /// Runs the input (bytes decoded as UTF-8, invalid sequences replaced); returns how many
  /// entries ran, or throws the first broken invariant.
  @discardableResult
  static func run(_ bytes: [UInt8]) throws(Violation) -> Int {
    try run(String(decoding: bytes, as: UTF8.self))
  }

  @discardableResult
  static func run(_ text: String) throws(Violation) -> Int {
    let session = makeSession()
    let file = SessionFile(parsing: text)
    var count = 0
    for entry in file.entries.prefix(maximumEntries) {
      guard isSafe(entry.text) else { continue }
      try runChecked(session, entry.text, line: entry.line)
      count += 1
    }
    // What was defined, differentiated three ways.
    for name in session.functions.keys.sorted().prefix(4) {
      guard let f = session.functions[name], f.parameters.count <= 3 else { continue }
      let scalars = f.parameters.map { _ in "0.7" }.joined(separator: ", ")
      var probes = [":grad \(name)(\(scalars))", ":check \(name)(\(scalars))", ":diff \(name)"]
      if f.parameters.count == 1, let t = session.tensors.keys.sorted().first {
        probes.append(":grad \(name)(\(t))")
      }
      for probe in probes {
        try runChecked(session, probe, line: 1)
        count += 1
      }
    }
    return count
  }

  /// Whether an entry can run without touching files.
  static func isSafe(_ text: String) -> Bool {
    guard let entry = try? Parser.parseEntry(text), case .command(let command) = entry else { return true }
    switch command {
    case .save, .load, .recover, .dot: return false
    default: return true
    }
  }

  /// Runs one entry and checks the invariants.
  static func runChecked(_ session: Session, _ text: String, line: Int) throws(Violation) {
    let before = Snapshot(session)
    Watchdog.shared.watch(session.cancellation, for: commandBudget * 4)
    let result = session.run(text, fileName: "fuzz.nabla", line: line)
    Watchdog.shared.watch(nil, for: 0)
    clamp(session)
    func fail(_ message: String) -> Violation { Violation(entry: text, message: message) }

    if !result.succeeded {
      let after = Snapshot(session)
      if after != before { throw fail("a failed entry changed the session: \(before.difference(from: after))") }
    }
    let length = text.utf8.count
    for diagnostic in result.diagnostics {
      if diagnostic.message.isEmpty { throw fail("a diagnostic without a message") }
      let range = diagnostic.range
      if range.isKnown && !(0 <= range.start && range.start <= range.end && range.end <= length) {
        throw fail("diagnostic '\(diagnostic.message)' has range \(range.start)..<\(range.end) outside the entry (\(length) bytes)")
      }
      _ = DiagnosticRenderer.render(diagnostic, in: result.source, color: true)
    }
    _ = result.text()
    _ = ScriptRunner.jsonObject(result, line: line).encoded()
    if !Verifier.matches(result.output, result.output, tolerance: 0, volatile: false) {
      throw fail("the output does not verify against itself: \(result.output)")
    }
    if result.succeeded, let entry = try? Parser.parseEntry(text), case .expression(let expr) = entry {
      let printed = expr.description
      guard let reparsed = try? Parser.parseExpression(printed) else {
        throw fail("the expression prints as \(printed.debugDescription), which does not parse")
      }
      if reparsed != expr { throw fail("the expression prints as \(printed.debugDescription), which parses differently") }
    }
  }

  /// What an entry that fails must leave unchanged.
  struct Snapshot: Equatable {
    var tensors: [String: [UInt64]]
    var shapes: [String: [Int]]
    var functions: [String: String]
    var history: Int

    init(_ session: Session) {
      tensors = session.tensors.mapValues { $0.scalars.map(\.bitPattern) }
      shapes = session.tensors.mapValues(\.shape)
      functions = session.functions.mapValues(\.definition.description)
      history = session.history.count
    }

    func difference(from other: Snapshot) -> String {
      var parts: [String] = []
      for name in Set(tensors.keys).union(other.tensors.keys).sorted()
      where tensors[name] != other.tensors[name] || shapes[name] != other.shapes[name] {
        parts.append("tensor \(name)")
      }
      for name in Set(functions.keys).union(other.functions.keys).sorted() where functions[name] != other.functions[name] {
        parts.append("function \(name)")
      }
      if history != other.history { parts.append("history \(history) → \(other.history)") }
      return parts.joined(separator: ", ")
    }
  }
}

/// Interrupts an entry that runs too long, as Ctrl-C would: a thread that sets the running
/// entry's cancellation flag once its time is up (commands that do not poll the flag, and
/// entries that are slow without being long-running commands, are left to libFuzzer's
/// `-timeout`).
final class Watchdog: Sendable {
  static let shared = Watchdog()

  private let state = Mutex<(cancellation: Cancellation?, deadline: Double)>((nil, 0))

  private init() {
    var thread = pthread_t()
    let box = Unmanaged.passRetained(self).toOpaque()
    pthread_create(&thread, nil, { argument in
      let watchdog = Unmanaged<Watchdog>.fromOpaque(argument!).takeUnretainedValue()
      while true {
        usleep(20_000)
        watchdog.tick()
      }
    }, box)
    pthread_detach(thread)
  }

  /// Watches `cancellation` for `seconds` from now (nil: nothing).
  func watch(_ cancellation: Cancellation?, for seconds: Double) {
    let deadline = Watchdog.now() + seconds
    state.withLock { $0 = (cancellation, deadline) }
  }

  private func tick() {
    let now = Watchdog.now()
    state.withLock { state in
      if let c = state.cancellation, now > state.deadline {
        c.cancel()
        state.cancellation = nil
      }
    }
  }

  static func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
  }
}
