/// The reverse sweep: a topological order found iteratively, then one gradient rule per
/// node from the output back to the leaves, accumulating where a node fans out.

/// The gradients of one backward pass, for every node it reached.
public struct Gradients {
  /// Nodes in topological order (inputs before the nodes made from them).
  public let order: [Node]
  /// The gradient of each node of `order`, as variables (recorded when `createGraph`).
  let values: [Variable]

  /// The gradient with respect to a node (zeros of its shape if the output does not
  /// depend on it).
  ///
  /// - Complexity: O(1) until a later backward pass reuses the node's scratch index, then
  ///   O(nodes).
  public subscript(node: Node) -> Variable {
    if node.backwardIndex >= 0 && node.backwardIndex < order.count && order[node.backwardIndex] === node {
      return values[node.backwardIndex]
    }
    // A later pass through this node moved its index; these gradients still hold for it.
    if node.requiresGradient, let i = order.firstIndex(where: { $0 === node }) {
      return values[i]
    }
    return Variable(Tensor(uncheckedShape: node.shape, scalars: Array(repeating: 0, count: node.value.count)))
  }

  /// The gradient with respect to a variable; zeros for a constant.
  public subscript(variable: Variable) -> Variable {
    guard let node = variable.node else {
      return Variable(Tensor(uncheckedShape: variable.shape, scalars: Array(repeating: 0, count: variable.value.count)))
    }
    return self[node]
  }
}

/// Nodes that `root` depends on and that require a gradient, inputs first. Iterative, so a
/// chain of a million nodes is fine.
/// - Complexity: O(nodes + edges)
public func topologicalOrder(from root: Node) -> [Node] {
  var order: [Node] = []
  var visited = Set<ObjectIdentifier>()
  // Each stack entry is a node and the index of the next input to visit.
  var stack: [(Node, Int)] = [(root, 0)]
  visited.insert(ObjectIdentifier(root))
  while !stack.isEmpty {
    let (node, next) = stack[stack.count - 1]
    if next < node.inputs.count {
      stack[stack.count - 1].1 = next + 1
      let input = node.inputs[next]
      if input.requiresGradient && visited.insert(ObjectIdentifier(input)).inserted {
        stack.append((input, 0))
      }
    } else {
      stack.removeLast()
      order.append(node)
    }
  }
  return order
}

/// Backpropagates from `output`, filling the gradient of every node it depends on.
///
/// - Parameters:
///   - seed: the gradient of the output; may be omitted for a one-element output (1).
///   - createGraph: record the backward pass itself, so the gradients can be differentiated
///     again (second derivatives, Hessian-vector products).
/// - Complexity: O(nodes + edges) rules, each costing its kernels.
public func backward(
  from output: Variable, seed: Tensor? = nil, createGraph: Bool = false
) throws(TensorError) -> Gradients {
  let seedValue: Tensor
  if let seed {
    guard seed.shape == output.shape else {
      throw .invalidArgument(op: "backward", "seed gradient has shape \(formatShape(seed.shape)), output has \(formatShape(output.shape))")
    }
    seedValue = seed
  } else {
    guard output.value.count == 1 else { throw .notScalar(op: "backward", output.shape) }
    seedValue = Tensor(uncheckedShape: output.shape, scalars: [1])
  }
  guard let root = output.node, root.requiresGradient else {
    return Gradients(order: [], values: [])
  }
  let order = topologicalOrder(from: root)
  for (i, node) in order.enumerated() { node.backwardIndex = i }
  var grads = [Variable?](repeating: nil, count: order.count)
  grads[order.count - 1] = Variable(seedValue)

  for i in stride(from: order.count - 1, through: 0, by: -1) {
    let node = order[i]
    guard let g = grads[i], !node.inputs.isEmpty else { continue }
    let needs = node.inputs.map(\.requiresGradient)
    let inputs = node.inputs.map { createGraph ? Variable($0) : Variable($0.value) }
    let y = createGraph ? Variable(node) : Variable(node.value)
    let contributions = try Variable.gradients(
      of: node.op, inputs: inputs, output: y, gradient: createGraph ? g : g.detached, needs: needs)
    for (j, input) in node.inputs.enumerated() where needs[j] {
      guard j < contributions.count, let c = contributions[j] else { continue }
      guard c.shape == input.shape else {
        throw .gradientShapeMismatch(op: node.op.name, expected: input.shape, got: c.shape)
      }
      let k = input.backwardIndex
      if let existing = grads[k] {
        grads[k] = createGraph ? try existing + c : Variable(existing.value.adding(c.value))
      } else {
        grads[k] = c
      }
    }
  }
  var values: [Variable] = []
  values.reserveCapacity(order.count)
  for (i, node) in order.enumerated() {
    let g = grads[i] ?? Variable(Tensor(uncheckedShape: node.shape, scalars: Array(repeating: 0, count: node.value.count)))
    node.gradient = g.value
    values.append(g)
  }
  return Gradients(order: order, values: values)
}

extension Tensor {
  /// Elementwise sum of two tensors of the same shape, reusing `self`'s buffer when unique.
  func adding(_ other: Tensor) -> Tensor {
    var result = self
    result.scalars.withUnsafeMutableBufferPointer { dst in
      other.scalars.withUnsafeBufferPointer { src in
        for i in 0..<dst.count { dst[i] += src[i] }
      }
    }
    return result
  }
}
