/// Shape arithmetic shared by every operation: counts, strides, broadcasting, axes.

/// The number of elements of a shape (1 for a scalar).
@inlinable
public func shapeCount(_ shape: [Int]) -> Int {
  var n = 1
  for d in shape { n &*= d }
  return n
}

/// Row-major strides of a contiguous tensor of `shape`.
@inlinable
func contiguousStrides(_ shape: [Int]) -> [Int] {
  var strides = [Int](repeating: 1, count: shape.count)
  var s = 1
  for i in stride(from: shape.count - 1, through: 0, by: -1) {
    strides[i] = s
    s &*= shape[i]
  }
  return strides
}

/// The shape two shapes broadcast to under numpy's rules, or an error naming `op`.
///
/// Axes are aligned from the right; each pair must be equal or contain a 1.
public func broadcastShapes(_ a: [Int], _ b: [Int], op: String) throws(TensorError) -> [Int] {
  if a == b { return a }
  // With a 0-d operand (a literal, the common case) the result is the other shape.
  if b.isEmpty { return a }
  if a.isEmpty { return b }
  let rank = Swift.max(a.count, b.count)
  var result = [Int](repeating: 1, count: rank)
  for i in 0..<rank {
    let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
    let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
    if da == db || db == 1 {
      result[i] = da
    } else if da == 1 {
      result[i] = db
    } else {
      throw .cannotBroadcast(op: op, a, b)
    }
  }
  return result
}

/// Whether `shape` broadcasts to `target` unchanged (numpy rules).
func shapeBroadcasts(_ shape: [Int], to target: [Int]) -> Bool {
  guard shape.count <= target.count else { return false }
  let offset = target.count - shape.count
  for (i, d) in shape.enumerated() where d != 1 && d != target[offset + i] { return false }
  return true
}

/// Strides that read a tensor of `shape` as if it had `target` shape (0 on broadcast axes).
/// The caller has checked that `shape` broadcasts to `target`.
func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
  let own = contiguousStrides(shape)
  let offset = target.count - shape.count
  var strides = [Int](repeating: 0, count: target.count)
  for i in 0..<shape.count where shape[i] != 1 || target[i + offset] == 1 {
    strides[i + offset] = shape[i] == 1 ? 0 : own[i]
  }
  return strides
}

/// Maps a possibly negative axis into `0 ..< rank`, or throws.
@inlinable
public func normalizeAxis(_ axis: Int, rank: Int, op: String) throws(TensorError) -> Int {
  let a = axis < 0 ? axis + rank : axis
  guard a >= 0 && a < rank else { throw .axisOutOfRange(op: op, axis: axis, rank: rank) }
  return a
}

/// Normalises a list of axes (nil = all), sorted, rejecting duplicates.
public func normalizeAxes(_ axes: [Int]?, rank: Int, op: String) throws(TensorError) -> [Int] {
  guard let axes else { return Array(0..<rank) }
  var seen = Set<Int>()
  var result: [Int] = []
  for axis in axes {
    let a = try normalizeAxis(axis, rank: rank, op: op)
    guard seen.insert(a).inserted else { throw .duplicateAxis(op: op, axis: axis) }
    result.append(a)
  }
  return result.sorted()
}

/// Resolves a target shape with at most one -1 against `shape`'s element count.
func resolveReshape(_ shape: [Int], _ target: [Int]) throws(TensorError) -> [Int] {
  let count = shapeCount(shape)
  let unknown = target.indices.filter { target[$0] == -1 }
  guard unknown.count <= 1, target.allSatisfy({ $0 >= -1 }) else {
    throw .invalidShape(op: "reshape", target)
  }
  var resolved = target
  if let u = unknown.first {
    let known = target.enumerated().reduce(1) { $1.offset == u ? $0 : $0 * $1.element }
    guard known != 0, count % known == 0 else { throw .cannotReshape(from: shape, to: target) }
    resolved[u] = count / known
  }
  guard shapeCount(resolved) == count else { throw .cannotReshape(from: shape, to: target) }
  return resolved
}
