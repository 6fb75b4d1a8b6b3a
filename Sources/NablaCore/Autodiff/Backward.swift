/// The reverse sweep: a topological order found iteratively, then one gradient rule per
/// node from the output back to the leaves, accumulating where a node fans out.

/// The gradients of one backward pass, for every node it reached.
public struct Gradients {
  /// Nodes in topological order (inputs before the nodes made from them).
  public let order: [Node]
  /// The gradient of each node of `order`, last node first (the order the sweep finds them).
  let reversedValues: [Tensor]
  /// With `createGraph`, the gradients as recorded variables, in `order`; otherwise empty.
  let recorded: [Variable]

  /// The gradient of `order[i]`.
  private func gradient(at i: Int) -> Variable {
    guard recorded.isEmpty else { return recorded[i] }
    return Variable(reversedValues[reversedValues.count - 1 - i].expanded(to: order[i].shape))
  }

  /// The gradient with respect to a node (zeros of its shape if the output does not
  /// depend on it).
  ///
  /// - Complexity: O(1) until a later backward pass reuses the node's scratch index, then
  ///   O(nodes).
  public subscript(node: Node) -> Variable {
    let i = Int(node.backwardIndex)
    if i >= 0 && i < order.count && order[i] === node {
      return gradient(at: i)
    }
    // A later pass through this node moved its index; these gradients still hold for it.
    if node.requiresGradient, let i = order.firstIndex(where: { $0 === node }) {
      return gradient(at: i)
    }
    return Variable(Tensor(uncheckedShape: node.shape, repeating: 0))
  }

  /// The gradient with respect to a variable; zeros for a constant.
  public subscript(variable: Variable) -> Variable {
    guard let node = variable.node else {
      return Variable(Tensor(uncheckedShape: variable.shape, repeating: 0))
    }
    return self[node]
  }
}

/// Nodes that `root` depends on and that require a gradient, inputs first. Iterative, so a
/// chain of a million nodes is fine.
/// - Complexity: O(nodes + edges)
public func topologicalOrder(from root: Node) -> [Node] {
  topologicalOrder(from: root, clearingGradients: false)
}

