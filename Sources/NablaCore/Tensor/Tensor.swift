import CNablaKernels

/// An n-dimensional array of `Double`s in row-major order.
///
///     let x = try Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
///     let s = Tensor(2.5)                  // a 0-d scalar
///     let y = try x + Tensor([10, 20, 30]) // numpy broadcasting
///
/// `Tensor` is a value type: its storage is a Swift array, copied on write, except that a
/// one-element tensor keeps its number inline (no heap allocation: scalar code allocates
/// nothing for its values). It knows nothing about gradients; `Variable` wraps a tensor with
/// the graph node that made it.
public struct Tensor: Sendable {
  /// The size of each axis; empty for a scalar.
  public let shape: [Int]
  /// The elements (see `Tensor+Storage.swift`).
  var storage: Storage

  /// The elements in row-major order; `scalars.count == shape.product`.
  ///
  /// - Complexity: O(1), except that a one-element tensor builds a one-element array.
  public internal(set) var scalars: [Double] {
    get {
      switch storage {
      case .one(let x): [x]
      case .many(let a): a
      }
    }
    _modify {
      var a = scalars
      // Drop the stored reference first, so the caller's writes do not copy the array.
      storage = .one(0)
      defer { storage = a.count == 1 ? .one(a[0]) : .many(a) }
      yield &a
    }
  }

  /// Creates a tensor, checking that the scalars fill the shape.
  public init(shape: [Int], scalars: [Double]) throws(TensorError) {
    guard shape.allSatisfy({ $0 >= 0 }) else { throw .invalidShape(op: "tensor", shape) }
    // Also rules out a shape whose element count overflows (and so could match any count).
    try TensorLimits.check(shape, op: "tensor")
    guard shapeCount(shape) == scalars.count else {
      throw .elementCountMismatch(shape: shape, count: scalars.count)
    }
    self.init(uncheckedShape: shape, scalars: scalars)
  }

  /// Creates a tensor without checking; the caller guarantees the count.
  init(uncheckedShape shape: [Int], scalars: [Double]) {
    self.shape = shape
    self.storage = scalars.count == 1 ? .one(scalars[0]) : .many(scalars)
  }

  /// A 0-d tensor holding one number.
  public init(_ scalar: Double) {
    self.shape = []
    self.storage = .one(scalar)
  }

  /// A 1-d tensor of the given numbers.
  public init(_ scalars: [Double]) {
    self.init(uncheckedShape: [scalars.count], scalars: scalars)
  }

  /// A tensor of `shape` with every element `value`.
  public init(repeating value: Double, shape: [Int]) throws(TensorError) {
    guard shape.allSatisfy({ $0 >= 0 }) else { throw .invalidShape(op: "full", shape) }
    try TensorLimits.check(shape, op: "full")
    self.init(uncheckedShape: shape, repeating: value)
  }

  /// The number of axes.
  public var rank: Int { shape.count }
  /// The number of elements.
  public var count: Int {
    switch storage {
    case .one: 1
    case .many(let a): a.count
    }
  }
  /// Whether the tensor holds exactly one element (a scalar of any rank).
  public var isScalar: Bool { count == 1 }
  /// The only element of a one-element tensor, or nil.
  public var scalar: Double? {
    switch storage {
    case .one(let x): x
    case .many(let a): a.count == 1 ? a[0] : nil
    }
  }

  /// The same elements under another shape with the same count.
  public func reshaped(to newShape: [Int]) throws(TensorError) -> Tensor {
    let resolved = try resolveReshape(shape, newShape)
    return Tensor(uncheckedShape: resolved, storage: storage)
  }
}

extension Tensor {
  /// Whether any element is NaN or ±∞.
  /// - Complexity: O(count), in one vectorised pass (x·0 is NaN exactly when x is not finite),
  ///   split across threads for a large tensor.
  public var containsNonFinite: Bool {
    if case .one(let x) = storage { return !x.isFinite }
    return withUnsafeBufferPointer { p in
      let n = p.count
      guard n >= 2 * Parallel.cheapGrain else { return Tensor.containsNonFinite(p.baseAddress, n) }
      return Parallel.mapBlocks(n, blocks: Swift.min(Parallel.threads, n / Parallel.cheapGrain)) { r in
        Tensor.containsNonFinite(p.baseAddress! + r.lowerBound, r.count)
      }.contains(true)
    }
  }

  /// Whether any of `n` contiguous numbers is NaN or ±∞ (in C: the loop needs AVX2, which
  /// Swift code built for plain x86-64 does not get).
  private static func containsNonFinite(_ p: UnsafePointer<Double>?, _ n: Int) -> Bool {
    guard let p else { return false }
    return nabla_contains_non_finite(p, n) != 0
  }
}

extension Tensor: Equatable {
  /// Exact equality of shape and elements (NaN is unequal to itself, as for Double).
  public static func == (a: Tensor, b: Tensor) -> Bool {
    guard a.shape == b.shape && a.count == b.count else { return false }
    return a.withUnsafeBufferPointer { pa in
      b.withUnsafeBufferPointer { pb in
        for i in 0..<pa.count where pa[i] != pb[i] { return false }
        return true
      }
    }
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
