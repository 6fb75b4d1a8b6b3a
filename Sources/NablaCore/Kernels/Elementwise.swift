import CNablaKernels
import Foundation

/// An elementwise function of one argument: the forward kernels of the unary ops and the
/// masks their gradient rules use.
public enum UnaryFunction: String, Sendable, CaseIterable {
  case negate, exp, log, sin, cos, tan, tanh, sigmoid, relu, sqrt, abs
  /// sign(x): -1, 0 or 1 (NaN stays NaN).
  case sign
  /// 1 where x > 0, else 0: the derivative of relu.
  case positive
  /// 1 where x != 0, else 0.
  case nonzero
  /// x²
  case square
  /// 1/x
  case reciprocal
  /// x where finite, else 0 (the shift of a stable softmax).
  case finiteOrZero
}

protocol UnaryKernel {
  static func apply(_ x: Double) -> Double
  /// The libmvec version of `apply`, if there is one.
  static var vector: nabla_vector_function? { get }
  /// Elements per thread worth splitting a kernel for (see `Parallel`).
  static var grain: Int { get }
}

extension UnaryKernel {
  static var vector: nabla_vector_function? { nil }
  static var grain: Int { Parallel.cheapGrain }
}

/// A kernel computing a transcendental function: worth vectorising and splitting early.
protocol TranscendentalKernel: UnaryKernel {}

extension TranscendentalKernel {
  static var grain: Int { Parallel.costlyGrain }
}

private enum NegateK: UnaryKernel { @inline(__always) static func apply(_ x: Double) -> Double { -x } }
private enum ExpK: TranscendentalKernel {
  static var vector: nabla_vector_function? { NABLA_VECTOR_EXP }
  @inline(__always) static func apply(_ x: Double) -> Double { Foundation.exp(x) }
}
private enum LogK: TranscendentalKernel {
  static var vector: nabla_vector_function? { NABLA_VECTOR_LOG }
  @inline(__always) static func apply(_ x: Double) -> Double { Foundation.log(x) }
}
private enum SinK: TranscendentalKernel {
  static var vector: nabla_vector_function? { NABLA_VECTOR_SIN }
  @inline(__always) static func apply(_ x: Double) -> Double { Foundation.sin(x) }
}
private enum CosK: TranscendentalKernel {
  static var vector: nabla_vector_function? { NABLA_VECTOR_COS }
  @inline(__always) static func apply(_ x: Double) -> Double { Foundation.cos(x) }
}
private enum TanK: TranscendentalKernel {
  static var vector: nabla_vector_function? { NABLA_VECTOR_TAN }
  @inline(__always) static func apply(_ x: Double) -> Double { Foundation.tan(x) }
}
private enum TanhK: TranscendentalKernel {
  static var vector: nabla_vector_function? { NABLA_VECTOR_TANH }
  @inline(__always) static func apply(_ x: Double) -> Double { Foundation.tanh(x) }
}
private enum SigmoidK: TranscendentalKernel {
  // Stable on both tails: never exponentiates a large positive number.
  @inline(__always) static func apply(_ x: Double) -> Double {
    if x >= 0 { return 1 / (1 + Foundation.exp(-x)) }
    let e = Foundation.exp(x)
    return e / (1 + e)
  }
}
private enum ReluK: UnaryKernel { @inline(__always) static func apply(_ x: Double) -> Double { x > 0 ? x : (x.isNaN ? x : 0) } }
private enum SqrtK: UnaryKernel { @inline(__always) static func apply(_ x: Double) -> Double { x.squareRoot() } }
private enum AbsK: UnaryKernel { @inline(__always) static func apply(_ x: Double) -> Double { Swift.abs(x) } }
private enum SignK: UnaryKernel {
  @inline(__always) static func apply(_ x: Double) -> Double { x > 0 ? 1 : (x < 0 ? -1 : (x.isNaN ? x : 0)) }
}
private enum PositiveK: UnaryKernel { @inline(__always) static func apply(_ x: Double) -> Double { x > 0 ? 1 : 0 } }
private enum NonzeroK: UnaryKernel { @inline(__always) static func apply(_ x: Double) -> Double { x != 0 ? 1 : 0 } }
private enum SquareK: UnaryKernel { @inline(__always) static func apply(_ x: Double) -> Double { x * x } }
private enum FiniteOrZeroK: UnaryKernel { @inline(__always) static func apply(_ x: Double) -> Double { x.isFinite ? x : 0 } }
private enum ReciprocalK: UnaryKernel { @inline(__always) static func apply(_ x: Double) -> Double { 1 / x } }
/// pow(x, 0.5): sqrt, except that pow gives +0 at -0 and +∞ at -∞.
private enum PowHalfK: UnaryKernel {
  @inline(__always) static func apply(_ x: Double) -> Double { x == -.infinity ? .infinity : x.squareRoot() + 0 }
}

