/// Kernels that move elements without arithmetic: transpose, broadcast_to, slicing, concat.

/// One item of an index expression `x[...]`.
public enum TensorIndex: Sendable, Equatable {
  /// A single position; removes the axis. Negative counts from the end.
  case index(Int)
  /// `start:stop:step` with Python's defaults and clamping.
  case slice(start: Int?, stop: Int?, step: Int?)
  /// `...`: as many full slices as needed.
  case ellipsis
  /// A new axis of size 1.
  case newAxis
}

/// A strided view into a contiguous tensor: what an index expression selects.
public struct StridedView: Sendable, Equatable {
  public var shape: [Int]
  public var strides: [Int]
  public var offset: Int
}

extension Tensor {
  /// Transposes by `permutation` (nil reverses the axes, as numpy's `transpose`).
  public func transposed(_ permutation: [Int]? = nil) throws(TensorError) -> Tensor {
    let perm = try Tensor.resolvePermutation(permutation, rank: rank)
    let own = contiguousStrides(shape)
    return gathered(shape: perm.map { shape[$0] }, strides: perm.map { own[$0] })
  }

  /// Checks a permutation of the axes, defaulting to the reverse order.
  static func resolvePermutation(_ permutation: [Int]?, rank: Int) throws(TensorError) -> [Int] {
    guard let permutation else { return Array((0..<rank).reversed()) }
    guard permutation.count == rank else { throw .invalidPermutation(permutation, rank: rank) }
    var perm: [Int] = []
    for p in permutation {
      guard p >= -rank && p < rank else { throw .invalidPermutation(permutation, rank: rank) }
      perm.append(p < 0 ? p + rank : p)
    }
    guard Set(perm).count == rank else { throw .invalidPermutation(permutation, rank: rank) }
    return perm
  }

  /// The inverse of a permutation.
  static func inversePermutation(_ perm: [Int]) -> [Int] {
    var inv = [Int](repeating: 0, count: perm.count)
    for (i, p) in perm.enumerated() { inv[p] = i }
    return inv
  }

  /// Repeats the tensor along broadcast axes to `target` (numpy's `broadcast_to`).
  public func broadcast(to target: [Int]) throws(TensorError) -> Tensor {
    guard target.allSatisfy({ $0 >= 0 }) else { throw .invalidShape(op: "broadcast_to", target) }
    try TensorLimits.check(target, op: "broadcast_to")
    guard shapeBroadcasts(shape, to: target) else {
      throw .cannotBroadcastTo(op: "broadcast_to", from: shape, to: target)
    }
    return expanded(to: target)
  }

  /// This tensor repeated along broadcast axes to `target`, which the caller knows it
  /// broadcasts to (an unexpanded gradient made whole).
  func expanded(to target: [Int]) -> Tensor {
    if shape == target { return self }
    return gathered(shape: target, strides: broadcastStrides(shape, to: target))
  }

  /// Whether this tensor's shape broadcasts to `target` (numpy rules, `target` unchanged).
  func broadcasts(to target: [Int]) -> Bool { shapeBroadcasts(shape, to: target) }

  /// Sums a gradient of a broadcast result back to `target`, the shape it was broadcast
  /// from: the one place where broadcasting is undone ("sum in reverse").
  public func unbroadcast(to target: [Int]) -> Tensor {
    if shape == target { return self }
    return scatteredAdd(into: target, strides: broadcastStrides(target, to: shape))
  }

