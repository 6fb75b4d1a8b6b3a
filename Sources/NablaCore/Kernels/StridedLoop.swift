/// The one n-d iteration used by every strided kernel (broadcasting, reductions, gathers,
/// scatters): it walks a shape row by row, where a row is the last axis, and hands the body
/// each operand's offset at the start of the row. The body runs the tight inner loop.

/// Merges adjacent axes that are laid out contiguously for every operand, so inner rows are
/// as long as possible (a contiguous copy becomes one row).
func coalesce(shape: [Int], strides: [[Int]]) -> (shape: [Int], strides: [[Int]]) {
  guard shape.count > 1 else { return (shape, strides) }
  var newShape = [shape[shape.count - 1]]
  var newStrides = strides.map { [$0[shape.count - 1]] }
  for d in stride(from: shape.count - 2, through: 0, by: -1) {
    let inner = newShape[0]
    let mergeable = strides.indices.allSatisfy { k in strides[k][d] == newStrides[k][0] * inner }
    if mergeable || shape[d] == 1 {
      newShape[0] *= shape[d]
    } else if inner == 1 {
      newShape[0] = shape[d]
      for k in strides.indices { newStrides[k][0] = strides[k][d] }
    } else {
      newShape.insert(shape[d], at: 0)
      for k in strides.indices { newStrides[k].insert(strides[k][d], at: 0) }
    }
  }
  return (newShape, newStrides)
}

/// Calls `body(offsets, rowLength, rowStrides)` once per row of `shape`.
///
/// - Complexity: O(number of rows · operands) besides the body.
@inline(__always)
func forEachRow(
  shape rawShape: [Int], strides rawStrides: [[Int]], bases: [Int],
  _ body: (_ offsets: [Int], _ length: Int, _ steps: [Int]) -> Void
) {
  if rawShape.isEmpty {
    body(bases, 1, rawStrides.map { _ in 0 })
    return
  }
  if rawShape.contains(0) { return }
  let (shape, strides) = coalesce(shape: rawShape, strides: rawStrides)
  let r = shape.count
  let rowLength = shape[r - 1]
  let steps = strides.map { $0[r - 1] }
  var offsets = bases
  if r == 1 {
    body(offsets, rowLength, steps)
    return
  }
  var counter = [Int](repeating: 0, count: r - 1)
  var rows = 1
  for d in 0..<(r - 1) { rows *= shape[d] }
  let k = strides.count
  for _ in 0..<rows {
    body(offsets, rowLength, steps)
    var d = r - 2
    while d >= 0 {
      counter[d] += 1
      for j in 0..<k { offsets[j] += strides[j][d] }
      if counter[d] < shape[d] { break }
      for j in 0..<k { offsets[j] -= strides[j][d] * shape[d] }
      counter[d] = 0
      d -= 1
    }
  }
}

/// `forEachRow`, with the work split across threads when there are at least `grain`
/// elements per thread. The split is along the outermost axis on which operand `written`
/// (the one the body writes) moves, so every element it writes belongs to one thread, and
/// each element is computed in the same order as on one thread: a sum over the leading axis
/// (strides 0 there) is split by columns instead.
func forEachRowInParallel(
  shape: [Int], strides: [[Int]], bases: [Int]? = nil, written: Int, grain: Int,
  _ body: (_ offsets: [Int], _ length: Int, _ steps: [Int]) -> Void
) {
  let n = shapeCount(shape)
  let bases = bases ?? strides.map { _ in 0 }
  guard shape.count > 1, Swift.min(Parallel.threads, n / Swift.max(grain, 1)) >= 2,
    let axis = shape.indices.first(where: { shape[$0] > 1 && strides[written][$0] != 0 })
  else {
    forEachRow(shape: shape, strides: strides, bases: bases, body)
    return
  }
  let extent = shape[axis]
  Parallel.forEachChunk(extent, grain: Swift.max(1, grain / Swift.max(1, n / extent))) { r in
    var part = shape
    part[axis] = r.count
    forEachRow(
      shape: part, strides: strides, bases: zip(strides, bases).map { $1 + $0[axis] * r.lowerBound }, body)
  }
}

