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
    return try NumericalDifferentiation.gradient(
      of: { x in
        inputs[i] = Variable(x)
        let y = try target.evaluate(self, inputs).value
        guard let s = y.scalar else {
          throw Diagnostic.error(":check needs a scalar output, got shape \(formatShape(y.shape))", at: target.range)
        }
        return s
      }, at: arguments[i], method: method, estimateTruncation: estimateTruncation)
  }

  /// `:check f(args) [tol T]`: autodiff against Richardson-extrapolated differences at one point.
  func checkAtPoint(_ expr: Expr, tolerance: Double?, into result: inout EntryResult) throws {
    let target = try callTarget(expr, source: result.source, command: ":check")
    let leaves = target.leaves()
    let y = try target.evaluate(self, leaves)
    guard y.value.count == 1 else {
      throw Diagnostic.error(
        ":check needs a scalar output, but \(target.text) has shape \(formatShape(y.shape))", at: expr.range,
        help: "check a reduction of it, e.g. sum(\(target.text))")
    }
    let gradients = try backward(from: y)
    let atol = tolerance ?? settings.tolerance
    let rtol = settings.relativeTolerance
    var allPassed = true
    var fields: [(String, JSONValue)] = []
    var maxAbs = 0.0
    var maxRel = 0.0
    result.print("\(target.text) = \(formatScalar(y.value.scalar!))")
    for (i, parameter) in target.parameters.enumerated() {
      let analytic = gradients[leaves[i]].value
      let numerical = try numericalGradient(target, at: target.arguments, parameter: i, method: .richardson)
      let check = NumericalDifferentiation.checkGradient(
        analytic: analytic, numerical: numerical, absoluteTolerance: atol, relativeTolerance: rtol)
      allPassed = allPassed && check.passed
      maxAbs = max(maxAbs, check.maxAbsoluteError)
      maxRel = max(maxRel, check.maxRelativeError)
      let verdict = check.passed ? "✓" : "✗ FAILED"
      var line = "∂\(target.name)/∂\(parameter)"
      if analytic.rank == 0 {
        line += ": autodiff \(formatScalar(check.worstAnalytic))  numerical \(formatScalar(check.worstNumerical))"
        line += "  |Δ| \(formatError(check.maxAbsoluteError))  rel \(formatError(check.maxRelativeError))"
      } else {
        line += " \(formatShape(analytic.shape)): max |Δ| \(formatError(check.maxAbsoluteError))"
        line += " at \(check.worstIndex)  max rel \(formatError(check.maxRelativeError))"
      }
      line += "  (numerical error ≈ \(formatError(check.numericalErrorEstimate)))  \(verdict)"
      result.print(line)
      if check.nanCount > 0 {
        result.print("  \(check.nanCount) element\(check.nanCount == 1 ? " is" : "s are") nan or inf")
      }
      fields.append(
        (parameter, .object([
          ("passed", .bool(check.passed)), ("max_abs_error", .number(check.maxAbsoluteError)),
          ("max_rel_error", .number(check.maxRelativeError)),
          ("numerical_error_estimate", .number(check.numericalErrorEstimate)),
        ])))
    }
    result.print(allPassed ? "passed (tol \(formatError(atol)), rtol \(formatError(rtol)))" : "FAILED (tol \(formatError(atol)), rtol \(formatError(rtol)))")
    result.fields += [
      ("trials", .integer(1)), ("passed", .integer(allPassed ? 1 : 0)),
      ("max_abs_error", .number(maxAbs)), ("max_rel_error", .number(maxRel)), ("arguments", .object(fields)),
    ]
  }

  /// `:check f over x in [lo, hi] trials N …`: the write-up's experiment, at N random points.
  func checkOver(_ spec: Command.CheckOver, into result: inout EntryResult) throws {
    let name = spec.function.value
    guard let function = functions[name] else {
      var evaluator = makeEvaluator()
      _ = evaluator
      throw Diagnostic.error(
        "unknown function '\(name)'", at: spec.function.range,
        help: makeEvaluator().suggestion(for: name, functionsOnly: true))
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
    for domain in spec.domains where !function.parameters.contains(domain.parameter.value) {
      throw Diagnostic.error(
        "\(name) has no parameter '\(domain.parameter.value)'", at: domain.parameter.range,
        help: "its parameters are \(function.parameters.joined(separator: ", "))")
    }
    for domain in domains where !(domain.lower.value < domain.upper.value) {
      throw Diagnostic.error(
        "the interval [\(formatScalar(domain.lower.value)), \(formatScalar(domain.upper.value))] is empty",
        at: domain.lower.range)
    }
    let trials = spec.trials?.value ?? settings.trials
    guard trials >= 1 && trials <= 100_000_000 else {
      throw Diagnostic.error("trials must be between 1 and 100000000", at: spec.trials?.range ?? .unknown)
    }
    let atol = spec.tolerance?.value ?? settings.tolerance
    let rtol = spec.relativeTolerance?.value ?? settings.relativeTolerance
    let seed = spec.seed?.value ?? 0
    var rng = SeededGenerator(seed: UInt64(bitPattern: Int64(seed)))
    let target = CallTarget(function: function, arguments: [], text: name, range: spec.function.range)

    var passed = 0
    var maxAbs = 0.0
    var maxRel = 0.0
    var worst: (point: [Tensor], abs: Double)? = nil
    var failures: [(point: [Tensor], check: GradientCheckResult, parameter: String)] = []
    var failureCount = 0
    let start = now()
    var lastReport = start
    for trial in 0..<trials {
      if cancellation.isCancelled { throw Cancelled() }
      let point = domains.map { d -> Tensor in
        let shape = d.shape?.value ?? []
        let n = shapeCount(shape)
        let values = (0..<n).map { _ in d.lower.value + (d.upper.value - d.lower.value) * rng.nextUniform() }
        return (try? Tensor(shape: shape, scalars: values)) ?? Tensor(0)
      }
      let leaves = zip(point, function.parameters).map { Variable.leaf($0, label: $1) }
      let y = try target.evaluate(self, leaves)
      guard y.value.count == 1 else {
        throw Diagnostic.error(
          ":check needs a scalar output, but \(name) gives shape \(formatShape(y.shape))", at: spec.function.range)
      }
      let gradients = try backward(from: y)
      var trialPassed = true
      var trialAbs = 0.0
      for i in function.parameters.indices {
        let numerical = try numericalGradient(target, at: point, parameter: i, method: .central)
        let check = NumericalDifferentiation.checkGradient(
          analytic: gradients[leaves[i]].value, numerical: numerical, absoluteTolerance: atol, relativeTolerance: rtol)
        maxAbs = max(maxAbs, check.maxAbsoluteError.isNaN ? .infinity : check.maxAbsoluteError)
        maxRel = max(maxRel, check.maxRelativeError.isNaN ? .infinity : check.maxRelativeError)
        trialAbs = max(trialAbs, check.maxAbsoluteError)
        if !check.passed {
          if trialPassed { failureCount += 1 }
          trialPassed = false
          if failures.count < 3 { failures.append((point, check, function.parameters[i])) }
        }
      }
      if trialPassed { passed += 1 }
      if worst == nil || trialAbs > worst!.abs { worst = (point, trialAbs) }
      let t = now()
      if let onProgress, t - lastReport > 0.1 {
        lastReport = t
        onProgress(Progress(label: ":check \(name)", completed: trial + 1, total: trials, elapsed: t - start))
      }
    }
    let elapsed = now() - start
    func pointText(_ point: [Tensor]) -> String {
      zip(function.parameters, point).map { "\($0) = \($1.shortDescription(maxWidth: 40))" }.joined(separator: ", ")
    }
    let status = passed == trials ? "passed" : "passed, \(failureCount) FAILED"
    result.print(
      "\(passed)/\(trials) \(status)  max |auto−num| \(formatError(maxAbs))  max rel \(formatError(maxRel))  (tol \(formatError(atol)), rtol \(formatError(rtol)); \(formatDuration(elapsed)))")
    if let worst {
      result.print("worst at \(pointText(worst.point))")
    }
    for failure in failures {
      result.print(
        "  failed at \(pointText(failure.point)): ∂\(name)/∂\(failure.parameter) autodiff \(formatScalar(failure.check.worstAnalytic)), numerical \(formatScalar(failure.check.worstNumerical))")
    }
    result.fields += [
      ("trials", .integer(trials)), ("passed", .integer(passed)),
      ("max_abs_error", .number(maxAbs)), ("max_rel_error", .number(maxRel)),
      ("seconds", .number(elapsed)),
    ]
  }
}
