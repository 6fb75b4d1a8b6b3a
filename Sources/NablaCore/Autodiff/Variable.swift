/// A differentiable tensor: a value and, when it depends on a leaf, the graph node that
/// produced it.
///
///     let x = Variable.leaf(Tensor([1, 2, 3]), label: "x")
///     let y = try Variable.sum(x * x)             // records a graph
///     let grads = try backward(from: y)           // fills every node's gradient
///     grads[x]                                    // [2, 4, 6]
///
/// Operations on variables that depend on no leaf record nothing and cost only their
/// kernels; that is how plain evaluation and the non-recording backward pass run.
public struct Variable {
  /// The forward value.
  public let value: Tensor
  /// The graph node, or nil for a constant that was never recorded.
  public let node: Node?

  /// A constant: not differentiated, nothing recorded.
  public init(_ value: Tensor) {
    self.value = value
    self.node = nil
  }

  /// Wraps an existing node.
  public init(_ node: Node) {
    self.value = node.value
    self.node = node
  }

  /// A new leaf the backward pass differentiates with respect to.
  public static func leaf(_ value: Tensor, label: String? = nil) -> Variable {
    Variable(Node(op: .leaf, inputs: [], value: value, requiresGradient: true, label: label))
  }

  /// A constant that still appears in the graph (with a label) when used by recorded ops.
  public static func constant(_ value: Tensor, label: String?) -> Variable {
    Variable(Node(op: .constant, inputs: [], value: value, requiresGradient: false, label: label))
  }

  /// The value's shape.
  public var shape: [Int] { value.shape }
  /// Whether the value depends on a leaf.
  public var requiresGradient: Bool { node?.requiresGradient ?? false }
  /// The same value, cut from the graph.
  public var detached: Variable { Variable(value) }

  /// Sets the display label of the node (no effect on constants without a node).
  @discardableResult
  public func labeled(_ label: String) -> Variable {
    node?.label = label
    return self
  }

  /// Records `op` applied to `inputs` with its computed `value`: a node when any input
  /// requires a gradient, otherwise a plain constant. Inputs without a node are kept as
  /// their values (see `Operands`).
  static func record(_ op: Op, _ inputs: [Variable], _ value: Tensor) -> Variable {
    guard inputs.contains(where: { $0.requiresGradient }) else { return Variable(value) }
    return Variable(Node(op: op, operands: Operands(inputs), value: value, requiresGradient: true))
  }

  /// `record` for one input, without an array.
  static func record(_ op: Op, _ a: Variable, _ value: Tensor) -> Variable {
    guard a.requiresGradient else { return Variable(value) }
    return Variable(Node(op: op, operands: Operands(a), value: value, requiresGradient: true))
  }

  /// `record` for two inputs, without an array.
  static func record(_ op: Op, _ a: Variable, _ b: Variable, _ value: Tensor) -> Variable {
    guard a.requiresGradient || b.requiresGradient else { return Variable(value) }
    return Variable(Node(op: op, operands: Operands(a, b), value: value, requiresGradient: true))
  }
}

extension Variable: ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral {
  public init(floatLiteral value: Double) { self.init(Tensor(value)) }
  public init(integerLiteral value: Int) { self.init(Tensor(Double(value))) }
}