extension Tensor {
  /// Copies the elements addressed by `offset` and `strides` (one per axis of `shape`) into a
  /// new contiguous tensor: transpose, broadcast_to and slicing are all this gather.
  func gathered(shape: [Int], strides: [Int], offset: Int = 0) -> Tensor {
    let n = shapeCount(shape)
    return Tensor(uncheckedShape: shape, count: n) { dst in
      withUnsafeBufferPointer { src in
        forEachRowInParallel(
          shape: shape, strides: [strides, contiguousStrides(shape)], bases: [offset, 0],
          written: 1, grain: Parallel.cheapGrain
        ) {
          offsets, length, steps in
          // Row pointers: the inner loops index from 0 without overflow checks.
          let from = src.baseAddress! + offsets[0]
          let to = dst.baseAddress! + offsets[1]
          let (ss, os) = (steps[0], steps[1])
          if ss == 0 && os == 1 {
            to.update(repeating: from.pointee, count: length)
          } else if ss == 1 && os == 1 {
            to.update(from: from, count: length)
          } else {
            for i in 0..<length { to[i &* os] = from[i &* ss] }
          }
        }
      }
    }
  }

  /// Adds every element of `self` into a zero tensor of `targetShape` at the positions
  /// `offset + index · strides`: the adjoint of `gathered`. Strides of 0 sum (reduction).
  func scatteredAdd(into targetShape: [Int], strides: [Int], offset: Int = 0) -> Tensor {
    let blocks = Swift.min(Tensor.reductionBlocks, shape.first ?? 0)
    if shape.count >= 2 && strides[0] == 0 && blocks >= 2 && count >= 2 * Parallel.cheapGrain {
      return blockedSum(into: targetShape, strides: strides, offset: offset, blocks: blocks)
    }
    return Tensor(uncheckedShape: targetShape, count: shapeCount(targetShape), zeroed: true) { dst in
      withUnsafeBufferPointer { src in
        forEachRowInParallel(
          shape: shape, strides: [contiguousStrides(shape), strides], bases: [0, offset],
          written: 1, grain: Parallel.cheapGrain
        ) { offsets, length, steps in
          Tensor.scatterRow(src, dst, offsets, length, steps)
        }
      }
    }
  }

  /// The number of blocks a large sum (of everything, or over the leading axis) is cut
  /// into: fixed, and used on one thread too, so the result does not depend on how many
  /// threads sum them.
  static let reductionBlocks = 8

  /// `scatteredAdd` for a sum over the leading axis (a bias's gradient): the rows are cut
  /// into `blocks` runs summed on their own, concurrently, each reading its rows in memory
  /// order, then the partial sums are added in order.
  private func blockedSum(into targetShape: [Int], strides: [Int], offset: Int, blocks: Int) -> Tensor {
    let rows = shape[0]
    let rowLength = count / rows
    let rest = Array(shape.dropFirst())
    let sourceStrides = Array(contiguousStrides(shape).dropFirst())
    let targetStrides = Array(strides.dropFirst())
    let n = shapeCount(targetShape)
    let partials = withUnsafeBufferPointer { src in
      Parallel.mapBlocks(rows, blocks: blocks) { r in
        Tensor(uncheckedShape: targetShape, count: n, zeroed: true) { dst in
          forEachRow(
            shape: [r.count] + rest, strides: [[rowLength] + sourceStrides, [0] + targetStrides],
            bases: [r.lowerBound * rowLength, offset]
          ) { offsets, length, steps in
            Tensor.scatterRow(src, dst, offsets, length, steps)
          }
        }
      }
    }
    var total = partials[0]
    for k in 1..<blocks { total.add(partials[k]) }
    return total
  }

  /// One row of `scatteredAdd`: adds `length` elements of `src` into `dst`.
  @inline(__always)
  private static func scatterRow(
    _ src: UnsafeBufferPointer<Double>, _ dst: UnsafeMutableBufferPointer<Double>,
    _ offsets: [Int], _ length: Int, _ steps: [Int]
  ) {
    // Row pointers: the inner loops index from 0 without overflow checks, so they vectorise.
    let from = src.baseAddress! + offsets[0]
    let to = dst.baseAddress! + offsets[1]
    let (ss, os) = (steps[0], steps[1])
    if os == 0 {
      if ss == 1 {
        to.pointee += contiguousSum(from, length)
      } else {
        var acc = 0.0
        for i in 0..<length { acc += from[i &* ss] }
        to.pointee += acc
      }
    } else if ss == 1 && os == 1 {
      for i in 0..<length { to[i] += from[i] }
    } else {
      for i in 0..<length { to[i &* os] += from[i &* ss] }
    }
  }
}

