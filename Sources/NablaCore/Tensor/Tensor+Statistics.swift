extension Tensor {
  /// What one-line summaries of a tensor show: the smallest, mean and largest of its finite
  /// elements, and how many elements are NaN and how many infinite.
  public struct FiniteStatistics: Sendable, Equatable {
    /// How many elements are finite; the other fields are NaN when none is.
    public var finiteCount: Int
    public var min: Double
    public var mean: Double
    public var max: Double
    public var nans: Int
    public var infs: Int
  }

  /// The statistics of the finite elements, in one pass (two if the sum overflows).
  /// - Complexity: O(count).
  public var finiteStatistics: FiniteStatistics {
    var lo = Double.infinity, hi = -Double.infinity, sum = 0.0
    var finite = 0, nans = 0, infs = 0
    for x in scalars {
      if x.isFinite {
        finite += 1
        sum += x
        if x < lo { lo = x }
        if x > hi { hi = x }
      } else if x.isNaN {
        nans += 1
      } else {
        infs += 1
      }
    }
    guard finite > 0 else {
      return FiniteStatistics(finiteCount: 0, min: .nan, mean: .nan, max: .nan, nans: nans, infs: infs)
    }
    var mean = sum / Double(finite)
    if !mean.isFinite {  // the sum overflowed; add the scaled-down terms instead
      mean = 0
      for x in scalars where x.isFinite { mean += x / Double(finite) }
    }
    return FiniteStatistics(finiteCount: finite, min: lo, mean: mean, max: hi, nans: nans, infs: infs)
  }
}
