/// An error from a tensor operation: a bad shape, axis, index or argument.
///
/// Every case names the operation that failed and the values that made it fail, so a
/// message can be shown to a person as it is.
public enum TensorError: Error, Equatable, Sendable, CustomStringConvertible {
  /// Two shapes are not compatible under numpy's broadcasting rules.
  case cannotBroadcast(op: String, [Int], [Int])
  /// A shape cannot be broadcast to a target shape (`broadcast_to`).
  case cannotBroadcastTo(op: String, from: [Int], to: [Int])
  /// An axis is outside `-rank ..< rank`.
  case axisOutOfRange(op: String, axis: Int, rank: Int)
  /// The same axis was given twice.
  case duplicateAxis(op: String, axis: Int)
  /// A reshape would change the number of elements.
  case cannotReshape(from: [Int], to: [Int])
  /// A shape has a negative size, or more than one `-1`.
  case invalidShape(op: String, [Int])
  /// An index is outside its axis.
  case indexOutOfRange(index: Int, axis: Int, size: Int)
  /// More indices than the tensor has axes.
  case tooManyIndices(count: Int, rank: Int)
  /// A slice with step 0.
  case zeroSliceStep
  /// Inner dimensions of a matrix product differ, or an operand is 0-d.
  case matmulMismatch(op: String, [Int], [Int])
  /// Shapes that must agree everywhere but along `axis` do not (concat, stack).
  case mismatchedShapes(op: String, axis: Int, [[Int]])
  /// A permutation is not a permutation of `0 ..< rank`.
  case invalidPermutation([Int], rank: Int)
  /// An operation needs a scalar (for example `backward` without a seed gradient).
  case notScalar(op: String, [Int])
  /// The scalars given do not fill the shape.
  case elementCountMismatch(shape: [Int], count: Int)
  /// Any other bad argument, with a sentence saying what was wrong.
  case invalidArgument(op: String, String)
  /// A gradient rule produced a gradient whose shape is not its input's: a bug in Nabla.
  case gradientShapeMismatch(op: String, expected: [Int], got: [Int])
  /// The result would have more elements than `TensorLimits.maximumElementCount`.
  case tooLarge(op: String, shape: [Int], limit: Int)

  public var description: String {
    switch self {
    case .cannotBroadcast(let op, let a, let b):
      "cannot broadcast \(formatShape(a)) with \(formatShape(b)) in \(op)"
    case .cannotBroadcastTo(let op, let from, let to):
      "cannot broadcast \(formatShape(from)) to \(formatShape(to)) in \(op)"
    case .axisOutOfRange(let op, let axis, let rank):
      "axis \(axis) is out of range for a tensor of rank \(rank) in \(op)"
        + (rank == 0 ? " (a scalar has no axes)" : " (valid: \(-rank) to \(rank - 1))")
    case .duplicateAxis(let op, let axis):
      "axis \(axis) is repeated in \(op)"
    case .cannotReshape(let from, let to):
      "cannot reshape \(formatShape(from)) (\(from.reduce(1, *)) elements) to \(formatShape(to))"
    case .invalidShape(let op, let shape):
      // Only a reshape's target may hold a -1 (the size to infer).
      op == "reshape"
        ? "invalid shape \(formatShape(shape)) in reshape: sizes must be ≥ 0, with at most one -1"
        : "invalid shape \(formatShape(shape)) in \(op): sizes must be ≥ 0"
    case .indexOutOfRange(let index, let axis, let size):
      "index \(index) is out of range for axis \(axis) of size \(size)"
    case .tooManyIndices(let count, let rank):
      "too many indices: \(count) given for a tensor of rank \(rank)"
    case .zeroSliceStep:
      "slice step cannot be zero"
    case .matmulMismatch(let op, let a, let b):
      "cannot multiply \(formatShape(a)) by \(formatShape(b)) in \(op)"
        + (a.isEmpty || b.isEmpty
          ? ": operands must have at least one axis" : ": inner dimensions differ")
    case .mismatchedShapes(let op, let axis, let shapes):
      "shapes \(shapes.map(formatShape).joined(separator: ", ")) must agree except along axis \(axis) in \(op)"
    case .invalidPermutation(let perm, let rank):
      "\(perm) is not a permutation of the \(rank) axes"
    case .notScalar(let op, let shape):
      "\(op) needs a scalar, got shape \(formatShape(shape))"
    case .elementCountMismatch(let shape, let count):
      "shape \(formatShape(shape)) needs \(shape.reduce(1, *)) elements, got \(count)"
    case .invalidArgument(let op, let message):
      "\(op): \(message)"
    case .gradientShapeMismatch(let op, let expected, let got):
      "internal error: the gradient rule of \(op) gave shape \(formatShape(got)) for an input of shape \(formatShape(expected))"
    case .tooLarge(let op, let shape, let limit):
      "\(op) would make a tensor of shape \(formatShape(shape)), \(describeCount(shape)); the limit is \(limit) elements per tensor"
    }
  }
}

/// `12 elements`, or `more than 9223372036854775807 elements` when the count overflows.
private func describeCount(_ shape: [Int]) -> String {
  var n = 1
  for d in shape {
    let (product, overflow) = n.multipliedReportingOverflow(by: d)
    if overflow { return "more than \(Int.max) elements" }
    n = product
  }
  if n == 0, let longest = shape.max(), longest > 1 { return "with an axis of \(longest)" }
  return "\(n) element\(n == 1 ? "" : "s")"
}

/// Formats a shape as numpy does: `()`, `(3,)`, `(3, 4)`.
public func formatShape(_ shape: [Int]) -> String {
  switch shape.count {
  case 0: "()"
  case 1: "(\(shape[0]),)"
  default: "(" + shape.map(String.init).joined(separator: ", ") + ")"
  }
}
