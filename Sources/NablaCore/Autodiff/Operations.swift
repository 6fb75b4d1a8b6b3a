/// The differentiable operations: each computes its value with a tensor kernel and records
/// one primitive op. Composite operations are built from these.
extension Variable {
  // MARK: Elementwise

  /// Applies a differentiable elementwise function (exp, log, sin, …).
  public static func apply(_ function: UnaryFunction, _ x: Variable) -> Variable {
    record(.unary(function), x, x.value.map(function))
  }

  /// Applies a broadcasting binary function (+, −, ×, ÷, ^, maximum, minimum, comparisons).
  public static func apply(
    _ function: BinaryFunction, _ a: Variable, _ b: Variable
  ) throws(TensorError) -> Variable {
    record(.binary(function), a, b, try a.value.combined(function, with: b.value))
  }

  public static func + (a: Variable, b: Variable) throws(TensorError) -> Variable { try apply(.add, a, b) }
  public static func - (a: Variable, b: Variable) throws(TensorError) -> Variable { try apply(.subtract, a, b) }
  public static func * (a: Variable, b: Variable) throws(TensorError) -> Variable { try apply(.multiply, a, b) }
  public static func / (a: Variable, b: Variable) throws(TensorError) -> Variable { try apply(.divide, a, b) }
  public static prefix func - (x: Variable) -> Variable { apply(.negate, x) }

  /// `a ^ b` elementwise; a negative base with a non-integer exponent gives NaN.
  public static func pow(_ a: Variable, _ b: Variable) throws(TensorError) -> Variable { try apply(.power, a, b) }
  public static func exp(_ x: Variable) -> Variable { apply(.exp, x) }
  public static func log(_ x: Variable) -> Variable { apply(.log, x) }
  public static func sin(_ x: Variable) -> Variable { apply(.sin, x) }
  public static func cos(_ x: Variable) -> Variable { apply(.cos, x) }
  public static func tanh(_ x: Variable) -> Variable { apply(.tanh, x) }
  public static func sqrt(_ x: Variable) -> Variable { apply(.sqrt, x) }

  /// `where(condition, a, b)`: a where the condition is nonzero, else b (broadcast).
  public static func select(
    _ condition: Variable, _ a: Variable, _ b: Variable
  ) throws(TensorError) -> Variable {
    record(.select, [condition, a, b], try Tensor.select(condition.value, a.value, b.value))
  }

  /// Limits every element to [low, high]: `minimum(maximum(x, low), high)`.
  public static func clip(_ x: Variable, _ low: Variable, _ high: Variable) throws(TensorError) -> Variable {
    try apply(.minimum, try apply(.maximum, x, low), high)
  }

  // MARK: Reductions

  /// Sums, averages, or takes the max or min over `axes` (nil: all).
  public static func reduce(
    _ reduction: Reduction, _ x: Variable, axes: [Int]? = nil, keepDims: Bool = false
  ) throws(TensorError) -> Variable {
    let normalized = try normalizeAxes(axes, rank: x.value.rank, op: reduction.rawValue)
    return record(
      .reduce(reduction, axes: normalized, keepDims: keepDims), x,
      try x.value.reduce(reduction, axes: normalized, keepDims: keepDims))
  }

  public static func sum(_ x: Variable, axes: [Int]? = nil, keepDims: Bool = false) throws(TensorError) -> Variable {
    try reduce(.sum, x, axes: axes, keepDims: keepDims)
  }

  public static func mean(_ x: Variable, axes: [Int]? = nil, keepDims: Bool = false) throws(TensorError) -> Variable {
    try reduce(.mean, x, axes: axes, keepDims: keepDims)
  }

  /// Sums over broadcast axes back to `shape`: the adjoint of `broadcast(_:to:)`.
  public static func sumToShape(_ x: Variable, _ shape: [Int]) throws(TensorError) -> Variable {
    if x.shape == shape { return x }
    guard shapeBroadcasts(shape, to: x.shape) else {
      throw .cannotBroadcastTo(op: "sum_to_shape", from: shape, to: x.shape)
    }
    return record(.sumToShape, x, x.value.unbroadcast(to: shape))
  }

  // MARK: Layout

  /// The same elements in a new shape (one -1 is inferred).
  public static func reshape(_ x: Variable, _ shape: [Int]) throws(TensorError) -> Variable {
    let resolved = try resolveReshape(x.shape, shape)
    if resolved == x.shape { return x }
    return record(.reshape, x, Tensor(uncheckedShape: resolved, storage: x.value.storage))
  }

  /// Permutes the axes (nil reverses them).
  public static func transpose(_ x: Variable, _ permutation: [Int]? = nil) throws(TensorError) -> Variable {
    let perm = try Tensor.resolvePermutation(permutation, rank: x.value.rank)
    if perm == Array(0..<perm.count) { return x }
    return record(.transpose(perm), x, try x.value.transposed(perm))
  }

  /// Repeats along broadcast axes to `shape` (numpy's `broadcast_to`).
  public static func broadcast(_ x: Variable, to shape: [Int]) throws(TensorError) -> Variable {
    if x.shape == shape { return x }
    return record(.broadcast, x, try x.value.broadcast(to: shape))
  }

  /// Inserts a unit axis at `axis` (which may be negative, counted in the result's axes).
  public static func expandDims(_ x: Variable, axis: Int) throws(TensorError) -> Variable {
    let a = try normalizeAxis(axis, rank: x.value.rank + 1, op: "expand_dims")
    var shape = x.shape
    shape.insert(1, at: a)
    return try reshape(x, shape)
  }

