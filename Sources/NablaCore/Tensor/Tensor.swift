/// An n-dimensional array of `Double`s in row-major order.
///
///     let x = try Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
///     let s = Tensor(2.5)                  // a 0-d scalar
///     let y = try x + Tensor([10, 20, 30]) // numpy broadcasting
///
/// `Tensor` is a value type: its storage is a Swift array, copied on write. It knows
/// nothing about gradients; `Variable` wraps a tensor with the graph node that made it.
public struct Tensor: Sendable {
  /// The size of each axis; empty for a scalar.
  public let shape: [Int]
  /// The elements in row-major order; `scalars.count == shape.product`.
  public internal(set) var scalars: [Double]

  /// Creates a tensor, checking that the scalars fill the shape.
  public init(shape: [Int], scalars: [Double]) throws(TensorError) {
    guard shape.allSatisfy({ $0 >= 0 }) else { throw .invalidShape(op: "tensor", shape) }
    guard shapeCount(shape) == scalars.count else {
      throw .elementCountMismatch(shape: shape, count: scalars.count)
    }
    self.shape = shape
    self.scalars = scalars
  }

  /// Creates a tensor without checking; the caller guarantees the count.
  init(uncheckedShape shape: [Int], scalars: [Double]) {
    self.shape = shape
    self.scalars = scalars
  }

  /// A 0-d tensor holding one number.
  public init(_ scalar: Double) {
    self.shape = []
    self.scalars = [scalar]
  }

  /// A 1-d tensor of the given numbers.
  public init(_ scalars: [Double]) {
    self.shape = [scalars.count]
    self.scalars = scalars
  }

  /// A tensor of `shape` with every element `value`.
  public init(repeating value: Double, shape: [Int]) throws(TensorError) {
    guard shape.allSatisfy({ $0 >= 0 }) else { throw .invalidShape(op: "full", shape) }
    self.init(uncheckedShape: shape, scalars: Array(repeating: value, count: shapeCount(shape)))
  }

  /// The number of axes.
  public var rank: Int { shape.count }
  /// The number of elements.
  public var count: Int { scalars.count }
  /// Whether the tensor holds exactly one element (a scalar of any rank).
  public var isScalar: Bool { scalars.count == 1 }
  /// The only element of a one-element tensor, or nil.
  public var scalar: Double? { scalars.count == 1 ? scalars[0] : nil }

  /// The same elements under another shape with the same count.
  public func reshaped(to newShape: [Int]) throws(TensorError) -> Tensor {
    let resolved = try resolveReshape(shape, newShape)
    return Tensor(uncheckedShape: resolved, scalars: scalars)
  }
}

extension Tensor: Equatable {
  /// Exact equality of shape and elements (NaN is unequal to itself, as for Double).
  public static func == (a: Tensor, b: Tensor) -> Bool {
    a.shape == b.shape && a.scalars == b.scalars
  }
}

extension Tensor {
  /// Whether every element is within `tolerance` relative (or absolute near zero) of `other`.
  public func isApproximatelyEqual(
    to other: Tensor, relativeTolerance: Double = 1e-9, absoluteTolerance: Double = 1e-12
  ) -> Bool {
    guard shape == other.shape else { return false }
    for (a, b) in zip(scalars, other.scalars) {
      if a == b || (a.isNaN && b.isNaN) { continue }
      // An infinity is close only to itself (the relative bound below would be infinite too).
      if a.isInfinite || b.isInfinite { return false }
      let diff = Swift.abs(a - b)
      if !(diff <= absoluteTolerance || diff <= relativeTolerance * Swift.max(Swift.abs(a), Swift.abs(b))) {
        return false
      }
    }
    return true
  }
}
