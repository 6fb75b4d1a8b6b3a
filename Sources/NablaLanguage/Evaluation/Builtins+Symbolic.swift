import NablaCore

/// Builtins that symbolic derivatives are written with: shape queries, the reduction of a
/// broadcast gradient back to its input's shape (`sum_to`), and the scatter that undoes
/// indexing. They are ordinary builtins, so a printed derivative pastes back and evaluates.
extension Builtin {
  static let symbolicSupport: [Builtin] = [
    Builtin(
      name: "sign", parameters: [.init("x", .tensor)], category: .elementwise,
      summary: "-1, 0 or 1 by the sign of x (the derivative of abs; its own derivative is 0)",
      example: "sign([-2, 0, 3])",
      body: { args in Variable.apply(.sign, args.tensor("x")) }),
    Builtin(
      name: "shape", parameters: [.init("x", .tensor)], category: .shape,
      summary: "the sizes of x's axes, as a vector (empty for a scalar)",
      example: "shape(ones([2, 3]))",
      body: { args in Variable(Tensor(args.tensor("x").shape.map(Double.init))) }),
    Builtin(
      name: "size", parameters: [.init("x", .tensor), .init("axis", .axes, default: "none")],
      category: .shape,
      summary: "the number of elements of x, or of its slices along the given axes",
      example: "size(ones([2, 3]), axis: 1)",
      body: { args in
        let x = args.tensor("x")
        let axes = try normalizeAxes(args.list("axis"), rank: x.value.rank, op: "size")
        return Variable(Tensor(Double(axes.reduce(1) { $0 * x.shape[$1] })))
      }),
    Builtin(
      name: "sum_to", parameters: [.init("x", .tensor), .init("shape", .shape)], category: .shape,
      summary:
        "sums x over the axes that a tensor of this shape is broadcast along (the gradient of broadcast_to)",
      example: "sum_to(ones([2, 3]), [3])",
      body: { args in try Variable.sumTo(args.tensor("x"), args.list("shape") ?? []) }),
    Builtin(
      name: "flat_indices", parameters: [.init("x", .tensor)], category: .shape,
      summary: "the row-major position of each element of x, shaped like x",
      example: "flat_indices(ones([2, 3]))[:, 1]",
      body: { args in
        let x = args.tensor("x")
        return Variable(try Tensor(shape: x.shape, scalars: (0..<x.value.count).map(Double.init)))
      }),
    Builtin(
      name: "scatter",
      parameters: [.init("values", .tensor), .init("indices", .tensor), .init("shape", .shape)],
      category: .shape,
      summary: "zeros of a shape with values added at flat positions (the gradient of indexing)",
      example: "scatter([1, 2], [0, 3], [2, 2])",
      body: { args in
        try Variable.scatter(
          args.tensor("values"), at: args.tensor("indices").value, shape: args.list("shape") ?? [])
      }),
    Builtin(
      name: "gather", parameters: [.init("x", .tensor), .init("indices", .tensor)],
      category: .shape,
      summary: "the elements of x at flat positions, shaped like indices (the gradient of scatter)",
      example: "gather([[1, 2], [3, 4]], [3, 0])",
      body: { args in try Variable.gather(args.tensor("x"), at: args.tensor("indices").value) }),
    Builtin(
      name: "matmul_grad_a",
      parameters: [.init("a", .tensor), .init("b", .tensor), .init("g", .tensor)],
      category: .linearAlgebra,
      summary:
        "the gradient of sum(g * (a @ b)) with respect to a: g @ bᵀ, for any ranks (numpy's 1-d promotion and batch broadcasting undone)",
      example: "matmul_grad_a([[1, 2]], [[3], [4]], [[1]])",
      body: { args in
        try Variable.matmulGradient(args.tensor("a"), args.tensor("b"), args.tensor("g"), left: true)
      }),
    Builtin(
      name: "matmul_grad_b",
      parameters: [.init("a", .tensor), .init("b", .tensor), .init("g", .tensor)],
      category: .linearAlgebra,
      summary:
        "the gradient of sum(g * (a @ b)) with respect to b: aᵀ @ g, for any ranks (numpy's 1-d promotion and batch broadcasting undone)",
      example: "matmul_grad_b([[1, 2]], [[3], [4]], [[1]])",
      body: { args in
        try Variable.matmulGradient(args.tensor("a"), args.tensor("b"), args.tensor("g"), left: false)
      }),
  ]
}

