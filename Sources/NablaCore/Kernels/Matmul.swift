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
    try matmul(other, transposingSelf: false, transposingOther: false, op: op)
  }

  /// `self @ other` where either operand may be read with its last two axes swapped, as
  /// BLAS does for free: the gradient of a product is a product with a transpose, and this
  /// spares copying the transpose. A transposed operand must have at least two axes.
  func matmul(
    _ other: Tensor, transposingSelf ta: Bool, transposingOther tb: Bool, op: String = "@"
  ) throws(TensorError) -> Tensor {
    func swapLast(_ s: [Int]) -> [Int] {
      var s = s
      s.swapAt(s.count - 1, s.count - 2)
      return s
    }
    precondition((!ta || rank >= 2) && (!tb || other.rank >= 2), "a transposed operand needs two axes")
    let (sa, sb, resultShape) = try Tensor.matmulShapes(
      ta ? swapLast(shape) : shape, tb ? swapLast(other.shape) : other.shape, op: op)
    let m = sa[sa.count - 2]
    let k = sa[sa.count - 1]
    let n = sb[sb.count - 1]
    let batchA = Array(sa.dropLast(2))
    let batchB = Array(sb.dropLast(2))
    let batch = try broadcastShapes(batchA, batchB, op: op)
    try TensorLimits.check(resultShape, op: op)
    let batches = shapeCount(batch)
    if m * n == 0 || k == 0 {
      return Tensor(uncheckedShape: resultShape, repeating: 0)
    }
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
    // Row-major leading dimensions of the matrices as stored.
    let lda = Int32(ta ? m : k)
    let ldb = Int32(tb ? k : n)
    // BLAS writes every element (beta = 0), so the result starts uninitialised.
    return Tensor(uncheckedShape: resultShape, count: batches * m * n) { pc in
      withUnsafeBufferPointer { pa in
        other.withUnsafeBufferPointer { pb in
          for i in 0..<batches {
            let a = pa.baseAddress! + offsetsA[i]
            let b = pb.baseAddress! + offsetsB[i]
            let c = pc.baseAddress! + i * m * n
            if n == 1 {
              // A stored k × m is read transposed; a column b is contiguous either way.
              cblas_dgemv(
                CblasRowMajor, ta ? CblasTrans : CblasNoTrans, Int32(ta ? k : m), Int32(ta ? m : k),
                1, a, lda, b, 1, 0, c, 1)
            } else {
              cblas_dgemm(
                CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), 1, a, lda, b, ldb, 0, c, Int32(n))
            }
          }
        }
      }
    }
  }
}
