/// The size limit every operation that makes a new shape checks before it allocates, so that
/// `zeros(100000, 100000)` or a broadcast of `(100000, 1)` with `(1, 100000)` fails at once
/// instead of asking for 80 GB.
///
///     try TensorLimits.$maximumElementCount.withValue(1000) {
///       try Tensor.zeros([100, 100])   // throws .tooLarge
///     }
///
/// The limit is task-local, so each session (and each test) can have its own.
public enum TensorLimits {
  /// The most elements one tensor may have (default 10^8, 800 MB of doubles).
  @TaskLocal public static var maximumElementCount: Int = 100_000_000

  /// Throws `.tooLarge` when a tensor of `shape` would exceed the limit.
  ///
  /// Sizes of 0 do not make a shape small here: every axis counts as at least 1, so that
  /// strides and offsets computed from the shape can never overflow.
  /// - Complexity: O(rank)
  @inlinable
  public static func check(_ shape: [Int], op: String) throws(TensorError) {
    let limit = maximumElementCount
    var n = 1
    for d in shape {
      let (product, overflow) = n.multipliedReportingOverflow(by: Swift.max(d, 1))
      if overflow || product > limit { throw .tooLarge(op: op, shape: shape, limit: limit) }
      n = product
    }
  }
}