/// `topologicalOrder(from:)`, optionally forgetting each node's last gradient on the way
/// (the backward pass then sums into `gradient` from nil without touching every node again).
func topologicalOrder(from root: Node, clearingGradients: Bool) -> [Node] {
  // Depth first, inputs before the node (post-order). Each node remembers the last pass
  // that visited it, so there is no set of visited nodes to hash; the stack holds unretained
  // references, the nodes being kept alive by the graph under `root`.
  let pass = Node.nextPass.wrappingAdd(1, ordering: .relaxed).newValue
  var order: [Node] = []
  order.reserveCapacity(16)
  // Each stack entry is a node and the index of the next input to visit.
  var stack: [(node: Unmanaged<Node>, next: Int)] = []
  stack.reserveCapacity(16)
  stack.append((.passUnretained(root), 0))
  root.visitedPass = pass
  if clearingGradients { root.summedGradient = nil }
  while let (reference, next) = stack.last {
    // The next input to visit, if any is left (nil inside: a constant operand).
    let step: Unmanaged<Node>?? = reference._withUnsafeGuaranteedRef { node in
      next < node.operands.count ? .some(node.operands.node(next)) : .none
    }
    if let candidate = step {
      stack[stack.count - 1].next = next + 1
      guard let input = candidate else { continue }
      let unseen = input._withUnsafeGuaranteedRef { node in
        guard node.requiresGradient && node.visitedPass != pass else { return false }
        node.visitedPass = pass
        if clearingGradients { node.summedGradient = nil }
        return true
      }
      if unseen { stack.append((input, 0)) }
    } else {
      stack.removeLast()
      order.append(reference.takeUnretainedValue())
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
    seedValue = Tensor(uncheckedShape: output.shape, repeating: 1)
  }
  guard let root = output.node, root.requiresGradient else {
    return Gradients(order: [], reversedValues: [], recorded: [])
  }
  let order = topologicalOrder(from: root, clearingGradients: true)
  if createGraph { return try recordedBackward(order, seed: seedValue) }

  // Each node's gradient is summed in place in `node.summedGradient`; when the sweep
  // reaches a node, every consumer has added its term, so it is final. A gradient may stay
  // unexpanded: the gradient of `sum(x)` is one number standing for every element of x, and
  // the elementwise rules take it as it is (broadcasting), which spares a tensor of copies
  // and a pass over it. It is expanded only where a rule needs the full shape, and when it
  // is read (`Gradients`, `Node.gradient`).
  root.summedGradient = seedValue
  var values: [Tensor] = []
  values.reserveCapacity(order.count)
  // The nodes are read through unretained references (`order` keeps them alive): reference
  // counting would otherwise be a large share of a scalar graph's sweep.
  let failure = order.withUnsafeBufferPointer { buffer in
    buffer.withMemoryRebound(to: Unmanaged<Node>.self) { nodes -> TensorError? in
      for i in stride(from: nodes.count - 1, through: 0, by: -1) {
        let failure = nodes[i]._withUnsafeGuaranteedRef { node in
          propagate(from: node, at: i, appendingTo: &values)
        }
        if let failure { return failure }
      }
      return nil
    }
  }
  if let failure {
    for node in order { node.summedGradient = nil }
    throw failure
  }
  return Gradients(order: order, reversedValues: values, recorded: [])
}

/// One step of the sweep: `node`'s gradient is final; record it (zeros if nothing reached
/// the node) and add its rule's terms into its inputs' gradients. Returns the error instead
/// of throwing, to run inside an unretained reference's scope.
@inline(__always)
private func propagate(from node: Node, at i: Int, appendingTo values: inout [Tensor]) -> TensorError? {
  node.backwardIndex = Int32(truncatingIfNeeded: i)
  guard var g = node.summedGradient else {
    // No consumer passed anything back: the output does not depend on this node.
    let zero = Tensor(uncheckedShape: node.shape, repeating: 0)
    node.summedGradient = zero
    values.append(zero)
    return nil
  }
  values.append(g)
  let operands = node.operands
  if operands.isEmpty { return nil }
  // A scalar node: its rule on Doubles (see `GradientRules+Scalar.swift`).
  if g.shape.isEmpty, case .one(let gs) = g.storage, node.value.shape.isEmpty,
    case .one(let ys) = node.value.storage,
    let terms = scalarGradients(of: node.op, operands: operands, output: ys, gradient: gs)
  {
    accumulate(terms.0, into: operands[0])
    if operands.count > 1 { accumulate(terms.1, into: operands[1]) }
    return nil
  }
  if g.shape != node.value.shape && !node.op.takesUnexpandedGradient {
    g = g.expanded(to: node.value.shape)
  }
  let needs = Needs(operands)
  let contributions: Contributions
  do {
    contributions = try Variable.gradients(
      of: node.op, inputs: RuleInputs(operands, attached: false), output: Variable(node.value),
      gradient: Variable(g), needs: needs, unexpanded: true)
  } catch {
    return error
  }
  for j in 0..<operands.count where needs[j] {
    guard let c = contributions[j], let reference = operands.node(j) else { continue }
    let mismatch = reference._withUnsafeGuaranteedRef { input in
      guard c.value.shape == input.value.shape || c.value.broadcasts(to: input.value.shape) else { return true }
      if input.summedGradient == nil {
        input.summedGradient = c.value
      } else if input.summedGradient!.shape == c.value.shape {
        input.summedGradient!.add(c.value)
      } else {
        // Terms of different shapes (one unexpanded): their broadcast sum.
        input.summedGradient = try? input.summedGradient!.combined(.add, with: c.value)
      }
      return false
    }
    if mismatch {
      return .gradientShapeMismatch(
        op: node.op.name, expected: reference.takeUnretainedValue().shape, got: c.shape)
    }
  }
  return nil
}

/// Adds a scalar term to a 0-d operand's gradient, if the operand is a node that wants one.
@inline(__always)
private func accumulate(_ term: Double?, into operand: Operands.Operand) {
  guard let term, case .node(let reference) = operand else { return }
  reference._withUnsafeGuaranteedRef { input in
    guard input.requiresGradient else { return }
    if input.summedGradient == nil {
      input.summedGradient = Tensor(term)
    } else {
      input.summedGradient!.add(Tensor(term))
    }
  }
}

/// The backward sweep recorded as a graph of its own (`createGraph`): gradients are
/// variables, summed with recorded additions.
private func recordedBackward(_ order: [Node], seed: Tensor) throws(TensorError) -> Gradients {
  for (i, node) in order.enumerated() { node.backwardIndex = Int32(truncatingIfNeeded: i) }
  var grads = [Variable?](repeating: nil, count: order.count)
  grads[order.count - 1] = Variable(seed)
  for i in stride(from: order.count - 1, through: 0, by: -1) {
    let node = order[i]
    let operands = node.operands
    guard let g = grads[i], !operands.isEmpty else { continue }
    let needs = Needs(operands)
    let contributions = try Variable.gradients(
      of: node.op, inputs: RuleInputs(operands, attached: true), output: Variable(node),
      gradient: g, needs: needs)
    for j in 0..<operands.count where needs[j] {
      guard let c = contributions[j], let reference = operands.node(j) else { continue }
      let input = reference.takeUnretainedValue()
      try checkShape(c, of: input, in: node)
      let k = Int(input.backwardIndex)
      grads[k] = try grads[k].map { existing throws(TensorError) in try existing + c } ?? c
    }
  }
  var recorded: [Variable] = []
  recorded.reserveCapacity(order.count)
  for (i, node) in order.enumerated() {
    let g = grads[i] ?? Variable(Tensor(uncheckedShape: node.shape, repeating: 0))
    node.summedGradient = g.value
    recorded.append(g)
  }
  return Gradients(order: order, reversedValues: [], recorded: recorded)
}

/// Throws when a rule's term for `input` does not have the input's shape (a bug in a rule).
@inline(__always)
private func checkShape(_ c: Variable, of input: Node, in node: Node) throws(TensorError) {
  guard c.shape == input.shape else {
    throw .gradientShapeMismatch(op: node.op.name, expected: input.shape, got: c.shape)
  }
}

extension Tensor {
  /// Adds a tensor of the same shape elementwise, writing into this one's buffer when it is
  /// uniquely held.
  mutating func add(_ other: Tensor) {
    if case .one(let a) = storage, case .one(let b) = other.storage {
      storage = .one(a + b)
      return
    }
    other.withUnsafeBufferPointer { src in
      withUnsafeMutableBufferPointer { dst in
        for i in 0..<dst.count { dst[i] += src[i] }
      }
    }
  }
}
