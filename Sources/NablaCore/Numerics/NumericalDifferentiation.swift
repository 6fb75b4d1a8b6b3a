/// Finite-difference derivatives of functions over tensors, with error estimates.
///
/// These are the reference the autodiff engine is checked against: they need only the
/// ability to evaluate a function, so they know nothing of graphs or `Variable`s.
///
///     let g = NumericalDifferentiation.gradient(of: { x in x.scalars.reduce(0) { $0 + $1 * $1 } },
///                                               at: Tensor([1, 2, 3]))
///     // g.gradient ≈ [2, 4, 6] ± 7e-10 (g.errorEstimate), g.evaluations == 12
///
/// Every loop perturbs one working copy of the input in place and restores each element
/// after use, so the only allocations per element are those the function itself makes.

/// A finite-difference formula for f′(x).
public enum DifferenceMethod: Sendable, CaseIterable {
  /// (f(x+h) − f(x−h)) / 2h, error O(h²); default step h = ∛ε·max(1, |x|).
  case central
  /// (f(x+h) − f(x)) / h, error O(h); default step h = √ε·max(1, |x|).
  case forward
  /// (f(x) − f(x−h)) / h, error O(h); default step h = √ε·max(1, |x|).
  case backward
  /// Ridders' extrapolation of central differences at h₀/1.4ᵏ; h₀ = max(0.1, |x|/1000).
  case richardson
}

/// A numerical gradient g ≈ ∇f(x), with a per-element bound on |g − ∇f(x)|.
public struct NumericalGradient: Sendable {
  /// The estimated gradient, of the input's shape.
  public var gradient: Tensor
  /// Per element, a conservative estimate of |numerical − true| (rounding plus truncation).
  ///
  /// NaN where it could not be estimated (f not finite at x ± 2h); `checkGradient` then
  /// relies on its tolerances alone for that element.
  public var errorEstimate: Tensor
  /// How many times the function was called.
  public var evaluations: Int

  public init(gradient: Tensor, errorEstimate: Tensor, evaluations: Int) {
    self.gradient = gradient
    self.errorEstimate = errorEstimate
    self.evaluations = evaluations
  }
}

/// Numerical differentiation by finite differences: gradients of scalar functions, Jacobians.
public enum NumericalDifferentiation {
  /// ε = `Double.ulpOfOne` = 2⁻⁵², the relative spacing of doubles near 1.
  static let epsilon = Double.ulpOfOne
  /// √ε = 2⁻²⁶ ≈ 1.49e-8, the step factor that balances rounding and O(h) truncation.
  static let sqrtEpsilon = Double.ulpOfOne.squareRoot()
  /// ∛ε ≈ 6.06e-6, the step factor that balances rounding and O(h²) truncation.
  static let cbrtEpsilon = 6.055454452393343e-6

  /// Ridders' tableau: each step is the previous one divided by this.
  static let riddersShrink = 1.4
  /// Ridders' tableau: at most this many step sizes (rows and columns).
  static let riddersTableauSize = 10
  /// Ridders' tableau: stop when the diagonal's error grows past this times the best error.
  static let riddersSafety = 2.0
  /// Ridders' start step h₀ = max(riddersStartStep, riddersStartFactor·|x|).
  static let riddersStartStep = 0.1
  /// See `riddersStartStep`: past |x| = 100 the start step grows with |x|, so that the
  /// smallest step h₀/1.4⁹ ≈ 5e-5·|x| stays far above the spacing of doubles near x.
  static let riddersStartFactor = 1e-3
  /// If the first central difference is not finite (x ± h₀ outside f's domain), h₀ is
  /// divided by 10 and retried at most this many times.
  static let riddersMaxBackoffs = 10
  /// If Ridders' error estimate exceeds riddersRetryTolerance·max(1, |f′|) (the start step
  /// straddled a singularity or spanned many oscillations), the whole tableau is redone
  /// from h₀/10, at most `riddersMaxRestarts` times, keeping the best estimate.
  static let riddersRetryTolerance = 1e-8
  /// See `riddersRetryTolerance`.
  static let riddersMaxRestarts = 4