/// The sum of `n` contiguous numbers, in eight interleaved partial sums so that the adds
/// do not wait on each other (one running sum is bound by the add latency).
@inline(__always)
func contiguousSum(_ p: UnsafePointer<Double>, _ n: Int) -> Double {
  var s0 = SIMD2<Double>(), s1 = SIMD2<Double>(), s2 = SIMD2<Double>(), s3 = SIMD2<Double>()
  var i = 0
  while i + 8 <= n {
    s0 += SIMD2(p[i], p[i + 1])
    s1 += SIMD2(p[i + 2], p[i + 3])
    s2 += SIMD2(p[i + 4], p[i + 5])
    s3 += SIMD2(p[i + 6], p[i + 7])
    i += 8
  }
  var tail = 0.0
  while i < n {
    tail += p[i]
    i += 1
  }
  let s = (s0 + s1) + (s2 + s3)
  return (s[0] + s[1]) + tail
}

/// The dot product of `n` contiguous pairs, summed as `contiguousSum` sums (eight partial
/// sums), so it equals `contiguousSum` of the products.
@inline(__always)
func contiguousDot(_ p: UnsafePointer<Double>, _ q: UnsafePointer<Double>, _ n: Int) -> Double {
  var s0 = SIMD2<Double>(), s1 = SIMD2<Double>(), s2 = SIMD2<Double>(), s3 = SIMD2<Double>()
  var i = 0
  while i + 8 <= n {
    s0 += SIMD2(p[i] * q[i], p[i + 1] * q[i + 1])
    s1 += SIMD2(p[i + 2] * q[i + 2], p[i + 3] * q[i + 3])
    s2 += SIMD2(p[i + 4] * q[i + 4], p[i + 5] * q[i + 5])
    s3 += SIMD2(p[i + 6] * q[i + 6], p[i + 7] * q[i + 7])
    i += 8
  }
  var tail = 0.0
  while i < n {
    tail += p[i] * q[i]
    i += 1
  }
  let s = (s0 + s1) + (s2 + s3)
  return (s[0] + s[1]) + tail
}

extension Tensor {
  /// `(g ⊙ other)` summed back to `target` ("sum in reverse"), without the product as a
  /// temporary: the gradient of a product for an input that was broadcast. `g`, `other` and
  /// `target` broadcast to `shape` (by default `g`'s: an unexpanded `g` is smaller).
  /// - Complexity: O(count of `shape`), one pass.
  static func productSummed(
    _ g: Tensor, _ other: Tensor, to target: [Int], shape: [Int]? = nil
  ) throws(TensorError) -> Tensor {
    let shape = shape ?? g.shape
    guard shapeBroadcasts(g.shape, to: shape), shapeBroadcasts(target, to: shape),
      shapeBroadcasts(other.shape, to: shape)
    else {
      return try g.combined(.multiply, with: other).unbroadcast(to: target)
    }
    let sg = broadcastStrides(g.shape, to: shape)
    let so = broadcastStrides(other.shape, to: shape)
    let st = broadcastStrides(target, to: shape)
    return Tensor(uncheckedShape: target, count: shapeCount(target), zeroed: true) { dst in
      g.withUnsafeBufferPointer { pg in
        other.withUnsafeBufferPointer { po in
          forEachRowInParallel(
            shape: shape, strides: [sg, so, st], written: 2,
            grain: Parallel.cheapGrain
          ) { offsets, length, steps in
            let pgRow = pg.baseAddress! + offsets[0]
            let poRow = po.baseAddress! + offsets[1]
            let to = dst.baseAddress! + offsets[2]
            let (dg, dother, dt) = (steps[0], steps[1], steps[2])
            if dt == 0 && dg == 1 && dother == 1 {
              to.pointee += contiguousDot(pgRow, poRow, length)
            } else if dt == 0 && dg == 0 && dother == 1 {
              // An unexpanded g, one number for the row.
              to.pointee += pgRow.pointee * contiguousSum(poRow, length)
            } else if dt == 0 {
              var acc = 0.0
              for i in 0..<length { acc += pgRow[i &* dg] * poRow[i &* dother] }
              to.pointee += acc
            } else if dt == 1 && dg == 1 && dother == 0 {
              let v = poRow.pointee
              for i in 0..<length { to[i] += pgRow[i] * v }
            } else if dt == 1 && dg == 1 && dother == 1 {
              for i in 0..<length { to[i] += pgRow[i] * poRow[i] }
            } else {
              for i in 0..<length { to[i &* dt] += pgRow[i &* dg] * poRow[i &* dother] }
            }
          }
        }
      }
    }
  }
}