extension Variable {
  /// The gradient of `sum(g * (a @ b))` with respect to `a` (`left`) or `b`, for operands of
  /// any rank: in numpy's promoted shapes (a vector `a` a row, a vector `b` a column) it is
  /// `g @ bᵀ` or `aᵀ @ g`, summed over the batch axes the operand was broadcast along and
  /// reshaped back. A 0-d operand (as `dot` allows) multiplies elementwise. `g` is
  /// broadcast to the product's shape first. Differentiable, as built from primitives.
  static func matmulGradient(_ a: Variable, _ b: Variable, _ g: Variable, left: Bool)
    throws(TensorError) -> Variable
  {
    let op = left ? "matmul_grad_a" : "matmul_grad_b"
    if a.value.rank == 0 || b.value.rank == 0 {
      let product = try a * b
      let gf = try broadcast(g, to: product.shape)
      return left ? try sumTo(gf * b, a.shape) : try sumTo(gf * a, b.shape)
    }
    let pa = a.value.rank == 1 ? [1] + a.shape : a.shape
    let pb = b.value.rank == 1 ? b.shape + [1] : b.shape
    guard pa[pa.count - 1] == pb[pb.count - 2] else {
      throw .invalidArgument(
        op: op, "cannot multiply \(formatShape(a.shape)) by \(formatShape(b.shape))")
    }
    var out = try broadcastShapes(Array(pa.dropLast(2)), Array(pb.dropLast(2)), op: op)
    var product = out
    if a.value.rank > 1 { product.append(pa[pa.count - 2]) }
    if b.value.rank > 1 { product.append(pb[pb.count - 1]) }
    out += [pa[pa.count - 2], pb[pb.count - 1]]
    let g2 = try reshape(g.shape == product ? g : broadcast(g, to: product), out)
    func swapLast(_ v: Variable) throws(TensorError) -> Variable {
      var perm = Array(0..<v.value.rank)
      perm.swapAt(perm.count - 1, perm.count - 2)
      return try transpose(v, perm)
    }
    if left {
      return try reshape(sumToShape(matmul(g2, swapLast(reshape(b, pb))), pa), a.shape)
    }
    return try reshape(sumToShape(matmul(swapLast(reshape(a, pa)), g2), pb), b.shape)
  }

  /// Sums `x` over the axes along which `shape` broadcasts to x's shape, then broadcasts the
  /// result to exactly `shape`: the adjoint of `broadcast(_:to:)`, lenient where x is the
  /// smaller one (a size-1 axis of x against a larger axis of `shape` is simply repeated).
  static func sumTo(_ x: Variable, _ shape: [Int]) throws(TensorError) -> Variable {
    let rank = Swift.max(x.value.rank, shape.count)
    let xs = Array(repeating: 1, count: rank - x.value.rank) + x.shape
    let ss = Array(repeating: 1, count: rank - shape.count) + shape
    var kept: [Int] = []
    for (a, b) in zip(xs, ss) {
      if b == 1 {
        kept.append(1)
      } else if a == b || a == 1 {
        kept.append(a)
      } else {
        throw .cannotBroadcastTo(op: "sum_to", from: shape, to: x.shape)
      }
    }
    var y = try reshape(x, xs)
    y = try sumToShape(y, kept)
    y = try reshape(y, Array(kept.suffix(shape.count)))
    return try broadcast(y, to: shape)
  }

  /// Flat positions (row-major) read from a tensor of integers, each checked against `count`.
  private static func flatPositions(_ indices: Tensor, count: Int, op: String) throws(TensorError)
    -> [Int]
  {
    var positions: [Int] = []
    positions.reserveCapacity(indices.count)
    for v in indices.scalars {
      guard v.rounded() == v, v >= Double(-count), v < Double(count) else {
        throw .invalidArgument(
          op: op, "index \(formatScalar(v)) is not a whole number in -\(count) ..< \(count)")
      }
      positions.append(v < 0 ? Int(v) + count : Int(v))
    }
    return positions
  }

  /// The one-hot matrix (k, n) of k flat positions among n, through which scatter and gather
  /// stay differentiable (as matrix products); refused when it would be very large.
  private static func oneHot(_ positions: [Int], count n: Int, op: String) throws(TensorError)
    -> Variable
  {
    let k = positions.count
    guard k * n <= 50_000_000 else {
      throw .invalidArgument(
        op: op, "\(k) positions among \(n) elements is too large to differentiate through")
    }
    var m = [Double](repeating: 0, count: k * n)
    for (row, p) in positions.enumerated() { m[row * n + p] = 1 }
    return Variable(try Tensor(shape: [k, n], scalars: m))
  }

  /// Zeros of `shape` with `values` (broadcast to the indices' shape) added at flat positions.
  static func scatter(_ values: Variable, at indices: Tensor, shape: [Int]) throws(TensorError)
    -> Variable
  {
    let n = shapeCount(shape)
    let positions = try flatPositions(indices, count: n, op: "scatter")
    let v = try broadcast(values, to: indices.shape)
    if !v.requiresGradient {
      var out = [Double](repeating: 0, count: n)
      for (value, p) in zip(v.value.scalars, positions) { out[p] += value }
      return Variable(try Tensor(shape: shape, scalars: out))
    }
    let m = try oneHot(positions, count: n, op: "scatter")
    return try reshape(matmul(reshape(v, [positions.count]), m), shape)
  }

  /// The elements of `x` at flat positions, shaped like `indices`.
  static func gather(_ x: Variable, at indices: Tensor) throws(TensorError) -> Variable {
    let n = x.value.count
    let positions = try flatPositions(indices, count: n, op: "gather")
    if !x.requiresGradient {
      return Variable(
        try Tensor(shape: indices.shape, scalars: positions.map { x.value.scalars[$0] }))
    }
    let m = try oneHot(positions, count: n, op: "gather")
    return try reshape(matmul(m, reshape(x, [n])), indices.shape)
  }
}
