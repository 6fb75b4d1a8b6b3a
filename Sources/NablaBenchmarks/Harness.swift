import Foundation
import NablaCore
import NablaSession

#if canImport(Glibc)
  import Glibc
#endif

// MARK: - Workloads, paths, prepared calls

/// How a workload is expressed. `api`: the NablaCore Swift API (`Variable` ops,
/// `valueWithGradient`). `language`: entries of the Nabla language, parsed once and evaluated
/// and differentiated as the session's `:grad` does (see `LanguagePath.swift`).
enum BenchPath: String, CaseIterable {
  case api, language
}

/// What a timed call returns: the value first, then the gradients (W4: the sum of the
/// gradients and the largest |autodiff − central difference|). Every path returns the same
/// tensors, so the checks are shared.
typealias Outcome = [Tensor]

/// A workload made ready on one path: the inputs are built, only the call remains.
struct Prepared {
  /// The timed call: one value + gradient (W4: all 1000 checks).
  var call: () throws -> Outcome
  /// Further timed calls reported in the same JSON line (W1: the numeric gradient).
  var secondary: [Secondary] = []
  /// Measurements made once after timing (W3: graph memory). Keys become JSON fields.
  var extras: () throws -> [(String, JSON)] = { [] }
}

/// An additional timed call, checked against the primary call's outcome.
struct Secondary {
  /// The JSON field prefix, e.g. "numeric" gives "numeric_median_s".
  var name: String
  var call: () throws -> Outcome
  /// The error against the primary outcome, and the tolerance it must stay within.
  var check: (_ primary: Outcome, _ secondary: Outcome) -> Double
  var tolerance: Double
}

/// One row of the benchmark: its reference values, how an outcome is summarised for the
/// check, and how to prepare it on each path (nil: not available on that path yet).
struct Workload {
  var id: String
  var title: String
  /// Scalar operations per call, for the per-op time (W3 only).
  var ops: Int? = nil
  var reference: [(String, Double)]
  /// The checked quantities, in the order of `reference`.
  var summarize: (Outcome) -> [Double]
  /// JSON fields computed from the first outcome (e.g. W4's max difference).
  var outcomeFields: (Outcome) -> [(String, JSON)] = { _ in [] }
  var prepare: (BenchPath) -> (() throws -> Prepared)?
}

// MARK: - Timing (mirrors peers.py: timeit autorange, then `repeats` runs, median)

/// Timing settings from the command line.
struct TimingOptions {
  var repeats = 7
  /// Minimum seconds per timed run.
  var target = 0.2
}

struct Stats {
  var median: Double
  var min: Double
  var max: Double
  var callsPerRun: Int
  var runs: Int
  /// Process CPU time / wall time while timing (> 1: more than one core busy).
  var cpuPerWall: Double
  /// Minor page faults per call (fresh pages from the OS).
  var minorFaultsPerCall: Double
}

func seconds(_ d: Duration) -> Double {
  let c = d.components
  return Double(c.seconds) + Double(c.attoseconds) * 1e-18
}

/// Times `number` back-to-back calls; returns total wall seconds. Each result is released
/// before the next call starts, as when Python drops the value timeit ignores.
func timeCalls(_ number: Int, _ call: () throws -> Outcome) throws -> Double {
  let clock = ContinuousClock()
  var last: Outcome = []
  let start = clock.now
  for _ in 0..<number { last = try call() }
  let elapsed = clock.now - start
  withExtendedLifetime(last) {}
  return seconds(elapsed)
}

/// `timeit.Timer.autorange()`: 1, 2, 5, 10, 20, 50, … calls until one batch takes ≥ 0.2 s.
func autorange(_ call: () throws -> Outcome) throws -> (number: Int, total: Double) {
  var i = 1
  while true {
    for j in [1, 2, 5] {
      let number = i * j
      let t = try timeCalls(number, call)
      if t >= 0.2 { return (number, t) }
    }
    i *= 10
  }
}

/// peers.py's `bench`: calibrate with autorange, pick calls per run so one run lasts at least
/// `target`, do `repeats` runs (at most 5 for calls over 0.5 s), report seconds per call.
func bench(_ call: () throws -> Outcome, options: TimingOptions) throws -> Stats {
  let (calibration, total) = try autorange(call)
  let per = total / Double(calibration)
  let repeats = per <= 0.5 ? options.repeats : Swift.min(options.repeats, 5)
  let number = per >= options.target ? 1 : Swift.max(1, Int((options.target / per).rounded(.up)))
  let before = ResourceUsage.now()
  let clock = ContinuousClock()
  let wallStart = clock.now
  var runs: [Double] = []
  for _ in 0..<repeats { runs.append(try timeCalls(number, call) / Double(number)) }
  let wall = seconds(clock.now - wallStart)
  let after = ResourceUsage.now()
  return Stats(
    median: median(runs), min: runs.min() ?? .nan, max: runs.max() ?? .nan,
    callsPerRun: number, runs: repeats,
    cpuPerWall: (after.cpuSeconds - before.cpuSeconds) / wall,
    minorFaultsPerCall: Double(after.minorFaults - before.minorFaults) / Double(number * repeats))
}

