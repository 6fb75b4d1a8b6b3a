import NablaCore
import NablaLanguage

/// The symbolic side of `:check`: the derivative `:diff` prints, evaluated at the check's
/// points and compared with autodiff and numerical differentiation; and whether a point is
/// at or near a place where the derivative does not exist (then a disagreement is no
/// failure of the engine, and the check says so).
struct SymbolicColumn {
  /// The derivative, or nil when the function cannot be differentiated symbolically.
  var derivative: SymbolicDerivative?
  /// Why there is no symbolic column.
  var unavailable: String?

  /// The symbolic gradients at one point (or why they could not be evaluated), and how near
  /// the point is to each singularity.
  struct Reading {
    var gradients: [Tensor]?
    var error: String?
    var singularities: [SingularReading] = []
  }

  /// |u| below this times max(1, |x|) is "near" a kink (where central differences straddle it).
  static let kinkDistance = 1e-4
  /// |u| below this times max(1, |x|) is "near" a pole (where differences lose precision).
  static let poleDistance = 1e-2
  /// |u| below this times max(1, |x|) is "at" the singular point itself.
  static let atDistance = 1e-12

  /// The singularities within reach of the numerical method at a point whose largest
  /// argument element is `scale`.
  static func near(_ readings: [SingularReading], scale: Double) -> [SingularReading] {
    let s = Swift.max(1, scale)
    return readings.filter { r in
      switch r.kind {
      case .kink, .tie: r.distance <= kinkDistance * s
      case .pole: r.distance <= poleDistance * s
      }
    }
  }

  /// The singularities the point is exactly at (up to rounding).
  static func at(_ readings: [SingularReading], scale: Double) -> [SingularReading] {
    readings.filter { $0.distance <= atDistance * Swift.max(1, scale) }
  }

  /// Descriptions without repeats, joined: `relu(x) at x = 0; log(x) near x = 0`.
  static func describe(_ readings: [SingularReading]) -> String {
    var seen: [String] = []
    for r in readings where !seen.contains(r.description) { seen.append(r.description) }
    return seen.joined(separator: "; ")
  }
}

/// Autodiff against the symbolic derivative (and numerical against symbolic) for one
/// parameter at one point.
struct SymbolicComparison {
  /// Whether autodiff and symbolic agree within the tolerances.
  var passed: Bool
  /// max |autodiff − symbolic| (nan when either is nan somewhere).
  var maxAbsoluteError: Double
  /// max relative |autodiff − symbolic|.
  var maxRelativeError: Double
  /// max |numerical − symbolic|.
  var maxNumericalError: Double
  /// The symbolic value at the worst element of the autodiff check.
  var worstSymbolic: Double

  init?(
    autodiff: Tensor, numerical: NumericalGradient, symbolic: Tensor, worstIndex: [Int],
    atol: Double, rtol: Double
  ) {
    // A gradient with one element may come back 0-d for a (1,)-shaped argument, or a
    // constant for a tensor one; compare it broadcast to the argument's shape.
    var s = symbolic
    if s.shape != autodiff.shape {
      if s.count == autodiff.count, let r = try? s.reshaped(to: autodiff.shape) {
        s = r
      } else if let b = try? s.broadcast(to: autodiff.shape) {
        s = b
      } else {
        return nil
      }
    }
    let zero = (try? Tensor(repeating: 0, shape: s.shape)) ?? Tensor(0)
    let asNumerical = NumericalGradient(gradient: s, errorEstimate: zero, evaluations: 0)
    let check = NumericalDifferentiation.checkGradient(
      analytic: autodiff, numerical: asNumerical, absoluteTolerance: atol, relativeTolerance: rtol)
    let numericalCheck = NumericalDifferentiation.checkGradient(
      analytic: s, numerical: numerical, absoluteTolerance: atol, relativeTolerance: rtol)
    passed = check.passed
    maxAbsoluteError = check.nanCount > 0 ? .nan : check.maxAbsoluteError
    maxRelativeError = check.nanCount > 0 ? .nan : check.maxRelativeError
    maxNumericalError = numericalCheck.nanCount > 0 ? .nan : numericalCheck.maxAbsoluteError
    var flat = 0
    var stride = 1
    for (i, n) in zip(worstIndex, s.shape).reversed() {
      flat += i * stride
      stride *= n
    }
    worstSymbolic = flat < s.count ? s.scalars[flat] : s.scalars.first ?? .nan
  }
}

extension Session {
  /// The symbolic derivative of a check's target: what `:diff` prints for it (the ranks of
  /// the arguments are not used, so that the two can never disagree).
  func symbolicColumn(for target: CallTarget, maximumSize: Int? = nil) -> SymbolicColumn {
    do {
      let derivative = try symbolicDerivative(
        of: target.function.definition, maximumSize: maximumSize, at: target.range)
      return SymbolicColumn(derivative: derivative, unavailable: nil)
    } catch let error as Diagnostic {
      return SymbolicColumn(derivative: nil, unavailable: error.message)
    } catch {
      return SymbolicColumn(derivative: nil, unavailable: "interrupted")
    }
  }

  /// The places where the derivative does not exist that the point is exactly at (up to
  /// rounding): the kink of abs(x) at x = 0, log(x) at x = 0, tied elements of a max. Empty
  /// when the function cannot be differentiated symbolically.
  /// (Functions of more than 20000 operations are not looked at, so that `:grad` of a large
  /// one costs no more than its backward pass.)
  func singularitiesAt(_ target: CallTarget) -> [SingularReading] {
    let limit = Swift.min(20_000, settings.limits.maximumSymbolicSize)
    guard let derivative = symbolicColumn(for: target, maximumSize: limit).derivative else {
      return []
    }
    var evaluator = Evaluator(tensors: tensors, functions: [:])
    let readings = derivative.program.singularities(at: target.arguments, with: &evaluator)
    let scale =
      target.arguments.lazy.flatMap(\.scalars).filter(\.isFinite).map { Swift.abs($0) }.max() ?? 0
    return SymbolicColumn.at(readings, scale: scale)
  }

  /// The symbolic gradients at `arguments`.
  func evaluate(_ column: SymbolicColumn, at arguments: [Tensor]) -> SymbolicColumn.Reading {
    guard let derivative = column.derivative else { return .init(error: column.unavailable) }
    var evaluator = Evaluator(tensors: tensors, functions: [:])
    do {
      let (gradients, readings) = try derivative.program.evaluate(at: arguments, with: &evaluator)
      return .init(gradients: gradients, singularities: readings)
    } catch {
      return .init(error: error.message)
    }
  }
}
