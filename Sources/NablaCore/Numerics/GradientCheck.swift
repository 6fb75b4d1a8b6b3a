/// Gradient checking: comparing an analytic gradient with a numerical one, element by element.

/// The outcome of comparing an analytic gradient a with a numerical gradient n.
///
/// An element passes when |a − n| ≤ atol + rtol·|n|, or when |a − n| ≤ the numerical
/// error estimate there (a disagreement below what finite differences can resolve is not
/// a failure). Equal values pass, including equal infinities. A NaN on either side fails
/// and is counted in `nanCount` as well as `failures`; an infinity against anything else
/// fails.
public struct GradientCheckResult: Sendable, CustomStringConvertible {
  /// Whether every element passed (true for an empty gradient).
  public var passed: Bool
  /// max |a − n| over the elements where neither side is NaN (0 if there are none).
  public var maxAbsoluteError: Double
  /// max |a − n| / max(|a|, |n|, atol/rtol) over the elements where neither side is NaN.
  ///
  /// The floor atol/rtol (1 with the default tolerances; `leastNormalMagnitude` when rtol
  /// is 0) keeps zeros and tiny gradients from blowing up: below it the absolute tolerance
  /// decides the test, and the value is the absolute error scaled by rtol/atol. The value
  /// is 0 for equal elements, at most 2 for finite ones, and infinite for an infinity
  /// against a different value.
  public var maxRelativeError: Double
  /// The multi-index of the worst element: the first NaN if there is one, else the element
  /// with the largest |a − n| / max(atol + rtol·|n|, estimate); `[]` for a 0-d or empty
  /// gradient.
  public var worstIndex: [Int]
  /// The analytic value at `worstIndex` (0 for an empty gradient).
  public var worstAnalytic: Double
  /// The numerical value at `worstIndex` (0 for an empty gradient).
  public var worstNumerical: Double
  /// The numerical error estimate at `worstIndex` (0 for an empty gradient).
  public var numericalErrorEstimate: Double
  /// The number of elements compared.
  public var count: Int
  /// The number of elements that failed, NaNs included.
  public var failures: Int
  /// The number of elements where either side is NaN (each of them is also a failure).
  public var nanCount: Int

  public var description: String {
    let verdict = passed ? "passed" : "FAILED (\(failures) of \(count) elements)"
    var text =
      "gradient check \(verdict): max abs error \(maxAbsoluteError), "
      + "max rel error \(maxRelativeError)"
    if nanCount > 0 { text += ", \(nanCount) NaN" }
    if count > 0 {
      text +=
        "; worst at \(worstIndex): analytic \(worstAnalytic), numerical \(worstNumerical)"
        + " ± \(numericalErrorEstimate)"
    }
    return text
  }
}

extension NumericalDifferentiation {
  /// Compares `analytic` with `numerical.gradient`: element i passes when
  /// |aᵢ − nᵢ| ≤ atol + rtol·|nᵢ| or |aᵢ − nᵢ| ≤ `numerical.errorEstimate`ᵢ.
  ///
  /// See `GradientCheckResult` for NaN and infinity handling and the relative error. The
  /// two shapes must be equal (a precondition).
  ///
  /// - Complexity: O(n) for n elements; no calls of any function.
  public static func checkGradient(
    analytic: Tensor, numerical: NumericalGradient, absoluteTolerance: Double = 1e-5,
    relativeTolerance: Double = 1e-5
  ) -> GradientCheckResult {
    precondition(
      analytic.shape == numerical.gradient.shape,
      "checkGradient: analytic gradient has shape \(formatShape(analytic.shape)), numerical "
        + "\(formatShape(numerical.gradient.shape))")
    let atol = absoluteTolerance
    let rtol = relativeTolerance
    let floor =
      rtol > 0
      ? Swift.max(atol / rtol, Double.leastNormalMagnitude)
      : Double.leastNormalMagnitude
    let a = analytic.scalars
    let n = numerical.gradient.scalars
    let e = numerical.errorEstimate.scalars

    var maxAbsolute = 0.0
    var maxRelative = 0.0
    var failures = 0
    var nanCount = 0
    var worst = -1
    var worstBadness = -Double.infinity
    var worstIsNaN = false

    for i in 0..<a.count {
      let ai = a[i]
      let ni = n[i]
      if ai.isNaN || ni.isNaN {
        nanCount += 1
        failures += 1
        if !worstIsNaN {
          worstIsNaN = true
          worst = i
        }
        continue
      }
      let difference = ai == ni ? 0 : Swift.abs(ai - ni)
      let relative =
        difference == 0
        ? 0
        : difference.isInfinite
          ? .infinity : difference / Swift.max(Swift.abs(ai), Swift.abs(ni), floor)
      maxAbsolute = Swift.max(maxAbsolute, difference)
      maxRelative = Swift.max(maxRelative, relative)

      let allowed = Swift.max(atol + rtol * Swift.abs(ni), e[i].isNaN ? 0 : e[i])
      let ok = difference.isFinite && difference <= allowed
      if !ok { failures += 1 }
      if worstIsNaN { continue }
      let badness: Double
      if difference == 0 {
        badness = 0
      } else if !difference.isFinite || allowed == 0 {
        badness = .infinity
      } else {
        badness = difference / allowed  // 0 when the estimate is infinite
      }
      if badness > worstBadness {
        worstBadness = badness
        worst = i
      }
    }

    let found = worst >= 0
    return GradientCheckResult(
      passed: failures == 0,
      maxAbsoluteError: maxAbsolute,
      maxRelativeError: maxRelative,
      worstIndex: found ? multiIndex(ofFlat: worst, shape: analytic.shape) : [],
      worstAnalytic: found ? a[worst] : 0,
      worstNumerical: found ? n[worst] : 0,
      numericalErrorEstimate: found ? e[worst] : 0,
      count: a.count,
      failures: failures,
      nanCount: nanCount)
  }

  /// Checks `analytic` against the numerical gradient of `f` at `x`: `gradient(of:at:...)`
  /// followed by `checkGradient(analytic:numerical:...)`.
  ///
  /// - Complexity: that of `gradient(of:at:method:step:)` for `method`, plus O(n).
  public static func checkGradient(
    of f: (Tensor) throws -> Double, at x: Tensor, analytic: Tensor,
    method: DifferenceMethod = .central, step: Double? = nil,
    absoluteTolerance: Double = 1e-5, relativeTolerance: Double = 1e-5
  ) rethrows -> GradientCheckResult {
    let numerical = try gradient(of: f, at: x, method: method, step: step)
    return checkGradient(
      analytic: analytic, numerical: numerical, absoluteTolerance: absoluteTolerance,
      relativeTolerance: relativeTolerance)
  }
}

/// The row-major multi-index of flat position `flat` in a tensor of `shape` (`[]` for 0-d).
///
/// - Complexity: O(rank).
public func multiIndex(ofFlat flat: Int, shape: [Int]) -> [Int] {
  precondition(flat >= 0 && flat < shapeCount(shape), "flat index \(flat) out of range")
  var index = [Int](repeating: 0, count: shape.count)
  var rest = flat
  for axis in stride(from: shape.count - 1, through: 0, by: -1) {
    index[axis] = rest % shape[axis]
    rest /= shape[axis]
  }
  return index
}
