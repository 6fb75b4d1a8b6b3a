import NablaCore
import NablaLanguage

#if canImport(Glibc)
  import Glibc
#endif

/// Seconds on a monotonic clock.
func now() -> Double {
  var ts = timespec()
  clock_gettime(CLOCK_MONOTONIC, &ts)
  return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// `0.012 s`, `3.4 ms`, `12.1 µs`: a duration with three significant digits.
func formatDuration(_ seconds: Double) -> String {
  func three(_ x: Double) -> String {
    x >= 100 ? String(Int(x.rounded())) : x >= 10 ? trimmed(x, 1) : trimmed(x, 2)
  }
  func trimmed(_ x: Double, _ digits: Int) -> String {
    var s = String(format: "%.\(digits)f", x)
    if s.contains(".") {
      while s.hasSuffix("0") { s.removeLast() }
      if s.hasSuffix(".") { s.removeLast() }
    }
    return s
  }
  if seconds >= 1 { return three(seconds) + " s" }
  if seconds >= 1e-3 { return three(seconds * 1e3) + " ms" }
  if seconds >= 1e-6 { return three(seconds * 1e6) + " µs" }
  return three(seconds * 1e9) + " ns"
}

/// A short error figure: `2.1e-10`, `0`.
func formatError(_ x: Double) -> String {
  if x == 0 { return "0" }
  if x.isNaN { return "nan" }
  if x.isInfinite { return x > 0 ? "inf" : "-inf" }
  return String(format: "%.2g", x)
}

extension Session {
  /// The numerical gradient of the target with respect to argument `i`, evaluating the
  /// function on constants (no graph is recorded).
  func numericalGradient(
    _ target: CallTarget, at arguments: [Tensor], parameter i: Int, method: DifferenceMethod,
    estimateTruncation: Bool = true
  ) throws -> NumericalGradient {
    var inputs = arguments.map { Variable($0) }
    // At a point of numbers, the function runs on numbers where its body allows it, with an
    // evaluator the closure only reads (so it is not copied per call).
    var numbers = arguments.allSatisfy({ $0.shape.isEmpty }) && !target.isInline
      ? arguments.map { $0.scalar! } : nil
    let numberEvaluator = makeEvaluator()
    // Otherwise one evaluator for all the evaluations, made when first needed; their
    // warnings are not shown.
    var evaluator: Evaluator? = nil
    return try NumericalDifferentiation.gradient(
      of: { x in
        // A large argument takes many evaluations: Ctrl-C must be able to stop them.
        if self.cancellation.isCancelled { throw Cancelled() }
        if numbers != nil, let xi = x.scalar {
          numbers![i] = xi
          if let y = try numberEvaluator.valueOnNumbers(of: target.function, at: numbers!) {
            return y
          }
        }
        inputs[i] = Variable(x)
        if evaluator == nil { evaluator = self.makeEvaluator() }
        evaluator!.forgetWarnings()
        let y = try target.evaluate(with: &evaluator!, inputs).value
        guard let s = y.scalar else {
          throw Diagnostic.error(
            ":check needs a scalar output, got shape \(formatShape(y.shape))", at: target.range)
        }
        return s
      }, at: arguments[i], method: method, estimateTruncation: estimateTruncation)
  }

  /// `:check f(args) [tol T]`: autodiff, Richardson-extrapolated differences and the symbolic
  /// derivative side by side at one point, with the pairwise errors.
  func checkAtPoint(_ expr: Expr, tolerance: Double?, into result: inout EntryResult) throws {
    let target = try callTarget(expr, source: result.source, command: ":check")
    let leaves = target.leaves()
    let y = try target.evaluate(self, leaves, warnings: &result.diagnostics)
    guard y.value.count == 1 else {
      return try checkJacobianAtPoint(
        target, value: y.value, tolerance: tolerance, at: expr.range, into: &result)
    }
    let gradients = try backward(from: y)
    noteNonFiniteGradients(target, gradients, leaves, at: expr.range, into: &result)
    let atol = tolerance ?? settings.tolerance
    let rtol = settings.relativeTolerance
    let symbolic = symbolicColumn(for: target)
    let reading = evaluate(symbolic, at: target.arguments)
    let near = SymbolicColumn.near(reading.singularities, scale: largestMagnitude(target.arguments))
    // Exactly at a singularity (log at 0), a nan on one side is what "no derivative" means.
    let atSingularity = !SymbolicColumn.at(
      reading.singularities, scale: largestMagnitude(target.arguments)
    ).isEmpty
    var allPassed = true
    // Whether every disagreement is at or near a point where the derivative does not exist.
    var explained = true
    var fields: [(String, JSONValue)] = []
    var maxAbs = 0.0
    var maxRel = 0.0
    var maxSymbolic = 0.0
    var maxSymbolicRel = 0.0
    var maxNumericalSymbolic = 0.0
    result.print("\(target.text) = \(formatScalar(y.value.scalar!))")
    for (i, parameter) in target.parameters.enumerated() {
      let analytic = gradients[leaves[i]].value
      let numerical = try numericalGradient(
        target, at: target.arguments, parameter: i, method: .richardson)
      let check = NumericalDifferentiation.checkGradient(
        analytic: analytic, numerical: numerical, absoluteTolerance: atol, relativeTolerance: rtol)
      let comparison = reading.gradients.flatMap {
        SymbolicComparison(
          autodiff: analytic, numerical: numerical, symbolic: $0[i], worstIndex: check.worstIndex,
          atol: atol, rtol: rtol)
      }
      let symbolicShapeWrong = reading.gradients != nil && comparison == nil
      let passed = check.passed && (comparison?.passed ?? !symbolicShapeWrong)
      allPassed = allPassed && passed
      // Out of the function's domain (nan) is not explained by a singularity nearby.
      let unexplainedNaN = check.nanCount > 0 && !atSingularity
      if !passed && (near.isEmpty || unexplainedNaN) { explained = false }
      // A nan on either side is the worst error there is.
      let absError = check.nanCount > 0 ? Double.nan : check.maxAbsoluteError
      let relError = check.nanCount > 0 ? Double.nan : check.maxRelativeError
      maxAbs = absError.isNaN || maxAbs.isNaN ? .nan : max(maxAbs, absError)
      maxRel = relError.isNaN || maxRel.isNaN ? .nan : max(maxRel, relError)
      if let c = comparison {
        maxSymbolic =
          c.maxAbsoluteError.isNaN || maxSymbolic.isNaN
          ? .nan : max(maxSymbolic, c.maxAbsoluteError)
        maxSymbolicRel =
          c.maxRelativeError.isNaN || maxSymbolicRel.isNaN
          ? .nan : max(maxSymbolicRel, c.maxRelativeError)
        maxNumericalSymbolic =
          c.maxNumericalError.isNaN || maxNumericalSymbolic.isNaN
          ? .nan : max(maxNumericalSymbolic, c.maxNumericalError)
      }
      let verdict =
        passed
        ? "✓" : near.isEmpty || unexplainedNaN ? "✗ FAILED" : "✗ not differentiable here"
      // One line per method, then the pairwise errors: a three-way comparison reads down.
      let label = target.derivativeLabel(parameter)
      let estimate = "(numerical error ≈ \(formatError(check.numericalErrorEstimate)))"
      if analytic.rank == 0 {
        let indent = String(repeating: " ", count: label.count + 2)
        result.print(label + "  autodiff   \(formatScalar(check.worstAnalytic))")
        result.print(indent + "numerical  \(formatScalar(check.worstNumerical))  (estimated error \(formatError(check.numericalErrorEstimate)))")
        result.print(indent + "symbolic   \(comparison.map { formatScalar($0.worstSymbolic) } ?? "n/a")")
        var line = indent + "|auto−num| \(formatError(absError))  rel \(formatError(relError))"
        if let c = comparison {
          line += "  |auto−sym| \(formatError(c.maxAbsoluteError))  |num−sym| \(formatError(c.maxNumericalError))"
        }
        result.print(line + "  " + verdict)
      } else {
        let head = label + " \(formatShape(analytic.shape))"
        let first =
          head + "  max |auto−num| \(formatError(absError)) at \(check.worstIndex)"
          + "  max rel \(formatError(relError))  " + estimate
        if let c = comparison {
          result.print(first)
          result.print(
            String(repeating: " ", count: head.count + 2)
              + "max |auto−sym| \(formatError(c.maxAbsoluteError))  max |num−sym| \(formatError(c.maxNumericalError))  "
              + verdict)
        } else {
          result.print(first + "  " + verdict)
        }
      }
      if symbolicShapeWrong, let g = reading.gradients?[i] {
        result.print(
          "  the symbolic gradient has shape \(formatShape(g.shape)), not \(formatShape(analytic.shape))"
        )
      }
      if check.nanCount > 0 && analytic.rank > 0 {
        result.print("  \(check.nanCount) of \(check.count) elements are nan on one side")
      }
      fields.append(
        (
          parameter,
          .object([
            ("passed", .bool(check.passed)), ("max_abs_error", .number(absError)),
            ("max_rel_error", .number(relError)),
            ("numerical_error_estimate", .number(check.numericalErrorEstimate)),
            ("max_abs_error_symbolic", comparison.map { .number($0.maxAbsoluteError) } ?? .null),
            ("max_rel_error_symbolic", comparison.map { .number($0.maxRelativeError) } ?? .null),
            (
              "max_abs_error_numerical_symbolic",
              comparison.map { .number($0.maxNumericalError) } ?? .null
            ),
          ])
        ))
    }
    if let why = reading.error {
      result.print("symbolic: not available (\(why))")
    }
    let tolerances = "(tol \(formatError(atol)), rtol \(formatError(rtol)))"
    if allPassed {
      result.print("passed \(tolerances)")
      let at = SymbolicColumn.at(reading.singularities, scale: largestMagnitude(target.arguments))
      if !at.isEmpty {
        result.print(
          "note: the point is at \(SymbolicColumn.describe(at)), where the derivative does not exist; the three agree on the value used there"
        )
      }
    } else if explained {
      result.print(
        "not differentiable here: the point is at or near \(SymbolicColumn.describe(near)), where the methods may disagree \(tolerances)"
      )
    } else {
      result.print("FAILED \(tolerances)")
    }
    let available = reading.gradients != nil
    result.fields += [
      ("trials", .integer(1)), ("passed", .integer(allPassed ? 1 : 0)),
      ("max_abs_error", .number(maxAbs)), ("max_rel_error", .number(maxRel)),
      ("max_abs_error_symbolic", available ? .number(maxSymbolic) : .null),
      ("max_rel_error_symbolic", available ? .number(maxSymbolicRel) : .null),
      ("max_abs_error_numerical_symbolic", available ? .number(maxNumericalSymbolic) : .null),
      ("not_differentiable", .bool(!allPassed && explained)),
      ("singularities", .array(near.map { .string($0.description) })),
      ("arguments", .object(fields)),
    ]
  }

  /// The largest |element| among the arguments (the scale of "near" a singularity).
  private func largestMagnitude(_ arguments: [Tensor]) -> Double {
    arguments.lazy.flatMap(\.scalars).filter(\.isFinite).map { Swift.abs($0) }.max() ?? 0
  }

  /// For an error in a trial of `name`: the parameters drawn as numbers (no shape after
  /// their interval) may be tensors the function wanted. A hint with the shape of the
  /// session tensor of that name if there is one, and the interval as typed; nil when every
  /// parameter has a shape.
  func shapeHint(_ name: String, _ domains: [Command.ParameterDomain], source: SourceText)
    -> String?
  {
    let unshaped = domains.filter { $0.shape == nil }
    guard let first = unshaped.first else { return nil }
    let names = unshaped.map { "'\($0.parameter.value)'" }.joined(separator: ", ")
    var shape = tensors[first.parameter.value]?.shape ?? []
    if shape.isEmpty { shape = [3] }
    let shapeText =
      shape.count == 1 ? "(\(shape[0]),)" : "(\(shape.map(String.init).joined(separator: ", ")))"
    let interval = "[\(source[first.lower.range]), \(source[first.upper.range])]"
    return "every point drew \(names) as a number; if \(name) takes a tensor there, give it a "
      + "shape: \(first.parameter.value) in \(interval)^\(shapeText)"
  }

  /// `:check f over x in [lo, hi] trials N …`: the write-up's experiment, at N random points.
  func checkOver(_ spec: Command.CheckOver, into result: inout EntryResult) throws {
    let name = spec.function.value
    guard let function = functions[name] else {
      let evaluator = makeEvaluator()
      throw Diagnostic.error(
        "unknown function '\(name)'", at: spec.function.range,
        help: evaluator.suggestion(for: name, functionsOnly: true)
          ?? ":check … over takes a session function; define one first, for example: \(name)(x) = x^2"
      )
    }
    var seen: Set<String> = []
    for domain in spec.domains {
      guard function.parameters.contains(domain.parameter.value) else {
        throw Diagnostic.error(
          "\(name) has no parameter '\(domain.parameter.value)'", at: domain.parameter.range,
          help: "its parameters are \(function.parameters.joined(separator: ", "))")
      }
      guard seen.insert(domain.parameter.value).inserted else {
        throw Diagnostic.error(
          "'\(domain.parameter.value)' has two domains", at: domain.parameter.range)
      }
    }
    // One domain per parameter, in the parameters' order.
    var domains: [Command.ParameterDomain] = []
    for parameter in function.parameters {
      guard let domain = spec.domains.first(where: { $0.parameter.value == parameter }) else {
        throw Diagnostic.error(
          "no domain for \(name)'s parameter '\(parameter)'", at: spec.function.range,
          help: "add: \(parameter) in [-10, 10]")
      }
      domains.append(domain)
    }
    for domain in domains where !(domain.lower.value.isFinite && domain.upper.value.isFinite) {
      throw Diagnostic.error(
        "the bounds of '\(domain.parameter.value)' must be finite numbers", at: domain.lower.range)
    }
    let trials = spec.trials?.value ?? settings.trials
    guard trials >= 1 && trials <= 100_000_000 else {
      throw Diagnostic.error(
        "trials must be between 1 and 100000000", at: spec.trials?.range ?? .unknown)
    }
    let atol = spec.tolerance?.value ?? settings.tolerance
    let rtol = spec.relativeTolerance?.value ?? settings.relativeTolerance
    let seed = spec.seed?.value ?? 0
    var rng = SeededGenerator(seed: UInt64(bitPattern: Int64(seed)))
    let target = CallTarget(
      function: function, arguments: [], text: name, range: spec.function.range)

    let symbolic = symbolicColumn(for: target)

    /// One point where autodiff, the numerical gradient and the symbolic one disagree.
    struct Failure {
      var point: [Tensor]
      var parameter: String
      var check: GradientCheckResult
      var symbolic: Double?
    }
    var passed = 0
    var maxAbs = 0.0
    var maxRel = 0.0
    var maxSymbolic = 0.0
    var maxSymbolicRel = 0.0
    var maxNumericalSymbolic = 0.0
    // Points at or near a place where the derivative does not exist, where the methods
    // disagree: neither passed nor failed.
    var notDifferentiable = 0
    var firstNotDifferentiable: (point: [Tensor], near: [SingularReading])? = nil
    var symbolicError: String? = symbolic.unavailable
    var nanPoints = 0
    // The worst point: a nan anywhere counts as infinitely bad.
    var worst: (point: [Tensor], abs: Double)? = nil
    var failures: [Failure] = []
    var failureCount = 0
    let start = now()
    var lastReport = start
    for domain in domains {
      guard let shape = domain.shape else { continue }
      do {
        try TensorLimits.check(shape.value, op: "the domain of '\(domain.parameter.value)'")
      } catch {
        throw Diagnostic.error(
          error.description, at: shape.range,
          help: "raise the limit with :set maxelements N (or NABLA_MAX_ELEMENTS)")
      }
    }
    // Trials run in batches on every core (`Parallel.map`); the points are drawn in
    // trial order and the outcomes folded in trial order, so the report is the same as one
    // trial after another, on any number of cores. A batch lasts about 0.1 s: progress and
    // Ctrl-C are seen between batches, and each trial also stops on Ctrl-C.
    let limit = TensorLimits.maximumElementCount
    var done = 0
    var batch = 8
    while done < trials {
      if cancellation.isCancelled { throw Cancelled() }
      let points = (0..<Swift.min(batch, trials - done)).map { _ in
        domains.map { d -> Tensor in
          let shape = d.shape?.value ?? []
          let values = (0..<shapeCount(shape)).map { _ in
            d.lower.value + (d.upper.value - d.lower.value) * rng.nextUniform()
          }
          return (try? Tensor(shape: shape, scalars: values)) ?? Tensor(0)
        }
      }
      let batchStart = now()
      let outcomes = Parallel.map(points.count) { k in
        TensorLimits.$maximumElementCount.withValue(limit) { () -> Result<TrialOutcome, any Error> in
          Result {
            try checkTrial(
              at: points[k], of: target, symbolic: symbolic, atol: atol, rtol: rtol,
              at: spec.function.range)
          }
        }
      }
      for outcome in outcomes {
        let trial: TrialOutcome
        do {
          trial = try outcome.get()
        } catch var error as Diagnostic where error != Diagnostic.interrupted {
          if let hint = shapeHint(name, domains, source: result.source) {
            error.help = [error.help, hint].compactMap { $0 }.joined(separator: "\n")
          }
          throw error
        }
        let point = trial.point
        if trial.nonFiniteGradient {
          noteNonFiniteGradient(target, point: point, at: spec.function.range, into: &result)
        }
        if symbolicError == nil, let error = trial.symbolicError { symbolicError = error }
        var trialPassed = true
        var trialNear = false
        var trialAbs = 0.0
        var trialNaN = false
        for (i, (check, comparison)) in trial.checks.enumerated() {
          if check.nanCount > 0 {
            trialNaN = true
          } else {
            maxAbs = max(maxAbs, check.maxAbsoluteError)
            maxRel = max(maxRel, check.maxRelativeError)
          }
          if let c = comparison {
            if !c.maxAbsoluteError.isNaN {
              maxSymbolic = max(maxSymbolic, c.maxAbsoluteError)
              maxSymbolicRel = max(maxSymbolicRel, c.maxRelativeError)
            }
            if !c.maxNumericalError.isNaN {
              maxNumericalSymbolic = max(maxNumericalSymbolic, c.maxNumericalError)
            }
          }
          trialAbs = max(trialAbs, check.nanCount > 0 ? .infinity : check.maxAbsoluteError)
          let symbolicPassed = comparison?.passed ?? !trial.symbolicGradients
          if !(check.passed && symbolicPassed) {
            if !trial.near.isEmpty && check.nanCount == 0 {
              trialNear = true
              continue
            }
            if trialPassed { failureCount += 1 }
            trialPassed = false
            if failures.count < 3 {
              failures.append(
                Failure(
                  point: point, parameter: function.parameters[i], check: check,
                  symbolic: comparison?.worstSymbolic))
            }
          }
        }
        if trialNaN { nanPoints += 1 }
        if trialPassed && trialNear {
          notDifferentiable += 1
          if firstNotDifferentiable == nil { firstNotDifferentiable = (point, trial.near) }
        } else if trialPassed {
          passed += 1
        }
        if worst == nil || trialAbs > worst!.abs { worst = (point, trialAbs) }
      }
      done += points.count
      let t = now()
      // The next batch: about 0.1 s of trials, and at least one per thread.
      let perTrial = (t - batchStart) / Double(points.count)
      batch = Swift.max(Parallel.threads, Swift.min(1 << 16, Int(0.1 / Swift.max(perTrial, 1e-7))))
      if let onProgress, t - lastReport > 0.1 {
        lastReport = t
        onProgress(
          Progress(label: ":check \(name)", completed: done, total: trials, elapsed: t - start))
      }
    }
    let elapsed = now() - start
    // A point to paste back as `:check name(...)`; one of hundreds of numbers is cut, as
    // nobody pastes it (`--json` has the whole worst point).
    func call(_ point: [Tensor]) -> String {
      let text = "\(name)(" + point.map(literalText).joined(separator: ", ") + ")"
      return text.count <= 300 ? text : String(text.prefix(297)) + "..."
    }
    let failed = trials - passed - notDifferentiable
    var outcomes: [String] = []
    if failed > 0 { outcomes.append("\(failed) FAILED") }
    if notDifferentiable > 0 { outcomes.append("\(notDifferentiable) not differentiable") }
    let status = outcomes.isEmpty ? "passed" : "passed, " + outcomes.joined(separator: ", ")
    let symbolicErrors =
      symbolicError == nil
      ? "  max |auto−sym| \(formatError(maxSymbolic))  max |num−sym| \(formatError(maxNumericalSymbolic))"
      : ""
    result.print(
      "\(passed)/\(trials) \(status)  (tol \(formatError(atol)), rtol \(formatError(rtol)); \(formatDuration(elapsed)))")
    result.print("max |auto−num| \(formatError(maxAbs))  max rel \(formatError(maxRel))\(symbolicErrors)")
    if let why = symbolicError {
      result.print("symbolic: not available (\(why))")
    }
    if let first = firstNotDifferentiable {
      result.print(
        "\(notDifferentiable) point\(notDifferentiable == 1 ? " is" : "s are") at or near \(SymbolicColumn.describe(first.near)), where the derivative does not exist; not counted as failures (e.g. :check \(call(first.point)))"
      )
    }
    if nanPoints > 0 {
      result.print(
        "nan at \(nanPoints) of \(trials) points (not counted in the maximums): is \(name) defined on the whole domain?"
      )
    }
    if let worst {
      let error = worst.abs.isInfinite ? "nan" : formatError(worst.abs)
      result.print("worst point: \(call(worst.point))  |auto−num| \(error)")
    }
    if !failures.isEmpty {
      let shown =
        failureCount > failures.count
        ? "first \(failures.count) of \(failureCount)" : "\(failureCount)"
      result.print(
        "\(shown) failing point\(failureCount == 1 ? "" : "s") (re-run one with :check):")
      for failure in failures {
        let where_ = failure.check.worstIndex.isEmpty ? "" : "\(failure.check.worstIndex)"
        let symbolicValue = failure.symbolic.map { ", symbolic \(formatScalar($0))" } ?? ""
        result.print(
          "  :check \(call(failure.point))   ∂\(name)/∂\(failure.parameter)\(where_) autodiff \(formatScalar(failure.check.worstAnalytic)), numerical \(formatScalar(failure.check.worstNumerical))\(symbolicValue)"
        )
      }
    }
    var worstFields: [(String, JSONValue)] = []
    if let worst {
      for (p, t) in zip(function.parameters, worst.point) {
        worstFields.append((p, .tensor(shape: t.shape, scalars: t.scalars)))
      }
    }
    result.fields += [
      ("trials", .integer(trials)), ("passed", .integer(passed)),
      ("max_abs_error", .number(maxAbs)), ("max_rel_error", .number(maxRel)),
      ("max_abs_error_symbolic", symbolicError == nil ? .number(maxSymbolic) : .null),
      ("max_rel_error_symbolic", symbolicError == nil ? .number(maxSymbolicRel) : .null),
      (
        "max_abs_error_numerical_symbolic",
        symbolicError == nil ? .number(maxNumericalSymbolic) : .null
      ),
      ("not_differentiable_points", .integer(notDifferentiable)),
      ("nan_points", .integer(nanPoints)), ("worst_point", .object(worstFields)),
      ("seconds", .number(elapsed)),
    ]
  }
}

/// What one trial of `:check … over` found: computed on any thread, folded in trial order.
struct TrialOutcome {
  var point: [Tensor]
  /// Per parameter: autodiff against central differences, and against the symbolic
  /// derivative when there is one.
  var checks: [(GradientCheckResult, SymbolicComparison?)]
  /// Whether the symbolic derivative gave gradients here, and why not if it failed.
  var symbolicGradients: Bool
  var symbolicError: String?
  /// The places near the point where the derivative does not exist.
  var near: [SingularReading]
  /// Whether a gradient is NaN or ±Inf (the fold notes where it first became so).
  var nonFiniteGradient: Bool
}

extension Session {
  /// One trial of `:check … over`: autodiff, central differences and the symbolic
  /// derivative at `point`. It only reads the session, so trials run concurrently.
  func checkTrial(
    at point: [Tensor], of target: CallTarget, symbolic: SymbolicColumn, atol: Double,
    rtol: Double, at range: SourceRange
  ) throws -> TrialOutcome {
    if cancellation.isCancelled { throw Cancelled() }
    let function = target.function
    let name = target.text
    // The autodiff gradients: on plain numbers when the function and the point allow it
    // (the same numbers, without a graph), else through a recorded graph.
    let analytic: [Tensor]
    let nonFiniteGradient: Bool
    var evaluator = makeEvaluator()
    if !target.isInline, point.allSatisfy({ $0.shape.isEmpty }),
      let onNumbers = try evaluator.gradientOnNumbers(of: function, at: point.map { $0.scalar! })
    {
      analytic = onNumbers.gradients.map { Tensor($0) }
      nonFiniteGradient = false
    } else {
      let leaves = zip(point, function.parameters).map { Variable.leaf($0, label: $1) }
      let y = try target.evaluate(with: &evaluator, leaves)
      guard y.value.count == 1 else {
        throw Diagnostic.error(
          ":check needs a scalar output, but \(name) gives shape \(formatShape(y.shape))",
          at: range,
          help:
            "define a scalar function and check that, e.g. \(name)_sum(\(function.parameters.joined(separator: ", "))) = sum(\(name)(\(function.parameters.joined(separator: ", "))))"
        )
      }
      let gradients = try backward(from: y)
      analytic = leaves.map { gradients[$0].value }
      nonFiniteGradient = Session.anyNonFinite(gradients, of: leaves)
    }
    let reading = evaluate(symbolic, at: point)
    let scale = point.lazy.flatMap(\.scalars).filter(\.isFinite).map { Swift.abs($0) }.max() ?? 0
    var checks: [(GradientCheckResult, SymbolicComparison?)] = []
    for i in function.parameters.indices {
      let numerical = try numericalGradient(target, at: point, parameter: i, method: .central)
      let check = NumericalDifferentiation.checkGradient(
        analytic: analytic[i], numerical: numerical, absoluteTolerance: atol,
        relativeTolerance: rtol)
      let comparison = reading.gradients.flatMap {
        SymbolicComparison(
          autodiff: analytic[i], numerical: numerical, symbolic: $0[i],
          worstIndex: check.worstIndex, atol: atol, rtol: rtol)
      }
      checks.append((check, comparison))
    }
    return TrialOutcome(
      point: point, checks: checks, symbolicGradients: reading.gradients != nil,
      symbolicError: reading.error, near: SymbolicColumn.near(reading.singularities, scale: scale),
      nonFiniteGradient: nonFiniteGradient)
  }
}

/// A tensor as a literal one can type back: `2.5`, `[1.0, -0.25]`, `[[1.0, 2.0], [3.0, 4.0]]`,
/// each number in its shortest round-trip form.
func literalText(_ t: Tensor) -> String {
  func number(_ x: Double) -> String {
    x.isNaN ? "nan" : x.isInfinite ? (x > 0 ? "inf" : "-inf") : "\(x)"
  }
  if t.rank == 0 { return number(t.scalars[0]) }
  var out = ""
  let shape = t.shape
  var index = 0
  func write(_ axis: Int) {
    out += "["
    for k in 0..<shape[axis] {
      if k > 0 { out += ", " }
      if axis == shape.count - 1 {
        out += number(t.scalars[index])
        index += 1
      } else {
        write(axis + 1)
      }
    }
    out += "]"
  }
  write(0)
  return out
}