/// Elements below which a vector math call is not worth making (and small tensors give
/// exactly the scalar libm results).
private let vectorMathMinimum = 16

@inline(__always)
private func mapKernel<K: UnaryKernel>(_ t: Tensor, _: K.Type) -> Tensor {
  if case .one(let x) = t.storage { return Tensor(uncheckedShape: t.shape, storage: .one(K.apply(x))) }
  let n = t.count
  return Tensor(uncheckedShape: t.shape, count: n) { dst in
    t.withUnsafeBufferPointer { src in
      Parallel.forEachChunk(n, grain: K.grain) { r in
        if let f = K.vector, r.count >= vectorMathMinimum,
          nabla_vector_math(f, src.baseAddress! + r.lowerBound, dst.baseAddress! + r.lowerBound, r.count) != 0
        {
          return
        }
        for i in r { dst[i] = K.apply(src[i]) }
      }
    }
  }
}

extension Tensor {
  /// Applies `function` to every element.
  /// - Complexity: O(count)
  public func map(_ function: UnaryFunction) -> Tensor {
    switch function {
    case .negate: mapKernel(self, NegateK.self)
    case .exp: mapKernel(self, ExpK.self)
    case .log: mapKernel(self, LogK.self)
    case .sin: mapKernel(self, SinK.self)
    case .cos: mapKernel(self, CosK.self)
    case .tan: mapKernel(self, TanK.self)
    case .tanh: mapKernel(self, TanhK.self)
    case .sigmoid: mapKernel(self, SigmoidK.self)
    case .relu: mapKernel(self, ReluK.self)
    case .sqrt: mapKernel(self, SqrtK.self)
    case .abs: mapKernel(self, AbsK.self)
    case .sign: mapKernel(self, SignK.self)
    case .positive: mapKernel(self, PositiveK.self)
    case .nonzero: mapKernel(self, NonzeroK.self)
    case .square: mapKernel(self, SquareK.self)
    case .reciprocal: mapKernel(self, ReciprocalK.self)
    case .finiteOrZero: mapKernel(self, FiniteOrZeroK.self)
    }
  }
}

extension UnaryFunction {
  /// The function on one number: what `Tensor.map` gives for a one-element tensor, through
  /// the same kernel (libm, never the vector library).
  @inline(__always)
  public func apply(_ x: Double) -> Double {
    switch self {
    case .negate: NegateK.apply(x)
    case .exp: ExpK.apply(x)
    case .log: LogK.apply(x)
    case .sin: SinK.apply(x)
    case .cos: CosK.apply(x)
    case .tan: TanK.apply(x)
    case .tanh: TanhK.apply(x)
    case .sigmoid: SigmoidK.apply(x)
    case .relu: ReluK.apply(x)
    case .sqrt: SqrtK.apply(x)
    case .abs: AbsK.apply(x)
    case .sign: SignK.apply(x)
    case .positive: PositiveK.apply(x)
    case .nonzero: NonzeroK.apply(x)
    case .square: SquareK.apply(x)
    case .reciprocal: ReciprocalK.apply(x)
    case .finiteOrZero: FiniteOrZeroK.apply(x)
    }
  }
}

/// An elementwise function of two broadcast arguments.
public enum BinaryFunction: String, Sendable, CaseIterable {
  case add, subtract, multiply, divide, power, maximum, minimum
  /// Comparisons give 1 or 0.
  case equal, notEqual, less, lessEqual, greater, greaterEqual
  /// 1 where a > b, ½ where a == b, 0 where a < b: the share of maximum's gradient a gets.
  case maximumShare

