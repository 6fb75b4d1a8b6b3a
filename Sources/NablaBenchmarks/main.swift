// NablaBenchmarks: the five peer workloads of shared/bench/README.md on Nabla.
//
//     swift run -c release NablaBenchmarks [--workloads W1,W3] [--repeats N] [--target SECONDS]
//                                          [--paths api,language]   (default: both)
//
// Each workload is built from the README's deterministic inputs, checked against the
// README's reference values (relative error <= 1e-10) and only then timed, like peers.py:
// a first call (reported as first_call_s), one more warm-up call, timeit's autorange to pick
// the calls per run (each run >= --target s), then --repeats runs (at most 5 when a call
// takes over 0.5 s); the median seconds per call is reported, with min and max.
// stdout: one JSON line per (workload, path). stderr: progress and the checks.
// Exit status 1 when any check fails or a workload throws.

import Foundation
import NablaCore

struct Options {
  var workloads = ["W1", "W2", "W3", "W4", "W5"]
  var paths: [BenchPath] = [.api, .language]
  var timing = TimingOptions()
  /// Time W5's kernels one by one instead of the workloads.
  var kernels = false
}

func usage() -> Never {
  log(
    """
    usage: NablaBenchmarks [--workloads W1,W2,W3,W4,W5] [--repeats N] [--target SECONDS]
                           [--paths api,language] [--quick] [--kernels]
      --quick   smoke test: --repeats 3 --target 0.02 (as peers.py --quick)
      --kernels time W5's tensor kernels one by one (stderr) instead of the workloads
    """)
  exit(2)
}

func parseOptions(_ arguments: [String]) -> Options {
  var options = Options()
  var i = 0
  func value() -> String {
    i += 1
    guard i < arguments.count else { usage() }
    return arguments[i]
  }
  func list(_ s: String) -> [String] {
    s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
  }
  while i < arguments.count {
    let arg = arguments[i]
    var name = arg
    var inline: String? = nil
    if let eq = arg.firstIndex(of: "="), arg.hasPrefix("--") {
      name = String(arg[..<eq])
      inline = String(arg[arg.index(after: eq)...])
    }
    func next() -> String { inline ?? value() }
    switch name {
    case "--workloads": options.workloads = list(next()).map { $0.uppercased() }
    case "--repeats":
      guard let n = Int(next()), n > 0 else { usage() }
      options.timing.repeats = n
    case "--target":
      guard let t = Double(next()), t > 0 else { usage() }
      options.timing.target = t
    case "--paths":
      var paths: [BenchPath] = []
      for p in list(next()) {
        guard let path = BenchPath(rawValue: p.lowercased()) else { usage() }
        paths.append(path)
      }
      options.paths = paths
    case "--kernels": options.kernels = true
    case "--quick":
      options.timing.repeats = 3
      options.timing.target = 0.02
    case "-h", "--help": usage()
    default:
      log("unknown argument: \(arg)")
      usage()
    }
    i += 1
  }
  return options
}