  /// Resolves an index expression against this shape into a strided view.
  public static func view(
    of shape: [Int], indexedBy items: [TensorIndex]
  ) throws(TensorError) -> StridedView {
    let consuming = items.filter { if case .index = $0 { true } else if case .slice = $0 { true } else { false } }.count
    guard consuming <= shape.count else {
      throw .tooManyIndices(count: consuming, rank: shape.count)
    }
    guard items.filter({ $0 == .ellipsis }).count <= 1 else {
      throw .invalidArgument(op: "index", "an index can only have a single ellipsis ('...')")
    }
    var expanded: [TensorIndex] = []
    for item in items {
      if item == .ellipsis {
        expanded += Array(repeating: .slice(start: nil, stop: nil, step: nil), count: shape.count - consuming)
      } else {
        expanded.append(item)
      }
    }
    let own = contiguousStrides(shape)
    var view = StridedView(shape: [], strides: [], offset: 0)
    var axis = 0
    for item in expanded {
      switch item {
      case .newAxis:
        view.shape.append(1)
        view.strides.append(0)
      case .index(let i):
        let size = shape[axis]
        let j = i < 0 ? i + size : i
        guard j >= 0 && j < size else { throw .indexOutOfRange(index: i, axis: axis, size: size) }
        view.offset += j * own[axis]
        axis += 1
      case .slice(let start, let stop, let step):
        let size = shape[axis]
        let step = step ?? 1
        guard step != 0 else { throw .zeroSliceStep }
        let (lo, n) = resolveSlice(start: start, stop: stop, step: step, size: size)
        view.shape.append(n)
        // With fewer than two elements the step is never taken; a huge step would overflow.
        view.strides.append(n > 1 ? step * own[axis] : own[axis])
        if n > 0 { view.offset += lo * own[axis] }
        axis += 1
      case .ellipsis:
        break
      }
    }
    while axis < shape.count {
      view.shape.append(shape[axis])
      view.strides.append(own[axis])
      axis += 1
    }
    return view
  }

  /// Python's `slice.indices`: the first position and the number of elements.
  static func resolveSlice(start: Int?, stop: Int?, step: Int, size: Int) -> (first: Int, count: Int) {
    func clamp(_ v: Int?, _ dflt: Int, lower: Int, upper: Int) -> Int {
      guard var v else { return dflt }
      if v < 0 { v += size }
      return Swift.min(Swift.max(v, lower), upper)
    }
    if step > 0 {
      let a = clamp(start, 0, lower: 0, upper: size)
      let b = clamp(stop, size, lower: 0, upper: size)
      return (a, b > a ? (b - a - 1) / step + 1 : 0)
    } else {
      let a = clamp(start, size - 1, lower: -1, upper: size - 1)
      let b = clamp(stop, -1, lower: -1, upper: size - 1)
      return (a, a > b ? Int(UInt(a - b - 1) / step.magnitude) + 1 : 0)
    }
  }

  /// The elements an index expression selects, as a new tensor.
  public subscript(items: [TensorIndex]) -> Tensor {
    get throws(TensorError) {
      let v = try Tensor.view(of: shape, indexedBy: items)
      return gathered(shape: v.shape, strides: v.strides, offset: v.offset)
    }
  }

  /// Joins tensors along an existing axis.
  public static func concatenate(_ tensors: [Tensor], axis: Int) throws(TensorError) -> Tensor {
    guard let first = tensors.first else {
      throw .invalidArgument(op: "concat", "needs at least one tensor")
    }
    guard first.rank > 0 else {
      throw .invalidArgument(op: "concat", "cannot concatenate scalars; use stack")
    }
    let ax = try normalizeAxis(axis, rank: first.rank, op: "concat")
    for t in tensors {
      var a = t.shape
      var b = first.shape
      guard a.count == b.count else { throw .mismatchedShapes(op: "concat", axis: axis, tensors.map(\.shape)) }
      a[ax] = 0
      b[ax] = 0
      guard a == b else { throw .mismatchedShapes(op: "concat", axis: axis, tensors.map(\.shape)) }
    }
    var shape = first.shape
    shape[ax] = tensors.reduce(0) { $0 + $1.shape[ax] }
    try TensorLimits.check(shape, op: "concat")
    let outer = first.shape[..<ax].reduce(1, *)
    let inner = first.shape[(ax + 1)...].reduce(1, *)
    var out: [Double] = []
    out.reserveCapacity(shapeCount(shape))
    for o in 0..<outer {
      for t in tensors {
        let chunk = t.shape[ax] * inner
        out.append(contentsOf: t.scalars[(o * chunk)..<((o + 1) * chunk)])
      }
    }
    return Tensor(uncheckedShape: shape, scalars: out)
  }
}
