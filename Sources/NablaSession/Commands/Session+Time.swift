import NablaCore
import NablaLanguage

/// Mean and standard deviation of per-call times over several runs, as `%timeit` reports.
struct Timing {
  var mean: Double
  var std: Double
  var runs: Int
  var loops: Int

  var text: String {
    let loopText = "\(loops) loop\(loops == 1 ? "" : "s")"
    if runs == 1 { return "\(formatDuration(mean)) per call (1 run, \(loopText))" }
    return "\(formatDuration(mean)) ± \(formatDuration(std)) per call (mean ± std. dev. of \(runs) runs, \(loopText) each)"
  }
}

extension Session {
  /// Times `body` like `%timeit`: enough loops that a run lasts `budget / runs`, then `runs` runs.
  /// `onRun(done, planned)` follows it: while calibrating (0 done) and after each run.
  func measure(
    runs: Int = 7, budget: Double, onRun: (Int, Int) -> Void = { _, _ in }, _ body: () throws -> Void
  ) throws -> Timing {
    var runs = runs
    var loops = 1
    let perRun = budget / Double(runs)
    // One call first: a slow function gets fewer runs, so a command never takes minutes.
    if cancellation.isCancelled { throw Cancelled() }
    let t1 = now()
    try body()
    let single = now() - t1
    if single > budget {
      runs = single > 2 ? 1 : 3
    } else {
      while true {
        if cancellation.isCancelled { throw Cancelled() }
        let t0 = now()
        for _ in 0..<loops { try body() }
        let dt = now() - t0
        onRun(0, runs)
        if dt >= perRun || loops >= 1 << 24 { break }
        loops = dt <= 0 ? loops * 10 : max(loops * 2, min(loops * 10, Int(Double(loops) * perRun / dt * 1.2) + 1))
      }
    }
    var samples: [Double] = []
    for _ in 0..<runs {
      if cancellation.isCancelled { throw Cancelled() }
      let t0 = now()
      for _ in 0..<loops { try body() }
      samples.append((now() - t0) / Double(loops))
      onRun(samples.count, runs)
    }
    let mean = samples.reduce(0, +) / Double(runs)
    let variance = samples.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(runs)
    return Timing(mean: mean, std: variance.squareRoot(), runs: runs, loops: loops)
  }

  /// `:time f(args)`: forward, forward + backward, and the numerical gradient, side by side.
  func time(_ expr: Expr, into result: inout EntryResult) throws {
    let target = try callTarget(expr, source: result.source, command: ":time")
    let constants = target.arguments.map { Variable($0) }
    let y = try target.evaluate(self, constants, warnings: &result.diagnostics)
    guard y.value.count == 1 else {
      throw Diagnostic.error(
        ":time needs a scalar output, but \(target.text) has shape \(formatShape(y.shape))", at: expr.range)
    }
    let budget = settings.timeBudget
    // Progress in runs (each lasts about budget / 7, whatever the phase): those of the
    // finished phases, then the current one's; 7 planned for each phase still to come.
    let start = now()
    let phases = ["forward", "forward + backward", "numerical gradient"]
    var finishedRuns = 0
    func report(_ phase: Int) -> (Int, Int) -> Void {
      { done, planned in
        let t = now()
        guard let onProgress = self.onProgress, t - start > 0.3 else { return }
        onProgress(
          Progress(
            label: ":time \(phases[phase]) (\(phase + 1)/\(phases.count))  run \(done)/\(planned)",
            completed: finishedRuns + done, total: finishedRuns + planned + 7 * (phases.count - 1 - phase),
            elapsed: t - start))
      }
    }
    let forward = try measure(budget: budget, onRun: report(0)) { _ = try target.evaluate(self, constants) }
    finishedRuns += forward.runs
    let backwardTiming = try measure(budget: budget, onRun: report(1)) {
      let y = try target.evaluate(self, target.leaves())
      _ = try backward(from: y)
    }
    finishedRuns += backwardTiming.runs
    let n = target.arguments.reduce(0) { $0 + $1.count }
    // 2n evaluations can take minutes (a 784×128 weight matrix: 200,704 of them). When one
    // numerical gradient would take more than 25 budgets (5 s by default), central
    // differences at a sample of coordinates, spread over the arguments, are timed instead
    // and scaled up to n: the work per coordinate is the same.
    let predicted = forward.mean * Double(2 * n)
    let sample =
      predicted > 25 * budget
      ? Swift.min(n, Swift.max(1, Int(budget / Swift.max(2 * forward.mean, 1e-12)))) : n
    let numeric: Timing
    if sample < n {
      let sampled = try measure(budget: budget, onRun: report(2)) {
        try centralDifferences(target, sample: sample, of: n)
      }
      let scale = Double(n) / Double(sample)
      numeric = Timing(mean: sampled.mean * scale, std: sampled.std * scale, runs: sampled.runs, loops: sampled.loops)
    } else {
      numeric = try measure(budget: budget, onRun: report(2)) {
        for i in target.parameters.indices {
          _ = try numericalGradient(target, at: target.arguments, parameter: i, method: .central, estimateTruncation: false)
        }
      }
    }
    let ratio = numeric.mean / backwardTiming.mean
    result.isVolatile = true
    result.print("forward             " + forward.text)
    result.print("forward + backward  " + backwardTiming.text)
    if sample < n {
      result.print(
        "numerical gradient  ≈ \(formatDuration(numeric.mean)) per call"
          + " (from \(2 * sample) of its \(2 * n) evaluations)")
      result.fields.append(("numerical_sampled_evaluations", .integer(2 * sample)))
    } else {
      result.print("numerical gradient  " + numeric.text)
    }
    func times(_ r: Double) -> String { r >= 10 ? String(Int(r.rounded())) : String(format: "%.1f", r) }
    let speed = ratio >= 1 ? "\(times(ratio))× faster" : "\(times(1 / ratio))× slower"
    result.print(
      "backprop is \(speed) than central differences (2n = \(2 * n) evaluations of \(target.displayName))")
    result.fields += [
      ("forward_s", .number(forward.mean)), ("backward_s", .number(backwardTiming.mean)),
      ("numerical_s", .number(numeric.mean)), ("speedup", .number(ratio)), ("evaluations", .integer(2 * n)),
    ]
  }

  /// Central differences (two evaluations each) at `sample` of the arguments' `total`
  /// coordinates, evenly spread: that many coordinates' share of a numerical gradient's work.
  /// Each evaluation gets its argument as a new tensor, through one evaluator, as
  /// `numericalGradient`'s do.
  private func centralDifferences(_ target: CallTarget, sample: Int, of total: Int) throws {
    var inputs = target.arguments.map { Variable($0) }
    var evaluator = makeEvaluator()
    var first = 0
    var done = 0
    for (p, argument) in target.arguments.enumerated() {
      var scalars = argument.scalars
      while done < sample, done * total / sample < first + argument.count {
        let i = done * total / sample - first
        let x = scalars[i]
        // The step does not change the time; this is central differences' usual one.
        let h = 6e-6 * Swift.max(1, Swift.abs(x))
        for shifted in [x + h, x - h] {
          if cancellation.isCancelled { throw Cancelled() }
          scalars[i] = shifted
          inputs[p] = Variable(try Tensor(shape: argument.shape, scalars: scalars))
          evaluator.forgetWarnings()
          _ = try target.evaluate(with: &evaluator, inputs)
        }
        scalars[i] = x
        done += 1
      }
      inputs[p] = Variable(argument)
      first += argument.count
    }
  }
}