/// Python's `statistics.median` (mean of the middle two for an even count).
func median(_ xs: [Double]) -> Double {
  let s = xs.sorted()
  guard !s.isEmpty else { return .nan }
  return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// Times one call on its own (the first call, untimed in the table).
func timeOnce(_ call: () throws -> Outcome) throws -> (Outcome, Double) {
  let clock = ContinuousClock()
  let start = clock.now
  let out = try call()
  return (out, seconds(clock.now - start))
}

// MARK: - Process resources

struct ResourceUsage {
  var cpuSeconds: Double
  var minorFaults: Int
  /// Peak resident set size of the whole process so far (ru_maxrss, KiB on Linux), in bytes.
  var peakRSSBytes: Int

  static func now() -> ResourceUsage {
    var u = rusage()
    _ = getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
    let cpu =
      Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) * 1e-6
      + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) * 1e-6
    return ResourceUsage(
      cpuSeconds: cpu, minorFaults: Int(u.ru_minflt), peakRSSBytes: Int(u.ru_maxrss) * 1024)
  }
}

/// Bytes currently allocated through malloc: glibc's `mallinfo2().uordblks` (all arenas),
/// or nil where it cannot be called.
///
/// `malloc.h` is not part of Swift's Glibc module, so `mallinfo2` is looked up with `dlsym`.
/// It returns an 80-byte struct (ten `size_t`s); under the x86-64 System V ABI such a result is
/// written through a hidden pointer passed as the first integer argument, so calling it as
/// `(void *) -> void *` with a buffer is the same call. Other architectures: nil.
func mallocInUseBytes() -> Int? {
  #if canImport(Glibc) && arch(x86_64)
    typealias MallInfo2 = @convention(c) (UnsafeMutableRawPointer) -> UnsafeMutableRawPointer?
    guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "mallinfo2") else {
      return nil
    }
    let mallinfo2 = unsafeBitCast(symbol, to: MallInfo2.self)
    // struct mallinfo2 { arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks,
    //                    fordblks, keepcost }, all size_t
    var fields = [Int](repeating: 0, count: 10)
    fields.withUnsafeMutableBytes { _ = mallinfo2($0.baseAddress!) }
    // uordblks counts bytes in use in the arenas; hblkhd, bytes in mmapped chunks.
    return fields[7] + fields[4]
  #else
    return nil
  #endif
}

// MARK: - Checks

/// The result of checking one outcome against the reference values.
struct CheckResult {
  var rows: [(name: String, got: Double, ref: Double, relError: Double)]
  var maxRelError: Double { rows.map(\.relError).max() ?? 0 }
  var ok: Bool { rows.allSatisfy { $0.relError <= Reference.tolerance } }

  init(summary: [Double], reference: [(String, Double)]) {
    rows = zip(summary, reference).map { got, r in
      let err = Swift.abs(got - r.1) / Swift.abs(r.1)
      return (r.0, got, r.1, err.isNaN ? .infinity : err)
    }
    if summary.count != reference.count {
      rows.append(("count", Double(summary.count), Double(reference.count), .infinity))
    }
  }
}

/// max |got − ref| / max |ref| over two tensors of the same shape (peers.py's measure).
func maxRelativeDifference(_ got: Tensor, _ ref: Tensor) -> Double {
  guard got.shape == ref.shape else { return .infinity }
  let scale = Swift.max(ref.scalars.map { Swift.abs($0) }.max() ?? 0, 1e-300)
  var worst = 0.0
  for (a, b) in zip(got.scalars, ref.scalars) { worst = Swift.max(worst, Swift.abs(a - b)) }
  return worst / scale
}

// MARK: - JSON output

/// Just enough JSON for one line per workload, with keys in insertion order.
indirect enum JSON {
  case number(Double)
  case int(Int)
  case string(String)
  case object([(String, JSON)])

  var text: String {
    switch self {
    case .number(let x): return x.isFinite ? "\(x)" : "null"
    case .int(let n): return "\(n)"
    case .string(let s): return JSON.quote(s)
    case .object(let fields):
      return "{" + fields.map { JSON.quote($0.0) + ":" + $0.1.text }.joined(separator: ",") + "}"
    }
  }

  static func quote(_ s: String) -> String { JSONValue.quoted(s) }
}

/// Progress and human-readable results go to stderr; stdout carries only the JSON lines.
func log(_ message: String) {
  FileHandle.standardError.write(Data((message + "\n").utf8))
}

func sci(_ x: Double) -> String { String(format: "%.3e", x) }
func g15(_ x: Double) -> String { String(format: "%.15g", x) }
func fixed(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }
