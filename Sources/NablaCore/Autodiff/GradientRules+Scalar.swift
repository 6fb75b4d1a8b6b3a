import Foundation

/// The gradient rules of `GradientRules.swift` for a node whose output, gradient and operands
/// are all 0-d scalars, on plain `Double`s: the same formulas, evaluated in the same order, so
/// the results are bit-for-bit those of the tensor rules. A scalar graph (a 10,000-op chain, a
/// gradient check at one point) would otherwise spend most of its sweep wrapping single
/// numbers in `Variable`s. Only the unrecorded backward pass uses this; ops not listed here
/// (and every non-scalar node) go through the tensor rules.

/// A 0-d operand's number, or nil.
@inline(__always)
private func scalarValue(_ o: Operands.Operand) -> Double? {
  switch o {
  case .scalar(let x): return x
  case .node(let n):
    return n._withUnsafeGuaranteedRef { node in
      if node.value.shape.isEmpty, case .one(let x) = node.value.storage { return x }
      return nil
    }
  case .constant(let c):
    if c.value.shape.isEmpty, case .one(let x) = c.value.storage { return x }
    return nil
  }
}

/// The contributions of a scalar node to its (at most two) inputs, or nil when the tensor
/// rules must run (not all scalars, or an op without a scalar rule here). A nil term means
/// no contribution.
@inline(__always)
func scalarGradients(
  of op: Op, operands: Operands, output y: Double, gradient g: Double
) -> (Double?, Double?)? {
  switch op {
  case .unary(let f):
    guard case .one(let operand) = operands, let a = scalarValue(operand) else { return nil }
    return (scalarGradientTerm(of: f, a, output: y, gradient: g), nil)
  case .binary(let f):
    guard case .two(let oa, let ob) = operands, let a = scalarValue(oa), let b = scalarValue(ob)
    else { return nil }
    return scalarGradientTerms(
      of: f, a, b, secondNeedsGradient: ob.needsGradient, output: y, gradient: g)
  default:
    return nil
  }
}

/// The term a 0-d node `f(a)` passes back to `a`, given its output `y` and its gradient `g`
/// (nil: none): the rule `backward` applies to scalar nodes, on plain numbers, for a caller
/// that keeps its own scalar graph.
@inline(__always)
public func scalarGradientTerm(of f: UnaryFunction, _ a: Double, output y: Double, gradient g: Double)
  -> Double?
{
  switch f {
  case .negate: -g
  case .exp: g * y
  case .log: g / a
  case .sin: g * Foundation.cos(a)
  case .cos: -(g * Foundation.sin(a))
  case .tan: g * (1 + y * y)
  case .tanh: g * (1 - y * y)
  case .sigmoid: g * (y * (1 - y))
  case .sqrt: g / (2 * y)
  case .square: g * (2 * a)
  case .reciprocal: -(g * (y * y))
  case .relu: g * (a > 0 ? 1 : 0)
  case .abs: g * (a > 0 ? 1 : (a < 0 ? -1 : (a.isNaN ? a : 0)))
  case .sign, .positive, .nonzero, .finiteOrZero: nil
  }
}

/// The terms a 0-d node `f(a, b)` passes back to `a` and `b`, as `scalarGradientTerm` does
/// for one operand. `secondNeedsGradient` spares `log(a)` in `a ^ b`'s rule when `b` is a
/// constant.
@inline(__always)
public func scalarGradientTerms(
  of f: BinaryFunction, _ a: Double, _ b: Double, secondNeedsGradient: Bool, output y: Double,
  gradient g: Double
) -> (Double?, Double?) {
  switch f {
  case .add: return (g, g)
  case .subtract: return (g, -g)
  case .multiply: return (g * b, g * a)
  case .divide: return (g / b, -(g * y / b))
  case .power:
    // As the tensor rule: the base is 1 where a = b = 0, and log(a) is taken as 0 at a = 0.
    let base = (b != 0 || a != 0) ? a : 1
    let e = b - 1
    let p = e == 2 ? base * base : Foundation.pow(base, e)
    guard secondNeedsGradient else { return (g * (b * p), nil) }
    let safeLog = a != 0 ? Foundation.log(a) : 0
    return (g * (b * p), g * (y * safeLog))
  case .maximum, .minimum:
    let share = f == .maximum ? maximumShare(a, b) : maximumShare(b, a)
    return (g * share, g * (1 - share))
  case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual, .maximumShare:
    return (nil, nil)
  }
}

@inline(__always)
private func maximumShare(_ a: Double, _ b: Double) -> Double { a > b ? 1 : (a == b ? 0.5 : 0) }