  /// The symbol or name used in error messages.
  public var symbol: String {
    switch self {
    case .add: "+"
    case .subtract: "-"
    case .multiply: "*"
    case .divide: "/"
    case .power: "^"
    case .maximum: "maximum"
    case .minimum: "minimum"
    case .equal: "=="
    case .notEqual: "!="
    case .less: "<"
    case .lessEqual: "<="
    case .greater: ">"
    case .greaterEqual: ">="
    case .maximumShare: "maximum"
    }
  }
}

protocol BinaryKernel {
  static func apply(_ a: Double, _ b: Double) -> Double
  /// Elements per thread worth splitting a kernel for (see `Parallel`).
  static var grain: Int { get }
}

extension BinaryKernel {
  static var grain: Int { Parallel.cheapGrain }
}

private enum AddK: BinaryKernel { @inline(__always) static func apply(_ a: Double, _ b: Double) -> Double { a + b } }
private enum SubK: BinaryKernel { @inline(__always) static func apply(_ a: Double, _ b: Double) -> Double { a - b } }
private enum MulK: BinaryKernel { @inline(__always) static func apply(_ a: Double, _ b: Double) -> Double { a * b } }
private enum DivK: BinaryKernel { @inline(__always) static func apply(_ a: Double, _ b: Double) -> Double { a / b } }
private enum PowK: BinaryKernel {
  static var grain: Int { Parallel.costlyGrain }
  @inline(__always) static func apply(_ a: Double, _ b: Double) -> Double {
    if b == 2 { return a * a }
    return Foundation.pow(a, b)
  }
}
private enum MaxK: BinaryKernel {
  @inline(__always) static func apply(_ a: Double, _ b: Double) -> Double { a.isNaN || b.isNaN ? .nan : Swift.max(a, b) }
}
private enum MinK: BinaryKernel {
  @inline(__always) static func apply(_ a: Double, _ b: Double) -> Double { a.isNaN || b.isNaN ? .nan : Swift.min(a, b) }
}
private enum EqK: BinaryKernel { @inline(__always) static func apply(_ a: Double, _ b: Double) -> Double { a == b ? 1 : 0 } }
private enum NeK: BinaryKernel { @inline(__always) static func apply(_ a: Double, _ b: Double) -> Double { a != b ? 1 : 0 } }
private enum LtK: BinaryKernel { @inline(__always) static func apply(_ a: Double, _ b: Double) -> Double { a < b ? 1 : 0 } }
private enum LeK: BinaryKernel { @inline(__always) static func apply(_ a: Double, _ b: Double) -> Double { a <= b ? 1 : 0 } }
private enum GtK: BinaryKernel { @inline(__always) static func apply(_ a: Double, _ b: Double) -> Double { a > b ? 1 : 0 } }
private enum GeK: BinaryKernel { @inline(__always) static func apply(_ a: Double, _ b: Double) -> Double { a >= b ? 1 : 0 } }
private enum MaxShareK: BinaryKernel {
  @inline(__always) static func apply(_ a: Double, _ b: Double) -> Double { a > b ? 1 : (a == b ? 0.5 : 0) }
}

private enum TanhGradientK: BinaryKernel {
  @inline(__always) static func apply(_ g: Double, _ y: Double) -> Double { g * (1 - y * y) }
}
private enum SquareGradientK: BinaryKernel {
  @inline(__always) static func apply(_ g: Double, _ a: Double) -> Double { g * (2 * a) }
}
private enum SigmoidGradientK: BinaryKernel {
  @inline(__always) static func apply(_ g: Double, _ y: Double) -> Double { g * (y * (1 - y)) }
}