  /// The step `gradient(of:at:method:)` takes at `x` when none is given: ∛ε·max(1, |x|) for
  /// `.central`, √ε·max(1, |x|) for `.forward` and `.backward`, h₀ for `.richardson`.
  public static func defaultStep(for method: DifferenceMethod, at x: Double) -> Double {
    switch method {
    case .central: scaledStep(at: x, factor: cbrtEpsilon)
    case .forward, .backward: scaledStep(at: x, factor: sqrtEpsilon)
    case .richardson: Swift.max(riddersStartStep, riddersStartFactor * Swift.abs(x))
    }
  }

  /// The default step `factor·max(1, |x|)`, rounded so that x + h is exactly representable.
  @inline(__always)
  static func scaledStep(at x: Double, factor: Double) -> Double {
    let h = factor * Swift.max(1, Swift.abs(x))
    return (x + h) - x
  }

  /// A bound on the rounding error of the difference quotient d = (y₁ − y₂)/δ at x:
  /// (ε·max(1, |y₁|) + ε·max(1, |y₂|) + 2ε·|x·d|) / |δ|.
  ///
  /// Each computed value y = f(x) is assumed accurate to ε·max(1, |y|) + ε·|x·f′(x)|:
  /// ε·|y| is one unit of rounding of the result; the floor of ε covers functions that
  /// lose relative accuracy to cancellation against quantities of order 1 (log(1 + x²)
  /// near 0, a loss near its minimum); ε·|x·f′| covers the rounding of x itself inside f
  /// (sin(10·x) rounds 10·x), with d standing in for f′.
  @inline(__always)
  static func roundingBound(
    _ y1: Double, _ y2: Double, x: Double, slope d: Double, distance: Double
  ) -> Double {
    let noise = Swift.max(1, Swift.abs(y1)) + Swift.max(1, Swift.abs(y2)) + 2 * Swift.abs(x * d)
    return epsilon * noise / Swift.abs(distance)
  }

  // MARK: Gradient

