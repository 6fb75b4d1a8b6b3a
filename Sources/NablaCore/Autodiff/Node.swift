import CNablaKernels
import Synchronization

/// The primitive operations the graph records. Each has one forward kernel (in `Kernels/`)
/// and one gradient rule (in `GradientRules.swift`).
public enum Op: Sendable, Equatable {
  /// An input the backward pass differentiates with respect to.
  case leaf
  /// A value that is not differentiated (a literal, a session constant).
  case constant
  case unary(UnaryFunction)
  case binary(BinaryFunction)
  /// A reduction over normalised `axes`.
  case reduce(Reduction, axes: [Int], keepDims: Bool)
  case reshape
  case transpose([Int])
  /// `broadcast_to`: repeats along broadcast axes.
  case broadcast
  /// The adjoint of broadcasting: sums over broadcast axes back to the output's shape.
  case sumToShape
  /// Selecting with an index expression.
  indirect case index(StridedView)
  /// The adjoint of `index`: scatters into zeros of the output's shape.
  indirect case indexAdjoint(StridedView)
  case concat(axis: Int)
  case matmul
  case softmax(axis: Int)
  case logsumexp(axes: [Int], keepDims: Bool)
  /// `where(condition, a, b)`; the condition (input 0) gets no gradient.
  case select

  /// Whether the op's gradient rule takes a gradient of any shape that broadcasts to its
  /// output's (an unexpanded gradient, see `backward`): the elementwise ops, whose rules
  /// broadcast it like any other operand.
  var takesUnexpandedGradient: Bool {
    switch self {
    case .unary, .binary: true
    default: false
    }
  }

  /// A short name for displays and messages.
  public var name: String {
    switch self {
    case .leaf: "input"
    case .constant: "const"
    case .unary(let f): f == .negate ? "neg" : f.rawValue
    case .binary(let f): f.symbol
    case .reduce(let r, _, _): r.rawValue
    case .reshape: "reshape"
    case .transpose: "transpose"
    case .broadcast: "broadcast_to"
    case .sumToShape: "sum_to_shape"
    case .index: "index"
    case .indexAdjoint: "index_adjoint"
    case .concat: "concat"
    case .matmul: "@"
    case .softmax: "softmax"
    case .logsumexp: "logsumexp"
    case .select: "where"
    }
  }
}

/// A node of a computation graph: the op that made a value, the nodes it was made from,
/// the value, and after a backward pass the gradient of the output with respect to it.
///
/// Nodes are reference types so that fan-out shares one node and gradients accumulate.
public final class Node {
  /// The operation that produced `value`.
  public let op: Op
  /// The operands, in the op's order.
  ///
  /// An operand recorded without a node of its own (a literal, a plain constant) is kept as
  /// its value until this is first read; it then becomes a `.constant` node with the id
  /// reserved for it when it was recorded, so displays see the same graph either way.
  /// Reading is serialised by a lock, so several threads may read the same graph (the first
  /// read writes the constants' nodes in).
  /// - Complexity: O(inputs); allocates the array.
  public var inputs: [Node] {
    var nodes: [Node] = []
    Node.inputsLock.withLock { _ in
      if operands.constantCount > 0 { materializeConstants() }
      nodes = operands.nodes
    }
    return nodes
  }
  /// The operands as recorded (see `Operands`); the backward pass reads these.
  @exclusivity(unchecked) var operands: Operands
  /// The forward value.
  public let value: Tensor
  /// Whether the backward pass computes a gradient for this node.
  public let requiresGradient: Bool
  /// Scratch slot used by the backward pass: this node's index in its order. (32 bits,
  /// next to `requiresGradient`, keep the node small: a scalar graph is mostly nodes.)
  @exclusivity(unchecked) var backwardIndex: Int32 = -1
  /// What a person would call this node: a parameter name or the source text.
  public var label: String?
  /// The gradient from the last `backward` that reached this node, as the sweep summed it:
  /// possibly still unexpanded, of a shape that broadcasts to `value`'s (see `backward`).
  @exclusivity(unchecked) var summedGradient: Tensor?
  /// The gradient from the last `backward` that reached this node (its shape is `value`'s).
  public var gradient: Tensor? { summedGradient.map { $0.expanded(to: value.shape) } }
  /// Creation order; inputs always have smaller ids than the nodes made from them.
  public let id: Int
  /// The topological sort that last visited this node (see `topologicalOrder(from:)`).
  @exclusivity(unchecked) var visitedPass: Int = 0

  // Atomic: graphs are built on several threads at once (parallel tests, sessions).
  private static let nextID = Atomic<Int>(0)
  static let nextPass = Atomic<Int>(0)
  /// Serialises `inputs`, whose first read of a node may give its constants their nodes.
  private static let inputsLock = Mutex<Void>(())
  /// A graph of scalar nodes is megabytes of small blocks, freed and made again on every
  /// call: glibc malloc should keep them rather than return them (`nabla_keep_large_blocks`).
  private static let mallocTuning: Void = nabla_keep_large_blocks()

  #if DEBUG
    /// How many nodes are alive, in debug builds only: tests use it to show that a graph is
    /// freed once nothing holds its output.
    public static var liveCount: Int { live.load(ordering: .relaxed) }
    private static let live = Atomic<Int>(0)
  #endif

  convenience init(op: Op, inputs: [Node], value: Tensor, requiresGradient: Bool, label: String? = nil) {
    self.init(op: op, operands: Operands(nodes: inputs), value: value, requiresGradient: requiresGradient, label: label)
  }

  /// A node whose constant operands (if any) get the ids just before its own.
  init(op: Op, operands: Operands, value: Tensor, requiresGradient: Bool, label: String? = nil) {
    _ = Node.mallocTuning
    self.op = op
    self.operands = operands
    self.value = value
    self.requiresGradient = requiresGradient
    if let label { self.label = label }
    self.id = Node.nextID.wrappingAdd(1 + operands.constantCount, ordering: .relaxed).newValue
    #if DEBUG
      Node.live.add(1, ordering: .relaxed)
    #endif
  }

  /// A constant operand's node, with the id its consumer reserved.
  private init(constant value: Tensor, id: Int) {
    self.op = .constant
    self.operands = .none
    self.value = value
    self.requiresGradient = false
    self.id = id
    #if DEBUG
      Node.live.add(1, ordering: .relaxed)
    #endif
  }

  /// Gives every constant operand its node (ids `id - constantCount ..< id`, in order).
  private func materializeConstants() {
    var next = id - operands.constantCount
    operands.replaceConstants { value in
      defer { next += 1 }
      return Node(constant: value, id: next)
    }
  }

  // The operand nodes are owned by hand (see `Operands`), so they are released here.
  // Releasing a long chain would otherwise recurse once per node in ARC's deinit and
  // overflow the stack; unlink uniquely held inputs iteratively instead.
  deinit {
    #if DEBUG
      Node.live.subtract(1, ordering: .relaxed)
    #endif
    guard operands.hasNodes else { return }
    var stack: [Unmanaged<Node>] = []
    operands.moveNodes(into: &stack)
    while let reference = stack.popLast() {
      var node = reference.takeRetainedValue()
      if isKnownUniquelyReferenced(&node) {
        node.operands.moveNodes(into: &stack)
      }
    }
  }

  /// The value's shape.
  public var shape: [Int] { value.shape }
}