@inline(__always)
private func zipKernel<K: BinaryKernel>(_ a: Tensor, _ b: Tensor, shape: [Int], _: K.Type) -> Tensor {
  let n = shapeCount(shape)
  // One element each (n == 1 means every operand has one): no buffers at all.
  if n == 1, case .one(let x) = a.storage, case .one(let y) = b.storage {
    return Tensor(uncheckedShape: shape, storage: .one(K.apply(x, y)))
  }
  return Tensor(uncheckedShape: shape, count: n) { dst in
    a.withUnsafeBufferPointer { pa in
      b.withUnsafeBufferPointer { pb in
        if pa.count == n && pb.count == n {
          Parallel.forEachChunk(n, grain: K.grain) { r in
            for i in r { dst[i] = K.apply(pa[i], pb[i]) }
          }
        } else if pb.count == 1 && pa.count == n {
          let y = pb[0]
          Parallel.forEachChunk(n, grain: K.grain) { r in
            for i in r { dst[i] = K.apply(pa[i], y) }
          }
        } else if pa.count == 1 && pb.count == n {
          let x = pa[0]
          Parallel.forEachChunk(n, grain: K.grain) { r in
            for i in r { dst[i] = K.apply(x, pb[i]) }
          }
        } else {
          let sa = broadcastStrides(a.shape, to: shape)
          let sb = broadcastStrides(b.shape, to: shape)
          forEachRowInParallel(
            shape: shape, strides: [sa, sb, contiguousStrides(shape)], written: 2, grain: K.grain
          ) {
            offsets, length, steps in
            // Pointers to the row's first elements: the inner loops index from 0 with no
            // overflow checks, so they vectorise.
            let x = pa.baseAddress! + offsets[0]
            let y = pb.baseAddress! + offsets[1]
            let out = dst.baseAddress! + offsets[2]
            let (da, db, dout) = (steps[0], steps[1], steps[2])
            if dout == 1 && da == 1 && db == 0 {
              let y0 = y.pointee
              for i in 0..<length { out[i] = K.apply(x[i], y0) }
            } else if dout == 1 && da == 0 && db == 1 {
              let x0 = x.pointee
              for i in 0..<length { out[i] = K.apply(x0, y[i]) }
            } else if dout == 1 && da == 1 && db == 1 {
              for i in 0..<length { out[i] = K.apply(x[i], y[i]) }
            } else {
              for i in 0..<length { out[i &* dout] = K.apply(x[i &* da], y[i &* db]) }
            }
          }
        }
      }
    }
  }
}

/// `function` on two numbers.
@inline(__always)
private func scalarKernel(_ function: BinaryFunction, _ x: Double, _ y: Double) -> Double {
  switch function {
  case .add: AddK.apply(x, y)
  case .subtract: SubK.apply(x, y)
  case .multiply: MulK.apply(x, y)
  case .divide: DivK.apply(x, y)
  case .power: PowK.apply(x, y)
  case .maximum: MaxK.apply(x, y)
  case .minimum: MinK.apply(x, y)
  case .equal: EqK.apply(x, y)
  case .notEqual: NeK.apply(x, y)
  case .less: LtK.apply(x, y)
  case .lessEqual: LeK.apply(x, y)
  case .greater: GtK.apply(x, y)
  case .greaterEqual: GeK.apply(x, y)
  case .maximumShare: MaxShareK.apply(x, y)
  }
}

extension BinaryFunction {
  /// The function on two numbers: what `Tensor.combined` gives for two 0-d tensors.
  @inline(__always)
  public func apply(_ x: Double, _ y: Double) -> Double { scalarKernel(self, x, y) }
}

extension Tensor {
  /// Applies `function` elementwise to `self` and `other` broadcast together (numpy rules).
  /// - Complexity: O(count of the broadcast shape)
  public func combined(
    _ function: BinaryFunction, with other: Tensor, op: String? = nil
  ) throws(TensorError) -> Tensor {
    // Two 0-d scalars (a scalar chain): nothing to broadcast, no buffers.
    if case .one(let x) = storage, case .one(let y) = other.storage, shape.isEmpty, other.shape.isEmpty {
      return Tensor(scalarKernel(function, x, y))
    }
    let shape = try broadcastShapes(self.shape, other.shape, op: op ?? function.symbol)
    // Only a result larger than both operands can pass the size limit.
    if shape != self.shape && shape != other.shape { try TensorLimits.check(shape, op: op ?? function.symbol) }
    switch function {
    case .add: return zipKernel(self, other, shape: shape, AddK.self)
    case .subtract: return zipKernel(self, other, shape: shape, SubK.self)
    case .multiply: return zipKernel(self, other, shape: shape, MulK.self)
    case .divide: return zipKernel(self, other, shape: shape, DivK.self)
    case .power:
      // A constant exponent (x^2, x^0.5, …): decide the kernel once, not per element.
      if other.count == 1, count == shapeCount(shape), let e = other.scalar, let t = power(exponent: e, shape: shape) {
        return t
      }
      return zipKernel(self, other, shape: shape, PowK.self)
    case .maximum: return zipKernel(self, other, shape: shape, MaxK.self)
    case .minimum: return zipKernel(self, other, shape: shape, MinK.self)
    case .equal: return zipKernel(self, other, shape: shape, EqK.self)
    case .notEqual: return zipKernel(self, other, shape: shape, NeK.self)
    case .less: return zipKernel(self, other, shape: shape, LtK.self)
    case .lessEqual: return zipKernel(self, other, shape: shape, LeK.self)
    case .greater: return zipKernel(self, other, shape: shape, GtK.self)
    case .greaterEqual: return zipKernel(self, other, shape: shape, GeK.self)
    case .maximumShare: return zipKernel(self, other, shape: shape, MaxShareK.self)
    }
  }

