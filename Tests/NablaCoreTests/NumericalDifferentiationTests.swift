import Foundation
import Testing

@testable import NablaCore

/// A scalar function with its hand-written derivative, for table-driven tests.
struct NumericalScalarCase: Sendable, CustomStringConvertible {
  var name: String
  var f: @Sendable (Double) -> Double
  var df: @Sendable (Double) -> Double
  var points: [Double]
  var description: String { name }
}

/// The write-up's W4 function f(x) = log(x²+1)·sin(x) + exp(−x²) and its derivative.
private func w4(_ x: Double) -> Double { log(x * x + 1) * sin(x) + exp(-x * x) }
private func w4Derivative(_ x: Double) -> Double {
  2 * x / (x * x + 1) * sin(x) + log(x * x + 1) * cos(x) - 2 * x * exp(-x * x)
}

/// The first `count` points of the golden-ratio Weyl sequence, mapped to [low, high).
private func weylPoints(_ count: Int, low: Double, high: Double) -> [Double] {
  (0..<count).map { k in
    let t = Double(k + 1) * 0.6180339887498949
    return low + (high - low) * (t - t.rounded(.down))
  }
}

/// Evaluates a scalar function of a 0-d or 1-element tensor.
private func lift(_ f: @escaping @Sendable (Double) -> Double) -> (Tensor) -> Double {
  { t in f(t.scalars[0]) }
}

private func sumOfSquares(_ t: Tensor) -> Double { t.scalars.reduce(0) { $0 + $1 * $1 } }

/// f(X) for X of shape (2, 3): Σᵢⱼ (i+1)·exp(0.3·Xᵢⱼ) + X₀₀·X₁₂ + sin(X₀₁·X₁₀).
private func twoD(_ t: Tensor) -> Double {
  var s = 0.0
  for i in 0..<2 {
    for j in 0..<3 { s += Double(i + 1) * exp(0.3 * t.scalars[i * 3 + j]) }
  }
  return s + t.scalars[0] * t.scalars[5] + sin(t.scalars[1] * t.scalars[3])
}

private func twoDGradient(_ t: Tensor) -> Tensor {
  var g = [Double](repeating: 0, count: 6)
  for i in 0..<2 {
    for j in 0..<3 { g[i * 3 + j] = Double(i + 1) * 0.3 * exp(0.3 * t.scalars[i * 3 + j]) }
  }
  g[0] += t.scalars[5]
  g[5] += t.scalars[0]
  let c = cos(t.scalars[1] * t.scalars[3])
  g[1] += c * t.scalars[3]
  g[3] += c * t.scalars[1]
  return try! Tensor(shape: [2, 3], scalars: g)
}

private let twoDPoint = try! Tensor(shape: [2, 3], scalars: [0.5, -1.25, 2.0, 0.75, -0.3, 1.5])

private struct Boom: Error {}

@Suite struct NumericalDifferentiationTests {
  static let knownFunctions: [NumericalScalarCase] = [
    NumericalScalarCase(
      name: "x²", f: { $0 * $0 }, df: { 2 * $0 }, points: [-3, -0.5, 0, 0.7, 2.5, 40]),
    NumericalScalarCase(name: "sin", f: sin, df: cos, points: [-3, -0.5, 0, 0.7, 2.5, 10]),
    NumericalScalarCase(name: "exp", f: exp, df: exp, points: [-3, -0.5, 0, 0.7, 2.5, 10]),
  ]

