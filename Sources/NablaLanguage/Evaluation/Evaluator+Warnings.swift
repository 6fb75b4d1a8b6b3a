import NablaCore

/// Warnings: an op that turns finite inputs into NaN or Inf is named, at its subexpression.
extension Evaluator {
  /// Labels the node and warns when this op turned finite inputs into NaN or Inf.
  @inline(never)
  mutating func checked(
    _ y: Variable, inputs: [Evaluated], op: String, _ expr: Expr
  ) -> Evaluated {
    checked(y, anyInputNonFinite: inputs.contains(where: { $0.nonFinite }), op: op, expr)
  }

  /// `checked(_:inputs:op:_:)` given whether any input held NaN or Inf (no array of inputs).
  /// `op` is only worked out when there is a warning.
  mutating func checked(
    _ y: consuming Variable, anyInputNonFinite: Bool, op: @autoclosure () -> String,
    _ expr: Expr
  ) -> Evaluated {
    let nonFinite = y.value.containsNonFinite
    if nonFinite && !anyInputNonFinite {
      let op = op()
      let name = op.first!.isLetter ? op : "'\(op)'"
      warnings.append(
        Diagnostic(
          .warning, "\(name) produced \(Evaluator.describeNonFinite(y.value))", at: expr.range,
          help: Evaluator.nonFiniteHints[op]))
      warningOrigins.append(nil)
    }
    return label(Evaluated(y, nonFinite: nonFinite), expr)
  }

  /// Drops the warnings so far, for an evaluator used again whose warnings are not wanted
  /// (a numerical derivative's many evaluations).
  public mutating func forgetWarnings() {
    warnings.removeAll(keepingCapacity: true)
    warningOrigins.removeAll(keepingCapacity: true)
  }

  /// `nan`, `-inf`, or `nan in 2 of 5 elements and inf in 1`.
  static func describeNonFinite(_ t: Tensor) -> String {
    let nans = t.scalars.count { $0.isNaN }
    let positive = t.scalars.count { $0 == .infinity }
    let negative = t.scalars.count { $0 == -.infinity }
    let infinity = positive == 0 ? "-inf" : negative == 0 ? "inf" : "±inf"
    if t.count == 1 { return nans > 0 ? "nan" : infinity }
    var parts: [String] = []
    if nans > 0 { parts.append("nan in \(nans)") }
    if positive + negative > 0 { parts.append("\(infinity) in \(positive + negative)") }
    parts[0] += " of \(t.count) element\(t.count == 1 ? "" : "s")"
    return parts.joined(separator: " and ")
  }

  /// Why an op may turn finite inputs into NaN or Inf, shown under its warning.
  static let nonFiniteHints: [String: String] = [
    "log": "log is nan below 0 and -inf at 0",
    "sqrt": "sqrt is nan below 0",
    "/": "x/0 is ±inf and 0/0 is nan",
    "^": "a negative base to a non-integer power is nan, and 0 to a negative power is inf",
    "pow": "a negative base to a non-integer power is nan, and 0 to a negative power is inf",
    "exp": "exp overflows to inf above about 709.78",
    "tan": "tan is infinite at odd multiples of pi/2",
    "*": "the product overflowed past ±1.8e308",
    "+": "the sum overflowed past ±1.8e308",
    "-": "the difference overflowed past ±1.8e308",
  ]
}
