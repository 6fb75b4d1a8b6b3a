/// A node's operands in the op's order. Each is a node, or, for an operand that had none
/// (a literal, a plain constant), just its value: its `.constant` node is made only if
/// someone reads `Node.inputs` (the graph pane does; the backward pass does not).
///
/// Up to two are held inline (every op but `where` and `concat` has at most two), so
/// recording an op allocates nothing besides its node.
///
/// Ownership: an operand node is held by one strong reference that the consumer owns by
/// hand (`Unmanaged`), taken when the operand is made and given back only in `Node.deinit`
/// (through `moveNodes(into:)`). Copies of `Operands` therefore cost no reference counting,
/// which a scalar graph would otherwise pay several times per node and pass; in exchange a
/// copy must not outlive the node it was read from.
enum Operands {
  /// One operand, one word plus a tag.
  enum Operand {
    /// A node, owned by the consumer (see above).
    case node(Unmanaged<Node>)
    /// A 0-d constant (the common literal), held inline.
    case scalar(Double)
    /// Any other constant.
    case constant(ConstantValue)

    /// Whether this is a node that requires a gradient.
    @inline(__always)
    var needsGradient: Bool {
      if case .node(let n) = self { return n._withUnsafeGuaranteedRef { $0.requiresGradient } }
      return false
    }

    /// Whether this is a constant without a node.
    var isConstant: Bool {
      if case .node = self { return false }
      return true
    }

    /// The operand's value.
    var value: Tensor {
      switch self {
      case .node(let n): n._withUnsafeGuaranteedRef { $0.value }
      case .scalar(let x): Tensor(x)
      case .constant(let c): c.value
      }
    }

    /// The operand for a variable: its node (now owned by the operand), or its value when
    /// it has none.
    init(_ v: Variable) {
      if let n = v.node {
        self = .node(.passRetained(n))
      } else if v.value.shape.isEmpty, case .one(let x) = v.value.storage {
        self = .scalar(x)
      } else {
        self = .constant(ConstantValue(v.value))
      }
    }
  }

  /// A constant operand's value, boxed so that an operand stays one word.
  final class ConstantValue {
    let value: Tensor
    init(_ value: Tensor) { self.value = value }
  }

  case none
  case one(Operand)
  case two(Operand, Operand)
  /// Three or more (`where`, `concat`).
  case many([Operand])

  init(_ a: Variable) {
    self = .one(Operand(a))
  }

  init(_ a: Variable, _ b: Variable) {
    self = .two(Operand(a), Operand(b))
  }

  init(_ inputs: [Variable]) {
    self.init(inputs.map { Operand($0) })
  }

  init(nodes: [Node]) {
    self.init(nodes.map { Operand.node(.passRetained($0)) })
  }

  private init(_ list: [Operand]) {
    switch list.count {
    case 0: self = .none
    case 1: self = .one(list[0])
    case 2: self = .two(list[0], list[1])
    default: self = .many(list)
    }
  }

  /// The number of operands.
  var count: Int {
    switch self {
    case .none: 0
    case .one: 1
    case .two: 2
    case .many(let list): list.count
    }
  }

  var isEmpty: Bool {
    if case .none = self { return true }
    return false
  }

  /// The operands in order (allocates; for displays and the n-ary ops).
  var list: [Operand] {
    switch self {
    case .none: []
    case .one(let a): [a]
    case .two(let a, let b): [a, b]
    case .many(let list): list
    }
  }

  subscript(i: Int) -> Operand {
    switch self {
    case .none: preconditionFailure("no operands")
    case .one(let a): return a
    case .two(let a, let b): return i == 0 ? a : b
    case .many(let list): return list[i]
    }
  }

  /// The node of operand `i` (unretained: valid while the consumer lives), or nil for a
  /// constant.
  @inline(__always)
  func node(_ i: Int) -> Unmanaged<Node>? {
    if case .node(let n) = self[i] { return n }
    return nil
  }

  /// How many operands are held as values, without a node yet.
  var constantCount: Int {
    switch self {
    case .none: 0
    case .one(let a): a.isConstant ? 1 : 0
    case .two(let a, let b): (a.isConstant ? 1 : 0) + (b.isConstant ? 1 : 0)
    case .many(let list): list.count { $0.isConstant }
    }
  }

  /// Whether any operand is a node.
  var hasNodes: Bool { constantCount < count }

  /// The operands as nodes (strong references); the caller has replaced the constants.
  var nodes: [Node] {
    list.compactMap { o in
      if case .node(let n) = o { return n.takeUnretainedValue() }
      return nil
    }
  }

  /// Replaces each constant, in order, with the node `make` builds for its value.
  mutating func replaceConstants(_ make: (Tensor) -> Node) {
    self = Operands(list.map { $0.isConstant ? .node(.passRetained(make($0.value))) : $0 })
  }

  /// Calls `body` with each operand that is a node requiring a gradient (unretained: valid
  /// while the consumer lives).
  @inline(__always)
  func forEachDifferentiableNode(_ body: (Unmanaged<Node>) -> Void) {
    func visit(_ o: Operand) {
      if case .node(let n) = o, n._withUnsafeGuaranteedRef({ $0.requiresGradient }) { body(n) }
    }
    switch self {
    case .none:
      break
    case .one(let a):
      visit(a)
    case .two(let a, let b):
      visit(a)
      visit(b)
    case .many(let list):
      for o in list { visit(o) }
    }
  }

  /// Hands the operand nodes, with the references this value owned, to `stack`, and forgets
  /// every operand.
  mutating func moveNodes(into stack: inout [Unmanaged<Node>]) {
    switch self {
    case .none:
      return
    case .one(let a):
      if case .node(let n) = a { stack.append(n) }
    case .two(let a, let b):
      if case .node(let n) = a { stack.append(n) }
      if case .node(let n) = b { stack.append(n) }
    case .many(let list):
      for o in list { if case .node(let n) = o { stack.append(n) } }
    }
    self = .none
  }
}