  /// Smooth functions with known derivatives, for checking the error estimate.
  static let corpus: [NumericalScalarCase] = {
    let points = weylPoints(40, low: -3, high: 3)
    return [
      NumericalScalarCase(name: "sin", f: sin, df: cos, points: points),
      NumericalScalarCase(name: "cos", f: cos, df: { -sin($0) }, points: points),
      NumericalScalarCase(name: "exp", f: exp, df: exp, points: points),
      NumericalScalarCase(name: "atan", f: atan, df: { 1 / (1 + $0 * $0) }, points: points),
      NumericalScalarCase(name: "tanh", f: tanh, df: { 1 - tanh($0) * tanh($0) }, points: points),
      NumericalScalarCase(
        name: "x³−2x", f: { $0 * $0 * $0 - 2 * $0 }, df: { 3 * $0 * $0 - 2 },
        points: points),
      NumericalScalarCase(
        name: "1/(1+x²)", f: { 1 / (1 + $0 * $0) },
        df: { -2 * $0 / ((1 + $0 * $0) * (1 + $0 * $0)) }, points: points),
      NumericalScalarCase(
        name: "exp(sin x)", f: { exp(sin($0)) }, df: { cos($0) * exp(sin($0)) },
        points: points),
      NumericalScalarCase(
        name: "√(1+x²)", f: { (1 + $0 * $0).squareRoot() },
        df: { $0 / (1 + $0 * $0).squareRoot() }, points: points),
      NumericalScalarCase(
        name: "x·exp(−x²)", f: { $0 * exp(-$0 * $0) },
        df: { (1 - 2 * $0 * $0) * exp(-$0 * $0) }, points: points),
      NumericalScalarCase(
        name: "sin(3x)cos(x)", f: { sin(3 * $0) * cos($0) },
        df: { 3 * cos(3 * $0) * cos($0) - sin(3 * $0) * sin($0) }, points: points),
      NumericalScalarCase(
        name: "log(1+x²)", f: { log(1 + $0 * $0) }, df: { 2 * $0 / (1 + $0 * $0) },
        points: points),
      NumericalScalarCase(
        name: "W4", f: w4, df: w4Derivative, points: weylPoints(40, low: -10, high: 10)),
      NumericalScalarCase(
        name: "sin(10x)", f: { sin(10 * $0) }, df: { 10 * cos(10 * $0) },
        points: points),
    ]
  }()

  /// The relative error each method should reach on the known smooth functions.
  static func tolerance(_ method: DifferenceMethod) -> Double {
    switch method {
    case .central: 1e-9
    case .forward, .backward: 1e-6
    case .richardson: 1e-10
    }
  }

  /// An upper bound on the error estimate, relative to max(1, |f′|), on the smooth corpus.
  static func usefulEstimate(_ method: DifferenceMethod) -> Double {
    switch method {
    case .central: 1e-7
    case .forward, .backward: 2e-5
    case .richardson: 1e-9
    }
  }

  @Test func stepConstants() {
    let c = NumericalDifferentiation.cbrtEpsilon
    #expect(Swift.abs(c * c * c - Double.ulpOfOne) <= 1e-14 * Double.ulpOfOne)
    #expect(NumericalDifferentiation.sqrtEpsilon == 0x1p-26)
  }

  @Test(arguments: [0.0, 1, -1, 0.1, 3.7, -123.456, 1e10, 0x1p-30, 7.0e-300])
  func defaultStepIsExactlyRepresentable(x: Double) {
    for factor in [NumericalDifferentiation.cbrtEpsilon, NumericalDifferentiation.sqrtEpsilon] {
      let h = NumericalDifferentiation.scaledStep(at: x, factor: factor)
      #expect(h > 0)
      #expect((x + h) - x == h)
      #expect(Swift.abs(h / (factor * Swift.max(1, Swift.abs(x))) - 1) < 1e-6)
    }
  }