  /// ∇f(x) by finite differences, e.g. ∂f/∂xᵢ ≈ (f(x+h·eᵢ) − f(x−h·eᵢ)) / 2h, with error bounds.
  ///
  /// Steps: by default h = ∛ε·max(1, |xᵢ|) for `.central` and √ε·max(1, |xᵢ|) for
  /// `.forward`/`.backward` (ε = `Double.ulpOfOne`), rounded by `h = (xᵢ + h) − xᵢ` so that
  /// the perturbed point is exact, and the difference is divided by the distance actually
  /// stepped. An explicit `step` is an absolute h used as given, reproducing the textbook
  /// `(f(x+h) − f(x−h)) / 2h` bit for bit (including the rounding of x ± h, which the error
  /// estimate accounts for). For `.richardson`, h₀ = max(0.1, |xᵢ|/1000), or `step` if
  /// given, starts Ridders' tableau; while the first difference is not finite (x − h₀
  /// outside f's domain) h₀ is divided by 10 (at most 10 times), and while the tableau's
  /// error estimate exceeds 1e-8·max(1, |∂f/∂xᵢ|) the tableau is redone from h₀/10 (at most
  /// 4 times), keeping the best.
  ///
  /// Error estimate, per element: the rounding bound (ε·max(1, |f₊|) + ε·max(1, |f₋|) +
  /// 2ε·|xᵢ·D|)/(x₊ − x₋) (see `roundingBound`), plus for explicit steps the effect of
  /// rounding x ± h, plus the truncation error: for `.central` |D(2h) − D(h)| (three times
  /// the leading h²·f‴/6 term), for `.forward`/`.backward` 2·|D(2h) − D(h)| (twice the
  /// leading h·f″/2 term). For `.richardson` it is Ridders' own estimate (the larger change
  /// from the two neighbouring tableau entries) plus the rounding bound carried through the
  /// extrapolation. With `estimateTruncation: false` the 2h evaluations are skipped and
  /// the estimate is the rounding part only: a lower bound, no longer conservative
  /// (`.richardson` ignores the flag).
  ///
  /// Errors thrown by `f` propagate; the input tensor is never modified.
  ///
  /// - Complexity: calls of `f`, for n = `x.count`: `.central` 4n (2n with
  ///   `estimateTruncation: false`), `.forward`/`.backward` 2n + 1 (n + 1); `.richardson`
  ///   2 per tableau column, typically 12–20 per element, at most 20 per tableau (more
  ///   when the start step backs off or restarts). O(n) memory besides what `f` allocates.
  public static func gradient(
    of f: (Tensor) throws -> Double, at x: Tensor, method: DifferenceMethod = .central,
    step: Double? = nil, estimateTruncation: Bool = true
  ) rethrows -> NumericalGradient {
    if let step {
      precondition(step > 0 && step.isFinite, "the finite-difference step must be positive")
    }
    let n = x.count
    var gradient = [Double](repeating: 0, count: n)
    var estimate = [Double](repeating: 0, count: n)
    var evaluations = 0
    var work = x
    let eps = epsilon

    switch method {
    case .central:
      for i in 0..<n {
        let xi = x.scalars[i]
        let h = step ?? scaledStep(at: xi, factor: cbrtEpsilon)
        let d1 = try centralDifference(f, &work, i, xi, h, nominal: step != nil)
        evaluations += 2
        var error = roundingBound(
          d1.fPlus, d1.fMinus, x: xi, slope: d1.value, distance: d1.distance)
        error += d1.representationError + eps * Swift.abs(d1.value)
        if estimateTruncation {
          let d2 = try centralDifference(f, &work, i, xi, 2 * h, nominal: step != nil)
          evaluations += 2
          error += Swift.abs(d2.value - d1.value)
        }
        gradient[i] = d1.value
        estimate[i] = error
      }

    case .forward, .backward:
      let sign: Double = method == .forward ? 1 : -1
      let f0 = try f(x)
      evaluations += 1
      for i in 0..<n {
        let xi = x.scalars[i]
        let h = step ?? scaledStep(at: xi, factor: sqrtEpsilon)
        let d1 = try oneSidedDifference(f, &work, i, xi, f0, sign * h, nominal: step != nil)
        evaluations += 1
        var error = roundingBound(d1.fStep, f0, x: xi, slope: d1.value, distance: d1.distance)
        error += d1.representationError + eps * Swift.abs(d1.value)
        if estimateTruncation {
          let d2 = try oneSidedDifference(f, &work, i, xi, f0, sign * 2 * h, nominal: step != nil)
          evaluations += 1
          error += 2 * Swift.abs(d2.value - d1.value)
        }
        gradient[i] = d1.value
        estimate[i] = error
      }

    case .richardson:
      var tableau = [Double](repeating: 0, count: 2 * riddersTableauSize * riddersTableauSize)
      for i in 0..<n {
        let xi = x.scalars[i]
        var h0 = step ?? Swift.max(riddersStartStep, riddersStartFactor * Swift.abs(xi))
        var r = try ridders(f, &work, i, xi, initialStep: h0, tableau: &tableau)
        evaluations += r.evaluations
        var restarts = 0
        while !(r.error <= riddersRetryTolerance * Swift.max(1, Swift.abs(r.value)))
          && restarts < riddersMaxRestarts
        {
          h0 /= 10
          let again = try ridders(f, &work, i, xi, initialStep: h0, tableau: &tableau)
          evaluations += again.evaluations
          if again.error < r.error || !(r.error.isFinite && r.value.isFinite) { r = again }
          restarts += 1
        }
        gradient[i] = r.value
        estimate[i] = r.error + 2 * eps * Swift.abs(r.value)
      }
    }

    return NumericalGradient(
      gradient: Tensor(uncheckedShape: x.shape, scalars: gradient),
      errorEstimate: Tensor(uncheckedShape: x.shape, scalars: estimate),
      evaluations: evaluations)
  }

