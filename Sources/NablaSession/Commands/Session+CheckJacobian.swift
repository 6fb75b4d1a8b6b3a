import NablaCore
import NablaLanguage

extension Session {
  /// `:check f(args)` for a function whose output is not a single number (an elementwise
  /// `f(x) = x^2 * sin(x)` at a vector, say): there is no gradient to compare, so the whole
  /// Jacobian is — autodiff's (one backward pass per output element) against central
  /// differences (two evaluations per input element).
  func checkJacobianAtPoint(
    _ target: CallTarget, value: Tensor, tolerance: Double?, at range: SourceRange,
    into result: inout EntryResult
  ) throws {
    let atol = tolerance ?? settings.tolerance
    let rtol = settings.relativeTolerance
    for (parameter, argument) in zip(target.parameters, target.arguments) {
      let size = value.count * argument.count
      guard size <= 1_000_000 else {
        throw Diagnostic.error(
          "the Jacobian with respect to \(parameter) would have \(size) elements (limit 1000000)",
          at: range, help: "check a reduction of it, e.g. :check sum(\(target.text))")
      }
    }
    result.print(labelled(target.text, value))
    var allPassed = true
    var fields: [(String, JSONValue)] = []
    var maxAbs = 0.0
    var maxRel = 0.0
    for (i, parameter) in target.parameters.enumerated() {
      // The arguments, with the i-th replaced by `x`.
      let inputs = { (x: Variable) -> [Variable] in
        var inputs = target.arguments.map { Variable($0) }
        inputs[i] = x
        return inputs
      }
      let analytic = try NablaCore.jacobian(at: target.arguments[i], row: stopOnCancel) {
        (x: Variable) throws(Diagnostic) -> Variable in
        try target.evaluate(self, inputs(x))
      }
      let numerical = try NumericalDifferentiation.jacobian(
        of: { x in
          if self.cancellation.isCancelled { throw Cancelled() }
          return try target.evaluate(self, inputs(Variable(x))).value
        }, at: target.arguments[i])
      // Central differences give no error estimate here: the tolerances decide alone.
      let unknown = try Tensor(
        shape: numerical.shape, scalars: [Double](repeating: .nan, count: numerical.count))
      let check = NumericalDifferentiation.checkGradient(
        analytic: analytic,
        numerical: NumericalGradient(
          gradient: numerical, errorEstimate: unknown, evaluations: 2 * target.arguments[i].count),
        absoluteTolerance: atol, relativeTolerance: rtol)
      allPassed = allPassed && check.passed
      let absError = check.nanCount > 0 ? Double.nan : check.maxAbsoluteError
      let relError = check.nanCount > 0 ? Double.nan : check.maxRelativeError
      maxAbs = absError.isNaN || maxAbs.isNaN ? .nan : max(maxAbs, absError)
      maxRel = relError.isNaN || maxRel.isNaN ? .nan : max(maxRel, relError)
      result.print(
        target.matrixLabel("J", parameter) + " \(formatShape(analytic.shape))"
          + "  max |auto−num| \(formatError(absError)) at \(check.worstIndex)"
          + "  max rel \(formatError(relError))  " + (check.passed ? "✓" : "✗ FAILED"))
      fields.append(
        (
          parameter,
          .object([
            ("passed", .bool(check.passed)), ("max_abs_error", .number(absError)),
            ("max_rel_error", .number(relError)),
          ])
        ))
    }
    result.print(
      "Jacobians, since the output has shape \(formatShape(value.shape)): autodiff against central differences"
    )
    let tolerances = "(tol \(formatError(atol)), rtol \(formatError(rtol)))"
    result.print(allPassed ? "passed \(tolerances)" : "FAILED \(tolerances)")
    result.fields += [
      ("trials", .integer(1)), ("passed", .integer(allPassed ? 1 : 0)),
      ("max_abs_error", .number(maxAbs)), ("max_rel_error", .number(maxRel)),
      ("arguments", .object(fields)),
    ]
  }
}