  /// `self ^ e` for the exponents with an exact shortcut, each the correctly rounded
  /// result `pow` gives; nil for any other exponent.
  private func power(exponent e: Double, shape: [Int]) -> Tensor? {
    switch e {
    case 0: return Tensor(uncheckedShape: shape, repeating: 1)  // pow(x, 0) is 1, even for NaN
    case 1: return Tensor(uncheckedShape: shape, storage: storage)
    case 2: return mapKernel(self, SquareK.self).reshapedUnchecked(shape)
    case -1: return mapKernel(self, ReciprocalK.self).reshapedUnchecked(shape)
    case 0.5: return mapKernel(self, PowHalfK.self).reshapedUnchecked(shape)
    default: return nil
    }
  }

  /// The same storage under `shape` (same count), for results whose shape was broadcast.
  fileprivate func reshapedUnchecked(_ shape: [Int]) -> Tensor {
    Tensor(uncheckedShape: shape, storage: storage)
  }

  /// `g ⊙ (1 − y²)`, the gradient of tanh from its output y, in one pass (three kernels
  /// as written); the same value, rounded the same way. `g` and `y` have the same shape.
  static func tanhGradient(_ g: Tensor, output y: Tensor) -> Tensor {
    zipKernel(g, y, shape: y.shape, TanhGradientK.self)
  }

  /// `g ⊙ (2a)`, the gradient of `a ^ 2`, in one pass; the same value, rounded the same way.
  /// `g` and `a` have the same shape.
  static func squareGradient(_ g: Tensor, _ a: Tensor) -> Tensor {
    zipKernel(g, a, shape: a.shape, SquareGradientK.self)
  }

  /// `g ⊙ (y ⊙ (1 − y))`, the gradient of the sigmoid from its output y, in one pass.
  static func sigmoidGradient(_ g: Tensor, output y: Tensor) -> Tensor {
    zipKernel(g, y, shape: y.shape, SigmoidGradientK.self)
  }

  /// Elementwise `condition != 0 ? a : b`, all three broadcast together.
  public static func select(
    _ condition: Tensor, _ a: Tensor, _ b: Tensor
  ) throws(TensorError) -> Tensor {
    let s1 = try broadcastShapes(condition.shape, a.shape, op: "where")
    let shape = try broadcastShapes(s1, b.shape, op: "where")
    try TensorLimits.check(shape, op: "where")
    let n = shapeCount(shape)
    let sc = broadcastStrides(condition.shape, to: shape)
    let sa = broadcastStrides(a.shape, to: shape)
    let sb = broadcastStrides(b.shape, to: shape)
    return Tensor(uncheckedShape: shape, count: n) { dst in
      condition.withUnsafeBufferPointer { pc in
        a.withUnsafeBufferPointer { pa in
          b.withUnsafeBufferPointer { pb in
            forEachRow(
              shape: shape, strides: [sc, sa, sb, contiguousStrides(shape)], bases: [0, 0, 0, 0]
            ) { offsets, length, steps in
              for i in 0..<length {
                dst[offsets[3] + i * steps[3]] =
                  pc[offsets[0] + i * steps[0]] != 0
                  ? pa[offsets[1] + i * steps[1]] : pb[offsets[2] + i * steps[2]]
              }
            }
          }
        }
      }
    }
  }
}
