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
  case index(StridedView)
  /// The adjoint of `index`: scatters into zeros of the output's shape.
  case indexAdjoint(StridedView)
  case concat(axis: Int)
  case matmul
  case softmax(axis: Int)
  case logsumexp(axes: [Int], keepDims: Bool)
  /// `where(condition, a, b)`; the condition (input 0) gets no gradient.
  case select

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
  public private(set) var inputs: [Node]
  /// The forward value.
  public let value: Tensor
  /// Whether the backward pass computes a gradient for this node.
  public let requiresGradient: Bool
  /// What a person would call this node: a parameter name or the source text.
  public var label: String?
  /// The gradient from the last `backward` that reached this node (its shape is `value`'s).
  public internal(set) var gradient: Tensor?
  /// Creation order; inputs always have smaller ids than the nodes made from them.
  public let id: Int
  /// Scratch slot used by the backward pass.
  var backwardIndex: Int = -1

  // Atomic: graphs are built on several threads at once (parallel tests, sessions).
  private static let nextID = Atomic<Int>(0)

  init(op: Op, inputs: [Node], value: Tensor, requiresGradient: Bool, label: String? = nil) {
    self.op = op
    self.inputs = inputs
    self.value = value
    self.requiresGradient = requiresGradient
    self.label = label
    self.id = Node.nextID.wrappingAdd(1, ordering: .relaxed).newValue
  }

  // Releasing a long chain would otherwise recurse once per node in ARC's deinit and
  // overflow the stack; unlink uniquely held inputs iteratively instead.
  deinit {
    guard !inputs.isEmpty else { return }
    var stack = inputs
    inputs = []
    while var node = stack.popLast() {
      if isKnownUniquelyReferenced(&node) {
        stack.append(contentsOf: node.inputs)
        node.inputs = []
      }
    }
  }

  /// The value's shape.
  public var shape: [Int] { value.shape }
}
