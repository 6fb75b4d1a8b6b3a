/// The terms of a backward pass one edge at a time, for displays that show how each input's
/// gradient is accumulated (the graph pane's step-through, the DOT export).

extension Node {
  /// What this node's gradient rule adds to each input's gradient, given the gradient the
  /// last backward pass left on this node; nil where an input takes none (a constant, a
  /// condition) or when the pass did not reach this node.
  ///
  /// The backward pass sums these over a node's consumers, so an input used twice gets two.
  ///
  /// - Complexity: one gradient rule, costing its kernels.
  public func gradientContributions() throws(TensorError) -> [Tensor?] {
    let inputs = self.inputs  // computed: read once
    guard let g = gradient, !inputs.isEmpty else { return inputs.map { _ in nil } }
    let needs = inputs.map(\.requiresGradient)
    let terms = try Variable.gradients(
      of: op, inputs: inputs.map { Variable($0.value) }, output: Variable(value), gradient: Variable(g),
      needs: needs)
    return inputs.indices.map { j in needs[j] && j < terms.count ? terms[j]?.value : nil }
  }
}
