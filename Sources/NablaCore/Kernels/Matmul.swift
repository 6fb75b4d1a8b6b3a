import COpenBLAS

/// Matrix products through BLAS (`cblas_dgemm`), with numpy's `matmul` rules.
extension Tensor {
  /// The shapes a matmul works on after numpy's 1-d promotion: a 1-d left operand becomes a
  /// row (1, k), a 1-d right operand a column (k, 1); the promoted axes are dropped afterwards.
  static func matmulShapes(
    _ a: [Int], _ b: [Int], op: String = "@"
  ) throws(TensorError) -> (a: [Int], b: [Int], result: [Int]) {
    guard !a.isEmpty && !b.isEmpty else { throw .matmulMismatch(op: op, a, b) }
    let pa = a.count == 1 ? [1, a[0]] : a
    let pb = b.count == 1 ? [b[0], 1] : b
    guard pa[pa.count - 1] == pb[pb.count - 2] else { throw .matmulMismatch(op: op, a, b) }
    let batch: [Int]
    do {
      batch = try broadcastShapes(Array(pa.dropLast(2)), Array(pb.dropLast(2)), op: op)
    } catch {
      throw .matmulMismatch(op: op, a, b)
    }
    var result = batch
    if a.count > 1 { result.append(pa[pa.count - 2]) }
    if b.count > 1 { result.append(pb[pb.count - 1]) }
    return (pa, pb, result)
  }

  /// The matrix product `self @ other` (numpy's `matmul`: 1-d promotion, batch broadcasting).
  /// - Complexity: O(batch · m · k · n), in BLAS.
  public func matmul(_ other: Tensor, op: String = "@") throws(TensorError) -> Tensor {
    let (sa, sb, resultShape) = try Tensor.matmulShapes(shape, other.shape, op: op)
    let m = sa[sa.count - 2]
    let k = sa[sa.count - 1]
    let n = sb[sb.count - 1]
    let batchA = Array(sa.dropLast(2))
    let batchB = Array(sb.dropLast(2))
    let batch = try broadcastShapes(batchA, batchB, op: op)
    try TensorLimits.check(resultShape, op: op)
    let batches = shapeCount(batch)
    var out = [Double](repeating: 0, count: batches * m * n)
    if m * n == 0 { return Tensor(uncheckedShape: resultShape, scalars: out) }
    // Offsets of each batch's matrices, following broadcasting over the batch axes.
    let strideA = broadcastStrides(batchA, to: batch).map { $0 * m * k }
    let strideB = broadcastStrides(batchB, to: batch).map { $0 * k * n }
    var offsetsA: [Int] = []
    var offsetsB: [Int] = []
    offsetsA.reserveCapacity(batches)
    offsetsB.reserveCapacity(batches)
    forEachRow(shape: batch, strides: [strideA, strideB], bases: [0, 0]) { offsets, length, steps in
      for i in 0..<length {
        offsetsA.append(offsets[0] + i * steps[0])
        offsetsB.append(offsets[1] + i * steps[1])
      }
    }
    withUnsafeBufferPointer { pa in
      other.withUnsafeBufferPointer { pb in
        out.withUnsafeMutableBufferPointer { pc in
          for i in 0..<batches {
            let a = pa.baseAddress! + offsetsA[i]
            let b = pb.baseAddress! + offsetsB[i]
            let c = pc.baseAddress! + i * m * n
            if k == 0 { continue }
            if n == 1 {
              cblas_dgemv(CblasRowMajor, CblasNoTrans, Int32(m), Int32(k), 1, a, Int32(k), b, 1, 0, c, 1)
            } else {
              cblas_dgemm(
                CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k),
                1, a, Int32(k), b, Int32(n), 0, c, Int32(n))
            }
          }
        }
      }
    }
    return Tensor(uncheckedShape: resultShape, scalars: out)
  }
}