/// Runs one workload on one path; returns the JSON line's fields and whether it passed.
func run(_ workload: Workload, path: BenchPath, options: Options) -> (
  fields: [(String, JSON)], ok: Bool
)? {
  guard let prepare = workload.prepare(path) else { return nil }
  var fields: [(String, JSON)] = [
    ("workload", .string(workload.id)), ("path", .string(path.rawValue)),
  ]
  do {
    log("\(workload.id) \(workload.title) [\(path.rawValue)]: preparing")
    let prepared = try prepare()

    // First call, checked against the reference values before anything is timed.
    let (outcome, first) = try timeOnce(prepared.call)
    let check = CheckResult(summary: workload.summarize(outcome), reference: workload.reference)
    for row in check.rows {
      log(
        "  check \(row.name.padding(toLength: 26, withPad: " ", startingAt: 0))"
          + " got \(g15(row.got))  ref \(g15(row.ref))  rel.err \(sci(row.relError))"
          + (row.relError <= Reference.tolerance ? "  ok" : "  MISMATCH"))
    }
    let extraOutcomeFields = workload.outcomeFields(outcome)
    for (k, v) in extraOutcomeFields { log("  \(k) = \(v.text)") }
    let checkFields: [(String, JSON)] = [
      ("max_rel_error", .number(check.maxRelError)),
      (
        "check_values",
        .object(
          check.rows.map {
            (
              $0.name,
              .object([
                ("got", .number($0.got)), ("ref", .number($0.ref)),
                ("rel_error", .number($0.relError)),
              ])
            )
          })
      ),
    ]
    guard check.ok else {
      log("  MISMATCH: not timed")
      return (fields + [("check", .string("mismatch"))] + checkFields, false)
    }

    // Secondary calls are checked before timing, too.
    var secondaryFirst: [(Outcome, Double)] = []
    for s in prepared.secondary {
      let (out, t) = try timeOnce(s.call)
      let err = s.check(outcome, out)
      log(
        "  check \(s.name): max rel. difference to the backprop gradient \(sci(err))"
          + " (tolerance \(sci(s.tolerance)))")
      guard err <= s.tolerance else {
        log("  MISMATCH in \(s.name): not timed")
        return (
          fields + [("check", .string("mismatch")), ("\(s.name)_max_rel_error", .number(err))]
            + checkFields, false
        )
      }
      secondaryFirst.append((out, t))
    }

    log("  timing (first call \(sci(first)) s)")
    _ = try prepared.call()  // second warm-up call
    let stats = try bench(prepared.call, options: options.timing)
    log(
      "  median \(sci(stats.median)) s  min \(sci(stats.min))  max \(sci(stats.max))"
        + "  \(stats.callsPerRun) x \(stats.runs)  cpu/wall \(fixed(stats.cpuPerWall, 2))"
        + "  faults/call \(fixed(stats.minorFaultsPerCall, 1))")
    fields += [
      ("median_s", .number(stats.median)), ("min_s", .number(stats.min)),
      ("max_s", .number(stats.max)),
      ("calls_per_run", .int(stats.callsPerRun)), ("runs", .int(stats.runs)),
    ]
    var extra: [(String, JSON)] = [
      ("first_call_s", .number(first)), ("cpu_per_wall", .number(stats.cpuPerWall)),
      ("minflt_per_call", .number(stats.minorFaultsPerCall)),
    ]
    if let ops = workload.ops {
      extra.append(("per_op_us", .number(stats.median / Double(ops) * 1e6)))
    }
    extra += extraOutcomeFields

    for (s, (out, t)) in zip(prepared.secondary, secondaryFirst) {
      log("  timing \(s.name) (first call \(sci(t)) s)")
      _ = try s.call()
      let st = try bench(s.call, options: options.timing)
      log(
        "  \(s.name) median \(sci(st.median)) s  min \(sci(st.min))  max \(sci(st.max))"
          + "  \(st.callsPerRun) x \(st.runs)")
      extra += [
        ("\(s.name)_median_s", .number(st.median)), ("\(s.name)_min_s", .number(st.min)),
        ("\(s.name)_max_s", .number(st.max)), ("\(s.name)_calls_per_run", .int(st.callsPerRun)),
        ("\(s.name)_runs", .int(st.runs)), ("\(s.name)_first_call_s", .number(t)),
        ("\(s.name)_max_rel_error", .number(s.check(outcome, out))),
        ("ratio_\(s.name)_over_backprop", .number(st.median / stats.median)),
      ]
    }

    let more = try prepared.extras()
    for (k, v) in more { log("  \(k) = \(v.text)") }
    extra += more
    let peak = ResourceUsage.now().peakRSSBytes
    fields += [("peak_rss_bytes", .int(peak)), ("check", .string("ok"))] + checkFields + extra
    return (fields, true)
  } catch {
    log("  ERROR: \(error)")
    return (fields + [("check", .string("error")), ("error", .string("\(error)"))], false)
  }
}

let options = parseOptions(Array(CommandLine.arguments.dropFirst()))
if options.kernels {
  do {
    log("NablaBenchmarks --kernels: W5's kernels at 512x512, median of \(options.timing.repeats) runs")
    try KernelTimings.run(options: options.timing)
    exit(0)
  } catch {
    log("ERROR: \(error)")
    exit(1)
  }
}
let known = Dictionary(uniqueKeysWithValues: Workloads.all.map { ($0.id, $0) })
for id in options.workloads where known[id] == nil {
  log("unknown workload \(id) (known: \(Workloads.all.map(\.id).joined(separator: ",")))")
  exit(2)
}
log(
  "NablaBenchmarks: \(options.workloads.joined(separator: ","))"
    + " on \(options.paths.map(\.rawValue).joined(separator: ","))"
    + "; median of \(options.timing.repeats) runs, each >= \(options.timing.target) s"
    + "; peak_rss_bytes is the process peak so far (ru_maxrss)")
var allOK = true
var ranAny = false
for id in options.workloads {
  for path in options.paths {
    guard let (fields, ok) = run(known[id]!, path: path, options: options) else {
      log("\(id) [\(path.rawValue)]: path not implemented yet, skipped")
      continue
    }
    ranAny = true
    allOK = allOK && ok
    FileHandle.standardOutput.write(Data((JSON.object(fields).text + "\n").utf8))
  }
}
if !ranAny { log("nothing ran") }
exit(allOK && ranAny ? 0 : 1)