  /// Removes unit axes (all of them, or the given ones, which must have size 1).
  public static func squeeze(_ x: Variable, axes: [Int]? = nil) throws(TensorError) -> Variable {
    let rank = x.value.rank
    let remove: Set<Int>
    if let axes {
      let normalized = try normalizeAxes(axes, rank: rank, op: "squeeze")
      for a in normalized where x.shape[a] != 1 {
        throw .invalidArgument(op: "squeeze", "axis \(a) has size \(x.shape[a]), not 1")
      }
      remove = Set(normalized)
    } else {
      remove = Set((0..<rank).filter { x.shape[$0] == 1 })
    }
    return try reshape(x, x.shape.enumerated().filter { !remove.contains($0.offset) }.map(\.element))
  }

  /// Selects with an index expression (integers, slices with steps, `...`, new axes).
  public static func index(_ x: Variable, _ items: [TensorIndex]) throws(TensorError) -> Variable {
    let view = try Tensor.view(of: x.shape, indexedBy: items)
    return indexed(x, view)
  }

  static func indexed(_ x: Variable, _ view: StridedView) -> Variable {
    record(.index(view), x, x.value.gathered(shape: view.shape, strides: view.strides, offset: view.offset))
  }

  /// Scatters `x` into zeros of `shape` at a view's positions (the adjoint of indexing).
  static func indexAdjoint(_ x: Variable, _ view: StridedView, shape: [Int]) -> Variable {
    record(
      .indexAdjoint(view), x,
      x.value.scatteredAdd(into: shape, strides: view.strides, offset: view.offset))
  }

  /// Joins along an existing axis.
  public static func concat(_ xs: [Variable], axis: Int = 0) throws(TensorError) -> Variable {
    let value = try Tensor.concatenate(xs.map(\.value), axis: axis)
    if xs.count == 1 { return xs[0] }
    let ax = try normalizeAxis(axis, rank: value.rank, op: "concat")
    return record(.concat(axis: ax), xs, value)
  }

  /// Joins along a new axis; every operand must have the same shape.
  public static func stack(_ xs: [Variable], axis: Int = 0) throws(TensorError) -> Variable {
    guard let first = xs.first else { throw .invalidArgument(op: "stack", "needs at least one tensor") }
    guard xs.allSatisfy({ $0.shape == first.shape }) else {
      throw .mismatchedShapes(op: "stack", axis: axis, xs.map(\.shape))
    }
    let a = try normalizeAxis(axis, rank: first.value.rank + 1, op: "stack")
    var expanded: [Variable] = []
    for x in xs { expanded.append(try expandDims(x, axis: a)) }
    if expanded.count == 1 { return expanded[0] }
    return try concat(expanded, axis: a)
  }

  // MARK: Linear algebra

  /// numpy's `matmul` (1-d promotion, batch broadcasting), through BLAS.
  public static func matmul(_ a: Variable, _ b: Variable) throws(TensorError) -> Variable {
    record(.matmul, a, b, try a.value.matmul(b.value))
  }

  /// The dot product of vectors, or the matrix product of operands of rank ≤ 2.
  public static func dot(_ a: Variable, _ b: Variable) throws(TensorError) -> Variable {
    guard a.value.rank <= 2 && b.value.rank <= 2 else {
      throw .invalidArgument(op: "dot", "operands have rank \(a.value.rank) and \(b.value.rank); use matmul for batches")
    }
    if a.value.rank == 0 || b.value.rank == 0 { return try a * b }
    return try matmul(a, b, op: "dot")
  }

  static func matmul(_ a: Variable, _ b: Variable, op: String) throws(TensorError) -> Variable {
    record(.matmul, a, b, try a.value.matmul(b.value, op: op))
  }

  // MARK: Softmax family

  /// exp(x) / sum(exp(x)) along `axis`, computed stably (the max is subtracted first).
  public static func softmax(_ x: Variable, axis: Int = -1) throws(TensorError) -> Variable {
    let a = try normalizeAxis(axis, rank: x.value.rank, op: "softmax")
    let m = try x.value.reduce(.max, axes: [a], keepDims: true).map(.finiteOrZero)
    let e = try x.value.combined(.subtract, with: m).map(.exp)
    let s = try e.reduce(.sum, axes: [a], keepDims: true)
    return record(.softmax(axis: a), x, try e.combined(.divide, with: s))
  }

  /// log(sum(exp(x))) over `axes`, computed stably.
  public static func logsumexp(
    _ x: Variable, axes: [Int]? = nil, keepDims: Bool = false
  ) throws(TensorError) -> Variable {
    let normalized = try normalizeAxes(axes, rank: x.value.rank, op: "logsumexp")
    // Over a zero-size axis the sum of exponentials is 0 and the result -inf, as in scipy.
    let empty = normalized.contains { x.shape[$0] == 0 }
    let m =
      empty
      ? try Tensor.zeros(Tensor.reducedShape(x.shape, axes: normalized, keepDims: true))
      : try x.value.reduce(.max, axes: normalized, keepDims: true).map(.finiteOrZero)
    let s = try x.value.combined(.subtract, with: m).map(.exp).reduce(.sum, axes: normalized, keepDims: true)
    var y = try s.map(.log).combined(.add, with: m)
    if !keepDims { y = try y.reshaped(to: Tensor.reducedShape(x.shape, axes: normalized, keepDims: false)) }
    return record(.logsumexp(axes: normalized, keepDims: keepDims), x, y)
  }
}
