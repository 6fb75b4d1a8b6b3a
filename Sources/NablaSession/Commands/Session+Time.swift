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
  /// How one measurement of `:time` will run: `runs` runs of `loops` calls each, and the
  /// seconds per call seen while finding `loops`.
  struct TimingPlan {
    var runs: Int
    var loops: Int
    var perCall: Double
  }

  /// Finds how many calls of `body` make a run last `budget / runs`, like `%timeit`: one call
  /// first (a slow function gets fewer runs, so a command never takes minutes), then more
  /// calls until one batch lasts long enough. `onStep` follows each batch.
  func calibrate(runs: Int = 7, budget: Double, onStep: () -> Void = {}, _ body: () throws -> Void)
    throws -> TimingPlan
  {
    if cancellation.isCancelled { throw Cancelled() }
    let t1 = now()
    try body()
    let single = now() - t1
    if single > budget { return TimingPlan(runs: single > 2 ? 1 : 3, loops: 1, perCall: single) }
    let perRun = budget / Double(runs)
    var loops = 1
    while true {
      if cancellation.isCancelled { throw Cancelled() }
      let t0 = now()
      for _ in 0..<loops { try body() }
      let dt = now() - t0
      onStep()
      if dt >= perRun || loops >= 1 << 24 {
        return TimingPlan(runs: runs, loops: loops, perCall: dt / Double(loops))
      }
      loops = dt <= 0 ? loops * 10 : max(loops * 2, min(loops * 10, Int(Double(loops) * perRun / dt * 1.2) + 1))
    }
  }

  /// Does the runs of several measurements in turn (a run of the first, of the second, …,
  /// then the next round), and gives each its mean and standard deviation per call. On a
  /// shared machine whose speed drifts, measurements made one after the other can see it in
  /// different states and their ratio move by 2×; taken in turn, they see the same states.
  /// `onRound(done, rounds)` follows each round.
  func measureInTurn(
    _ plans: [TimingPlan], _ bodies: [() throws -> Void], onRound: (Int, Int) -> Void = { _, _ in }
  ) throws -> [Timing] {
    var samples = Array(repeating: [Double](), count: plans.count)
    let rounds = plans.map(\.runs).max() ?? 0
    for round in 0..<rounds {
      // A measurement with fewer runs than there are rounds (a slow one) has them spread
      // evenly over the rounds, the last in the last round.
      for (i, plan) in plans.enumerated()
      where (round + 1) * plan.runs / rounds > round * plan.runs / rounds {
        if cancellation.isCancelled { throw Cancelled() }
        let t0 = now()
        for _ in 0..<plan.loops { try bodies[i]() }
        samples[i].append((now() - t0) / Double(plan.loops))
      }
      onRound(round + 1, rounds)
    }
    return zip(plans, samples).map { plan, samples in
      let mean = samples.reduce(0, +) / Double(samples.count)
      let variance = samples.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(samples.count)
      return Timing(mean: mean, std: variance.squareRoot(), runs: plan.runs, loops: plan.loops)
    }
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
    // Progress: the three calibrations (each counted as one step), then the rounds of runs.
    let start = now()
    let phases = ["forward", "forward + backward", "numerical gradient"]
    func report(_ label: String, _ completed: Int, _ total: Int) {
      let t = now()
      guard let onProgress, t - start > 0.3 else { return }
      onProgress(Progress(label: ":time \(label)", completed: completed, total: total, elapsed: t - start))
    }
    let forwardBody = { () throws -> Void in _ = try target.evaluate(self, constants) }
    let backwardBody = { () throws -> Void in
      let y = try target.evaluate(self, target.leaves())
      _ = try backward(from: y)
    }
    var plans: [TimingPlan] = []
    func calibrated(_ phase: Int, _ body: () throws -> Void) throws -> TimingPlan {
      try calibrate(budget: budget, onStep: { report("calibrating \(phases[phase])", phase, 3 + 7) }, body)
    }
    plans.append(try calibrated(0, forwardBody))
    plans.append(try calibrated(1, backwardBody))
    let n = target.arguments.reduce(0) { $0 + $1.count }
    // 2n evaluations can take minutes (a 784×128 weight matrix: 200,704 of them). When one
    // numerical gradient would take more than 25 budgets (5 s by default), central
    // differences at a sample of coordinates, spread over the arguments, are timed instead
    // and scaled up to n: the work per coordinate is the same.
    let predicted = plans[0].perCall * Double(2 * n)
    let sample =
      predicted > 25 * budget
      ? Swift.min(n, Swift.max(1, Int(budget / Swift.max(2 * plans[0].perCall, 1e-12)))) : n
    let numericBody: () throws -> Void =
      sample < n
      ? { try self.centralDifferences(target, sample: sample, of: n) }
      : {
        for i in target.parameters.indices {
          _ = try self.numericalGradient(
            target, at: target.arguments, parameter: i, method: .central, estimateTruncation: false)
        }
      }
    plans.append(try calibrated(2, numericBody))
    let timings = try measureInTurn(plans, [forwardBody, backwardBody, numericBody]) { done, rounds in
      report("run \(done)/\(rounds) of each", 3 + done, 3 + rounds)
    }
    let forward = timings[0]
    let backwardTiming = timings[1]
    var numeric = timings[2]
    if sample < n {
      let scale = Double(n) / Double(sample)
      numeric.mean *= scale
      numeric.std *= scale
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