  /// One central difference in element `i` of `work`, restored to `xi` afterwards.
  ///
  /// `nominal` divides by 2h as given; otherwise by the distance x₊ − x₋ actually stepped.
  /// `representationError` is |D|·|(x₊ − x₋) − 2h| / 2h, the error of dividing by 2h.
  @inline(__always)
  static func centralDifference(
    _ f: (Tensor) throws -> Double, _ work: inout Tensor, _ i: Int, _ xi: Double,
    _ h: Double, nominal: Bool
  ) rethrows -> (
    value: Double, fPlus: Double, fMinus: Double, distance: Double, representationError: Double
  ) {
    let xPlus = xi + h
    let xMinus = xi - h
    work.scalars[i] = xPlus
    let fPlus = try f(work)
    work.scalars[i] = xMinus
    let fMinus = try f(work)
    work.scalars[i] = xi
    let actual = xPlus - xMinus
    if nominal {
      let value = (fPlus - fMinus) / (2 * h)
      let representation = Swift.abs(value) * Swift.abs(actual - 2 * h) / (2 * h)
      return (value, fPlus, fMinus, 2 * h, representation)
    }
    return ((fPlus - fMinus) / actual, fPlus, fMinus, actual, 0)
  }

  /// One one-sided difference (f(x+s) − f(x)) / s in element `i`, restored afterwards.
  ///
  /// `s` is the signed step (negative for backward differences).
  @inline(__always)
  static func oneSidedDifference(
    _ f: (Tensor) throws -> Double, _ work: inout Tensor, _ i: Int, _ xi: Double,
    _ f0: Double, _ s: Double, nominal: Bool
  ) rethrows -> (value: Double, fStep: Double, distance: Double, representationError: Double) {
    let xStep = xi + s
    work.scalars[i] = xStep
    let fStep = try f(work)
    work.scalars[i] = xi
    let actual = xStep - xi
    if nominal {
      let value = (fStep - f0) / s
      let representation = Swift.abs(value) * Swift.abs(actual - s) / Swift.abs(s)
      return (value, fStep, s, representation)
    }
    return ((fStep - f0) / actual, fStep, actual, 0)
  }

  /// Ridders' method (Numerical Recipes `dfridr`) for ∂f/∂xᵢ, with its error estimate.
  ///
  /// Column k of the tableau holds the central difference at h₀/1.4ᵏ; row j extrapolates
  /// row j − 1 by Neville's rule `(a·1.4²ʲ − a′) / (1.4²ʲ − 1)`. The answer is the entry
  /// whose change from its two lower-order neighbours is smallest; the search stops when the
  /// diagonal grows worse by `riddersSafety`. Alongside, a second tableau carries a bound on
  /// each entry's rounding error (from `roundingBound`, amplified by the extrapolation), which
  /// is added to Ridders' change estimate: near convergence the change alone can be smaller
  /// than the rounding left in the answer. `tableau` is scratch storage of at least
  /// 2·`riddersTableauSize`² elements, reused between elements.
  static func ridders(
    _ f: (Tensor) throws -> Double, _ work: inout Tensor, _ i: Int, _ xi: Double,
    initialStep: Double, tableau a: inout [Double]
  ) rethrows -> (value: Double, error: Double, evaluations: Int) {
    let size = riddersTableauSize
    let rounding = size * size  // a[rounding + j * size + k]: the rounding bound of a[j, k]
    let shrink2 = riddersShrink * riddersShrink
    var evaluations = 0
    var h = initialStep
    var first = try centralDifference(f, &work, i, xi, h, nominal: false)
    evaluations += 2
    var backoffs = 0
    while !first.value.isFinite && backoffs < riddersMaxBackoffs {
      h /= 10
      first = try centralDifference(f, &work, i, xi, h, nominal: false)
      evaluations += 2
      backoffs += 1
    }
    guard first.value.isFinite else { return (first.value, .infinity, evaluations) }

    // a[j * size + k]: extrapolation order j, step h₀ / 1.4ᵏ.
    a[0] = first.value
    a[rounding] = roundingBound(
      first.fPlus, first.fMinus, x: xi, slope: first.value, distance: first.distance)
    var best = first.value
    var bestRounding = a[rounding]
    var change = Double.infinity
    for k in 1..<size {
      h /= riddersShrink
      let d = try centralDifference(f, &work, i, xi, h, nominal: false)
      evaluations += 2
      a[k] = d.value
      a[rounding + k] = roundingBound(
        d.fPlus, d.fMinus, x: xi, slope: d.value, distance: d.distance)
      var factor = shrink2
      for j in 1...k {
        let here = j * size + k
        let previous = (j - 1) * size + k
        let left = (j - 1) * size + k - 1
        a[here] = (a[previous] * factor - a[left]) / (factor - 1)
        a[rounding + here] =
          (a[rounding + previous] * factor + a[rounding + left]) / (factor - 1)
        factor *= shrink2
        let c = Swift.max(Swift.abs(a[here] - a[previous]), Swift.abs(a[here] - a[left]))
        if c <= change {
          change = c
          best = a[here]
          bestRounding = a[rounding + here]
        }
      }
      if Swift.abs(a[k * size + k] - a[(k - 1) * size + k - 1]) >= riddersSafety * change {
        break
      }
    }
    return (best, change + bestRounding, evaluations)
  }