  @Test(arguments: knownFunctions, DifferenceMethod.allCases)
  func knownScalarDerivatives(_ c: NumericalScalarCase, method: DifferenceMethod) {
    for x in c.points {
      let g = NumericalDifferentiation.gradient(of: lift(c.f), at: Tensor(x), method: method)
      let exact = c.df(x)
      let error = Swift.abs(g.gradient.scalars[0] - exact)
      #expect(g.gradient.shape == [])
      #expect(
        error <= Self.tolerance(method) * Swift.max(1, Swift.abs(exact)),
        "\(c.name)′(\(x)) by \(method): \(g.gradient.scalars[0]) vs \(exact)")
      #expect(error <= g.errorEstimate.scalars[0], "\(c.name)′(\(x)) by \(method)")
    }
  }

  @Test(arguments: DifferenceMethod.allCases)
  func sumOfSquaresOnAVector(method: DifferenceMethod) {
    let x = Tensor([1, -2, 3.5, 0, 0.25, -7])
    let g = NumericalDifferentiation.gradient(of: sumOfSquares, at: x, method: method)
    #expect(g.gradient.shape == [6])
    #expect(g.errorEstimate.shape == [6])
    for i in 0..<6 {
      let exact = 2 * x.scalars[i]
      let error = Swift.abs(g.gradient.scalars[i] - exact)
      #expect(error <= Self.tolerance(method) * Swift.max(1, Swift.abs(exact)))
      #expect(error <= g.errorEstimate.scalars[i])
    }
  }

  @Test(arguments: DifferenceMethod.allCases)
  func twoDimensionalFunction(method: DifferenceMethod) {
    let g = NumericalDifferentiation.gradient(of: twoD, at: twoDPoint, method: method)
    let exact = twoDGradient(twoDPoint)
    #expect(g.gradient.shape == [2, 3])
    #expect(g.errorEstimate.shape == [2, 3])
    #expect(
      g.gradient.isApproximatelyEqual(
        to: exact, relativeTolerance: Self.tolerance(method),
        absoluteTolerance: method == .forward || method == .backward ? 1e-6 : 1e-9))
    for i in 0..<6 {
      #expect(Swift.abs(g.gradient.scalars[i] - exact.scalars[i]) <= g.errorEstimate.scalars[i])
    }
  }

  @Test func richardsonReachesNearMachinePrecision() {
    var worst = 0.0
    for c in Self.corpus where c.name != "sin(10x)" {
      for x in c.points {
        let g = NumericalDifferentiation.gradient(of: lift(c.f), at: Tensor(x), method: .richardson)
        let exact = c.df(x)
        worst = Swift.max(
          worst, Swift.abs(g.gradient.scalars[0] - exact) / Swift.max(1, Swift.abs(exact)))
      }
    }
    #expect(worst <= 1e-10)
  }

  @Test(arguments: DifferenceMethod.allCases)
  func errorEstimateBoundsTheActualError(method: DifferenceMethod) {
    var checked = 0
    var violations: [String] = []
    for c in Self.corpus {
      for x in c.points {
        let g = NumericalDifferentiation.gradient(of: lift(c.f), at: Tensor(x), method: method)
        let error = Swift.abs(g.gradient.scalars[0] - c.df(x))
        let estimate = g.errorEstimate.scalars[0]
        checked += 1
        if !(error <= estimate) { violations.append("\(c.name) at \(x): \(error) > \(estimate)") }
        // Conservative, but not so loose that a gradient check would wave bugs through.
        #expect(
          estimate <= Self.usefulEstimate(method) * Swift.max(1, Swift.abs(c.df(x))),
          "\(c.name) at \(x) by \(method): estimate \(estimate), error \(error)")
      }
    }
    #expect(checked == Self.corpus.count * 40)
    #expect(violations.isEmpty, "\(violations.count) of \(checked): \(violations.prefix(5))")
  }

  @Test func evaluationCounts() {
    let n = 7
    let x = Tensor((0..<n).map { Double($0) * 0.5 - 1 })
    var calls = 0
    let counted: (Tensor) -> Double = { t in
      calls += 1
      return sumOfSquares(t)
    }
    func count(_ method: DifferenceMethod, truncation: Bool = true) -> Int {
      calls = 0
      let g = NumericalDifferentiation.gradient(
        of: counted, at: x, method: method, estimateTruncation: truncation)
      #expect(g.evaluations == calls)
      return g.evaluations
    }
    #expect(count(.central, truncation: false) == 2 * n)
    #expect(count(.central) == 4 * n)
    #expect(count(.forward, truncation: false) == n + 1)
    #expect(count(.backward, truncation: false) == n + 1)
    #expect(count(.forward) == 2 * n + 1)
    #expect(count(.backward) == 2 * n + 1)
    let r = count(.richardson)
    #expect(r >= 4 * n && r <= 20 * n)
  }

  @Test(arguments: DifferenceMethod.allCases)
  func inputIsPerturbedOneElementAtATimeAndRestored(method: DifferenceMethod) {
    let x = twoDPoint
    var offByMoreThanOne = 0
    let watching: (Tensor) -> Double = { t in
      #expect(t.shape == x.shape)
      let changed = zip(t.scalars, x.scalars).filter { $0 != $1 }.count
      if changed > 1 { offByMoreThanOne += 1 }
      return twoD(t)
    }
    _ = NumericalDifferentiation.gradient(of: watching, at: x, method: method)
    #expect(offByMoreThanOne == 0)
  }

  @Test func withoutTruncationTheGradientIsTheSameAndTheEstimateSmaller() {
    let x = Tensor([0.3, -1.7, 2.2])
    let f: (Tensor) -> Double = { t in t.scalars.reduce(0) { $0 + sin(3 * $1) } }
    for method in [DifferenceMethod.central, .forward, .backward] {
      let full = NumericalDifferentiation.gradient(of: f, at: x, method: method)
      let cheap = NumericalDifferentiation.gradient(
        of: f, at: x, method: method, estimateTruncation: false)
      #expect(full.gradient == cheap.gradient)
      for i in 0..<3 { #expect(cheap.errorEstimate.scalars[i] < full.errorEstimate.scalars[i]) }
    }
  }

  @Test func explicitStepIsTheTextbookFormulaBitForBit() {
    for x in weylPoints(50, low: -10, high: 10) {
      let h = 1e-6
      let g = NumericalDifferentiation.gradient(of: lift(w4), at: Tensor(x), step: h)
      #expect(g.gradient.scalars[0] == (w4(x + h) - w4(x - h)) / (2 * h))
      let forward = NumericalDifferentiation.gradient(
        of: lift(w4), at: Tensor(x), method: .forward, step: h)
      #expect(forward.gradient.scalars[0] == (w4(x + h) - w4(x)) / h)
      let backward = NumericalDifferentiation.gradient(
        of: lift(w4), at: Tensor(x), method: .backward, step: h)
      #expect(backward.gradient.scalars[0] == (w4(x) - w4(x - h)) / h)
    }
  }

  /// The write-up's check: W4 at 1000 Weyl points against (f(x+1e-6) − f(x−1e-6)) / 2e-6.
  @Test func writeUpW4AtWeylPoints() {
    let points = weylPoints(1000, low: -10, high: 10)
    var maxTextbook = 0.0
    var maxDefault = 0.0
    var maxRichardson = 0.0
    for x in points {
      let exact = w4Derivative(x)
      let textbook = NumericalDifferentiation.gradient(of: lift(w4), at: Tensor(x), step: 1e-6)
      let error = Swift.abs(exact - textbook.gradient.scalars[0])
      #expect(error <= textbook.errorEstimate.scalars[0], "x = \(x)")
      maxTextbook = Swift.max(maxTextbook, error)

      let scaled = NumericalDifferentiation.gradient(of: lift(w4), at: Tensor(x))
      maxDefault = Swift.max(maxDefault, Swift.abs(exact - scaled.gradient.scalars[0]))
      let ridders = NumericalDifferentiation.gradient(
        of: lift(w4), at: Tensor(x), method: .richardson)
      maxRichardson = Swift.max(maxRichardson, Swift.abs(exact - ridders.gradient.scalars[0]))

      let check = NumericalDifferentiation.checkGradient(
        of: lift(w4), at: Tensor(x), analytic: Tensor(exact), step: 1e-6)
      #expect(check.passed, "x = \(x): \(check)")
    }
    #expect(Swift.abs(maxTextbook - 3.496e-9) < 0.001e-9, "max error \(maxTextbook)")
    #expect(maxDefault < 1e-8, "max error with the default step \(maxDefault)")
    #expect(maxRichardson < 1e-10, "max error with Ridders' method \(maxRichardson)")
  }

  /// log(x) at x = 1e-3: the scaled step max(1,|x|)·∛ε ≈ 6e-6 is large next to x, so the
  /// write-up's absolute step 1e-6 is more accurate there; both error estimates hold.
  @Test func nearSingularityLogAtOneThousandth() {
    let x = Tensor(1e-3)
    let exact = 1e3
    let f = lift { log($0) }
    let textbook = NumericalDifferentiation.gradient(of: f, at: x, step: 1e-6)
    let scaled = NumericalDifferentiation.gradient(of: f, at: x)
    let ridders = NumericalDifferentiation.gradient(of: f, at: x, method: .richardson)
    let textbookError = Swift.abs(textbook.gradient.scalars[0] - exact)
    let scaledError = Swift.abs(scaled.gradient.scalars[0] - exact)
    let riddersError = Swift.abs(ridders.gradient.scalars[0] - exact)

    // Truncation h²·f‴/6 = h²/(3x³): 3.3e-4 for h = 1e-6, 1.2e-2 for h ≈ 6.06e-6.
    #expect(textbookError > 2e-4 && textbookError < 5e-4, "\(textbookError)")
    #expect(scaledError > 1e-2 && scaledError < 1.5e-2, "\(scaledError)")
    #expect(textbookError <= textbook.errorEstimate.scalars[0])
    #expect(scaledError <= scaled.errorEstimate.scalars[0])
    // Ridders starts at h₀ = 0.1 > x, backs off to 1e-4 and still converges.
    #expect(riddersError <= 1e-9 * exact, "\(riddersError)")
    #expect(riddersError <= ridders.errorEstimate.scalars[0])

    // The scaled step misses atol + rtol·|n| = 0.01 but is within its own error estimate,
    // so the check passes; a gradient 0.1 off fails with either step.
    let strict = NumericalDifferentiation.checkGradient(
      analytic: Tensor(exact), numerical: scaled)
    #expect(strict.passed)
    #expect(strict.maxAbsoluteError > 1e-5 + 1e-5 * exact)
    for numerical in [textbook, scaled] {
      let wrong = NumericalDifferentiation.checkGradient(
        analytic: Tensor(exact + 0.1), numerical: numerical)
      #expect(!wrong.passed)
    }
  }

  /// log(x) at x = 1e-5: x − 2h < 0, so the truncation cannot be estimated and the
  /// estimate is NaN; the check then falls back to the tolerances, and the poor central
  /// difference fails them. Ridders' method backs off from the domain edge.
  @Test func unknownErrorEstimateIsNaNAndGrantsNothing() {
    let x = Tensor(1e-5)
    let f = lift { log($0) }
    let central = NumericalDifferentiation.gradient(of: f, at: x)
    #expect(central.gradient.scalars[0].isFinite)
    #expect(central.errorEstimate.scalars[0].isNaN)
    let check = NumericalDifferentiation.checkGradient(analytic: Tensor(1e5), numerical: central)
    #expect(!check.passed)
    #expect(check.nanCount == 0)
    #expect(check.numericalErrorEstimate.isNaN)

    let ridders = NumericalDifferentiation.checkGradient(
      of: f, at: x, analytic: Tensor(1e5), method: .richardson)
    #expect(ridders.passed, "\(ridders)")
    #expect(ridders.maxRelativeError < 1e-9)
  }

  @Test func checkPassesOnACorrectGradient() {
    let result = NumericalDifferentiation.checkGradient(
      of: twoD, at: twoDPoint, analytic: twoDGradient(twoDPoint))
    #expect(result.passed)
    #expect(result.failures == 0)
    #expect(result.nanCount == 0)
    #expect(result.count == 6)
    #expect(result.maxAbsoluteError < 1e-8)
    #expect(result.maxRelativeError < 1e-8)
    #expect(result.worstIndex.count == 2)
  }

  @Test(arguments: 0..<6)
  func checkFailsOnAWrongGradientAndFindsIt(flat: Int) {
    var wrong = twoDGradient(twoDPoint)
    wrong.scalars[flat] += 1e-3
    for method in DifferenceMethod.allCases {
      let result = NumericalDifferentiation.checkGradient(
        of: twoD, at: twoDPoint, analytic: wrong, method: method)
      #expect(!result.passed)
      #expect(result.failures == 1)
      #expect(result.worstIndex == [flat / 3, flat % 3])
      #expect(result.worstAnalytic == wrong.scalars[flat])
      #expect(Swift.abs(result.worstNumerical - twoDGradient(twoDPoint).scalars[flat]) < 1e-6)
      #expect(Swift.abs(result.maxAbsoluteError - 1e-3) < 1e-6)
      #expect(result.numericalErrorEstimate < 1e-5)
    }
  }

  @Test func toleranceAndEstimateRules() {
    let numerical = NumericalGradient(
      gradient: Tensor([1, 100, 0, 5, 0]), errorEstimate: Tensor([0, 0, 0, 0.5, 0]),
      evaluations: 10)
    // 1: off by 2e-5 ≤ 1e-5 + 1e-5·1 → pass. 100: off by 1e-3 ≤ 1e-5 + 1e-3 → pass.
    // 0: off by 2e-5 > 1e-5 → fail. 5: off by 0.4 ≤ estimate 0.5 → pass. 0 vs 0 → pass.
    let result = NumericalDifferentiation.checkGradient(
      analytic: Tensor([1 + 1.9e-5, 100 + 1e-3, 2e-5, 5.4, 0]), numerical: numerical)
    #expect(!result.passed)
    #expect(result.failures == 1)
    #expect(result.worstIndex == [2])
    #expect(result.numericalErrorEstimate == 0)
    #expect(Swift.abs(result.maxAbsoluteError - 0.4) < 1e-12)
    // Relative error floors the denominator at atol/rtol = 1: 0.4 / 5.4 is the largest.
    #expect(Swift.abs(result.maxRelativeError - 0.4 / 5.4) < 1e-12)

    let zeros = NumericalGradient(
      gradient: Tensor([0, 0]), errorEstimate: Tensor([0, 0]), evaluations: 4)
    let tiny = NumericalDifferentiation.checkGradient(
      analytic: Tensor([0, 1e-300]), numerical: zeros)
    #expect(tiny.passed)
    #expect(tiny.maxRelativeError == 1e-300)
  }

  @Test func nanAndInfinity() {
    let numerical = NumericalGradient(
      gradient: Tensor([1, .nan, 3, .nan, .infinity, .infinity]),
      errorEstimate: Tensor([0, 0, 0, 0, 0, .infinity]), evaluations: 12)
    let result = NumericalDifferentiation.checkGradient(
      analytic: Tensor([1, 2, .nan, .nan, .infinity, 6]), numerical: numerical)
    #expect(!result.passed)
    #expect(result.nanCount == 3)  // NaN on one side, the other, and both
    #expect(result.failures == 4)  // and +∞ against 6, despite an infinite estimate
    #expect(result.worstIndex == [1])
    #expect(result.worstNumerical.isNaN)
    #expect(result.maxAbsoluteError == .infinity)
    #expect(result.maxRelativeError == .infinity)

    let onlyNaN = NumericalDifferentiation.checkGradient(
      analytic: Tensor([1, 2]),
      numerical: NumericalGradient(
        gradient: Tensor([1, .nan]), errorEstimate: Tensor([0, 0]), evaluations: 4))
    #expect(!onlyNaN.passed)
    #expect(onlyNaN.nanCount == 1)
    #expect(onlyNaN.maxAbsoluteError == 0)
    #expect(onlyNaN.worstIndex == [1])
  }

  @Test func emptyAndScalarInputs() {
    let empty = try! Tensor(shape: [0, 3], scalars: [])
    let g = NumericalDifferentiation.gradient(of: { _ in 1 }, at: empty)
    #expect(g.gradient.shape == [0, 3])
    #expect(g.evaluations == 0)
    let result = NumericalDifferentiation.checkGradient(analytic: empty, numerical: g)
    #expect(result.passed)
    #expect(result.count == 0)
    #expect(result.worstIndex == [])

    let scalar = NumericalDifferentiation.checkGradient(
      of: lift { $0 * $0 * $0 }, at: Tensor(2), analytic: Tensor(12))
    #expect(scalar.passed)
    #expect(scalar.worstIndex == [])
  }

  @Test func closureErrorsPropagate() {
    var calls = 0
    let failing: (Tensor) throws -> Double = { _ in
      calls += 1
      if calls == 3 { throw Boom() }
      return 0
    }
    for method in DifferenceMethod.allCases {
      calls = 0
      #expect(throws: Boom.self) {
        try NumericalDifferentiation.gradient(of: failing, at: Tensor([1, 2, 3]), method: method)
      }
    }
    calls = 0
    #expect(throws: Boom.self) {
      try NumericalDifferentiation.checkGradient(
        of: failing, at: Tensor([1, 2]), analytic: Tensor([0, 0]))
    }
    #expect(throws: TensorError.self) {
      try NumericalDifferentiation.jacobian(
        of: { t throws(TensorError) in try t.reshaped(to: [5]) }, at: Tensor([1, 2]))
    }
  }

  @Test func jacobianOfAVectorFunction() {
    // f(x) = [x₀x₁, sin x₂, x₀ + 2x₁ + 3x₂], x of shape (3,): J has shape (3, 3).
    let x = Tensor([0.5, -1.5, 2])
    var calls = 0
    let f: (Tensor) -> Tensor = { t in
      calls += 1
      let s = t.scalars
      return Tensor([s[0] * s[1], sin(s[2]), s[0] + 2 * s[1] + 3 * s[2]])
    }
    let j = NumericalDifferentiation.jacobian(of: f, at: x)
    #expect(j.shape == [3, 3])
    #expect(calls == 6)
    let exact = try! Tensor(
      shape: [3, 3], scalars: [-1.5, 0.5, 0, 0, 0, cos(2), 1, 2, 3])
    #expect(j.isApproximatelyEqual(to: exact, relativeTolerance: 1e-9, absoluteTolerance: 1e-10))

    let textbook = NumericalDifferentiation.jacobian(of: f, at: x, step: 1e-6)
    #expect(textbook.scalars[5] == (sin(2 + 1e-6) - sin(2 - 1e-6)) / 2e-6)
  }

  @Test func jacobianShapeIsOutputShapeThenInputShape() {
    // f(X) = X ⊗ [1, 2] with X of shape (2, 2): output (2, 2, 2), J of shape (2, 2, 2, 2, 2).
    let x = try! Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
    let f: (Tensor) -> Tensor = { t in
      try! Tensor(shape: [2, 2, 2], scalars: t.scalars.flatMap { [$0 * $0, 2 * $0] })
    }
    let j = NumericalDifferentiation.jacobian(of: f, at: x)
    #expect(j.shape == [2, 2, 2, 2, 2])
    for o in 0..<8 {
      for i in 0..<4 {
        let expected = o / 2 != i ? 0 : o % 2 == 0 ? 2 * x.scalars[i] : 2
        #expect(Swift.abs(j.scalars[o * 4 + i] - expected) < 1e-9, "J[\(o), \(i)]")
      }
    }
    // A scalar-valued function: the Jacobian is the gradient.
    let g = NumericalDifferentiation.jacobian(of: { Tensor(twoD($0)) }, at: twoDPoint)
    #expect(g.shape == [2, 3])
    #expect(
      g.isApproximatelyEqual(
        to: twoDGradient(twoDPoint), relativeTolerance: 1e-8,
        absoluteTolerance: 1e-9))
    let empty = NumericalDifferentiation.jacobian(of: { _ in Tensor([1, 2]) }, at: Tensor([]))
    #expect(empty.shape == [2, 0])
  }

  @Test func multiIndices() {
    #expect(multiIndex(ofFlat: 0, shape: []) == [])
    #expect(multiIndex(ofFlat: 4, shape: [5]) == [4])
    #expect(multiIndex(ofFlat: 5, shape: [2, 3]) == [1, 2])
    #expect(multiIndex(ofFlat: 23, shape: [2, 3, 4]) == [1, 2, 3])
    #expect(multiIndex(ofFlat: 13, shape: [2, 3, 4]) == [1, 0, 1])
    #expect(multiIndex(ofFlat: 2, shape: [1, 3, 1]) == [0, 2, 0])
  }
}
