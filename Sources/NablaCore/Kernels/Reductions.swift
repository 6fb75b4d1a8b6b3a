/// Reductions over axes: sum, mean, max, min.

/// Which reduction a kernel computes.
public enum Reduction: String, Sendable {
  case sum, mean, max, min
}

extension Tensor {
  /// The shape of reducing `axes` (normalised, sorted) with or without kept unit axes.
  static func reducedShape(_ shape: [Int], axes: [Int], keepDims: Bool) -> [Int] {
    var out: [Int] = []
    for (i, d) in shape.enumerated() {
      if axes.contains(i) {
        if keepDims { out.append(1) }
      } else {
        out.append(d)
      }
    }
    return out
  }

  /// Reduces over `axes` (nil: all axes; negative axes count from the end).
  /// - Complexity: O(count)
  public func reduce(
    _ reduction: Reduction, axes: [Int]? = nil, keepDims: Bool = false
  ) throws(TensorError) -> Tensor {
    let normalized = try normalizeAxes(axes, rank: rank, op: reduction.rawValue)
    // A sum or mean of everything (`sum(x)`, the usual loss): one contiguous sum, the same
    // one the strided loop would make, without its shapes and strides.
    if normalized.count == rank && (reduction == .sum || reduction == .mean) {
      let n = count
      var total = sumOfElements()
      if reduction == .mean { total *= 1 / Double(n) }
      return Tensor(uncheckedShape: keepDims ? [Int](repeating: 1, count: rank) : [], storage: .one(total))
    }
    let keptShape = Tensor.reducedShape(shape, axes: normalized, keepDims: true)
    let outShape = keepDims ? keptShape : Tensor.reducedShape(shape, axes: normalized, keepDims: false)
    let reducedCount = normalized.reduce(1) { $0 * shape[$1] }
    if (reduction == .max || reduction == .min) && reducedCount == 0 {
      throw .invalidArgument(op: reduction.rawValue, "zero-size axis has no \(reduction.rawValue)imum")
    }
    let strides = broadcastStrides(keptShape, to: shape)
    switch reduction {
    case .sum, .mean:
      var result = scatteredAdd(into: keptShape, strides: strides)
      if reduction == .mean {
        let scale = 1 / Double(reducedCount)
        result.withUnsafeMutableBufferPointer { p in
          for i in p.indices { p[i] *= scale }
        }
      }
      return Tensor(uncheckedShape: outShape, storage: result.storage)
    case .max, .min:
      let isMax = reduction == .max
      var out = Tensor(uncheckedShape: outShape, repeating: isMax ? -.infinity : .infinity)
      withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
          forEachRow(shape: shape, strides: [contiguousStrides(shape), strides], bases: [0, 0]) {
            offsets, length, steps in
            var s = offsets[0]
            var o = offsets[1]
            for _ in 0..<length {
              let x = src[s]
              let m = dst[o]
              // NaN propagates, as in numpy.
              if isMax ? (x > m || x.isNaN) : (x < m || x.isNaN) {
                if !m.isNaN { dst[o] = x }
              }
              s += steps[0]
              o += steps[1]
            }
          }
        }
      }
      return out
    }
  }

  /// The sum of every element as a Double. A large tensor is cut into
  /// `Tensor.reductionBlocks` runs summed concurrently, whose sums are added in order.
  public func sumOfElements() -> Double {
    withUnsafeBufferPointer { p in
      let n = p.count
      guard n >= 2 * Parallel.cheapGrain else { return n == 0 ? 0 : contiguousSum(p.baseAddress!, n) }
      return Parallel.mapBlocks(n, blocks: Tensor.reductionBlocks) { r in
        contiguousSum(p.baseAddress! + r.lowerBound, r.count)
      }.reduce(0, +)
    }
  }
}