  // MARK: Jacobian

  /// The Jacobian J[o…, i…] = ∂f(x)[o…]/∂x[i…] ≈ (f(x+h·eᵢ) − f(x−h·eᵢ))[o…] / 2h.
  ///
  /// The result has shape `f(x).shape + x.shape`. The step is as for `gradient(...)` with
  /// `.central`: h = ∛ε·max(1, |xᵢ|) made exactly representable and divided by the distance
  /// actually stepped, or an explicit absolute `step` used as given. `f` must return the
  /// same shape for every input (a precondition). For an empty `x`, `f` is called once to
  /// learn the output shape.
  ///
  /// - Complexity: 2n calls of `f` (n = `x.count`), plus O(m·n) arithmetic for m outputs.
  public static func jacobian(
    of f: (Tensor) throws -> Tensor, at x: Tensor, step: Double? = nil
  ) rethrows -> Tensor {
    if let step {
      precondition(step > 0 && step.isFinite, "the finite-difference step must be positive")
    }
    let n = x.count
    if n == 0 {
      let y = try f(x)
      return Tensor(uncheckedShape: y.shape + x.shape, scalars: [])
    }
    var work = x
    var outputShape: [Int] = []
    var m = 0
    var result: [Double] = []
    for i in 0..<n {
      let xi = x.scalars[i]
      let h = step ?? scaledStep(at: xi, factor: cbrtEpsilon)
      let xPlus = xi + h
      let xMinus = xi - h
      work.scalars[i] = xPlus
      let yPlus = try f(work)
      work.scalars[i] = xMinus
      let yMinus = try f(work)
      work.scalars[i] = xi
      if i == 0 {
        outputShape = yPlus.shape
        m = yPlus.count
        result = [Double](repeating: 0, count: m * n)
      }
      precondition(
        yPlus.shape == outputShape && yMinus.shape == outputShape,
        "jacobian: the function returned shapes \(formatShape(yPlus.shape)) and "
          + "\(formatShape(yMinus.shape)), expected \(formatShape(outputShape))")
      let distance = step.map { 2 * $0 } ?? (xPlus - xMinus)
      for o in 0..<m {
        result[o * n + i] = (yPlus.scalars[o] - yMinus.scalars[o]) / distance
      }
    }
    return Tensor(uncheckedShape: outputShape + x.shape, scalars: result)
  }
}
