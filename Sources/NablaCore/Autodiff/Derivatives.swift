/// Whole-function derivatives built on `backward`: value and gradient, Jacobian, Hessian,
/// Hessian-vector product.

/// The value of a scalar function and its gradient with respect to each argument.
///
///     let (y, g) = try valueWithGradient(at: [Tensor(2)]) { x in
///       try x[0] * x[0] * Variable.sin(x[0])
///     }
public func valueWithGradient<E: Error>(
  at arguments: [Tensor], of f: ([Variable]) throws(E) -> Variable
) throws -> (value: Tensor, gradients: [Tensor]) {
  let leaves = arguments.map { Variable.leaf($0) }
  let y = try f(leaves)
  let grads = try backward(from: y)
  return (y.value, leaves.map { grads[$0].value })
}

/// The Jacobian of `f` at `x`: shape `f(x).shape + x.shape`, one backward pass per output
/// element. `row` is called before each pass with the row's index and the number of rows;
/// it may throw to stop (a progress report, Ctrl-C).
/// - Complexity: O(outputs) backward passes.
public func jacobian<E: Error>(
  at x: Tensor, row: ((Int, Int) throws -> Void)? = nil, of f: (Variable) throws(E) -> Variable
) throws -> Tensor {
  let leaf = Variable.leaf(x)
  let y = try f(leaf)
  var rows: [Double] = []
  rows.reserveCapacity(y.value.count * x.count)
  for i in 0..<y.value.count {
    try row?(i, y.value.count)
    var seed = [Double](repeating: 0, count: y.value.count)
    seed[i] = 1
    let grads = try backward(from: y, seed: Tensor(uncheckedShape: y.shape, scalars: seed))
    rows += grads[leaf].value.scalars
  }
  return Tensor(uncheckedShape: y.shape + x.shape, scalars: rows)
}

/// The Hessian of a scalar `f` at `x` (shape `x.shape + x.shape`): the gradient is
/// recorded, then differentiated once per element. `row` is called before each row as in
/// `jacobian(at:row:of:)`.
/// - Complexity: O(count of x) backward passes over the recorded gradient graph.
public func hessian<E: Error>(
  at x: Tensor, row: ((Int, Int) throws -> Void)? = nil, of f: (Variable) throws(E) -> Variable
) throws -> Tensor {
  let leaf = Variable.leaf(x)
  let y = try f(leaf)
  let g = try backward(from: y, createGraph: true)[leaf]
  var rows: [Double] = []
  rows.reserveCapacity(x.count * x.count)
  for i in 0..<x.count {
    try row?(i, x.count)
    var seed = [Double](repeating: 0, count: x.count)
    seed[i] = 1
    if g.requiresGradient {
      let second = try backward(from: g, seed: Tensor(uncheckedShape: x.shape, scalars: seed))
      rows += second[leaf].value.scalars
    } else {
      rows += [Double](repeating: 0, count: x.count)
    }
  }
  return Tensor(uncheckedShape: x.shape + x.shape, scalars: rows)
}

/// The Hessian-vector product H·v of a scalar `f` at `x`, by differentiating ⟨∇f, v⟩.
/// - Complexity: two backward passes.
public func hessianVectorProduct<E: Error>(
  at x: Tensor, along v: Tensor, of f: (Variable) throws(E) -> Variable
) throws -> Tensor {
  // A direction that merely broadcasts against x would give a meaningless product.
  guard v.shape == x.shape else {
    throw TensorError.invalidArgument(
      op: "hessianVectorProduct",
      "direction has shape \(formatShape(v.shape)), input has \(formatShape(x.shape))")
  }
  let leaf = Variable.leaf(x)
  let y = try f(leaf)
  let g = try backward(from: y, createGraph: true)[leaf]
  let inner = try Variable.sum(g * Variable(v))
  guard inner.requiresGradient else { return Tensor(uncheckedShape: x.shape, scalars: Array(repeating: 0, count: x.count)) }
  return try backward(from: inner)[leaf].value
}

/// The gradient of a scalar `f` with respect to `arguments[index]`, holding the others fixed,
/// as a variable: recorded when any argument is, so that it can be differentiated again
/// (`grad(grad(f))`, or a gradient step inside a function that is itself differentiated).
///
///     let g = try gradient(at: [Variable(Tensor(2))], wrt: 0) { x in try x[0] * x[0] }  // 4
///
/// The argument is passed to `f` through a fresh node (labelled `label`), so only the paths
/// through `f` count even when another argument is computed from it.
/// - Complexity: one forward and one backward pass of `f`.
public func gradient(
  at arguments: [Variable], wrt index: Int, label: String? = nil,
  of f: ([Variable]) throws -> Variable
) throws -> Variable {
  let x = arguments[index]
  let recording = arguments.contains { $0.requiresGradient }
  let input =
    x.requiresGradient
    ? Variable(
      Node(
        op: .reshape, operands: Operands(x), value: x.value, requiresGradient: true, label: label))
    : Variable.leaf(x.value, label: label)
  var inputs = arguments
  inputs[index] = input
  let y = try f(inputs)
  return try backward(from: y, createGraph: recording)[input]
}
