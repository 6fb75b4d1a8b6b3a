/// What a gradient rule is called with and returns, held inline: the backward pass calls
/// one rule per node, and three small arrays per call (inputs, needs, contributions) would
/// cost more than a scalar rule's arithmetic.

/// The inputs of one rule call: a node's operands as variables, attached to the graph (the
/// backward pass is being recorded) or detached (values only).
enum RuleInputs: RandomAccessCollection {
  case none
  case one(Variable)
  case two(Variable, Variable)
  case many([Variable])

  init(_ operands: Operands, attached: Bool) {
    switch operands {
    case .none: self = .none
    case .one(let a): self = .one(a.variable(attached: attached))
    case .two(let a, let b): self = .two(a.variable(attached: attached), b.variable(attached: attached))
    case .many(let list): self = .many(list.map { $0.variable(attached: attached) })
    }
  }

  init(_ list: [Variable]) {
    switch list.count {
    case 0: self = .none
    case 1: self = .one(list[0])
    case 2: self = .two(list[0], list[1])
    default: self = .many(list)
    }
  }

  var startIndex: Int { 0 }
  var endIndex: Int {
    switch self {
    case .none: 0
    case .one: 1
    case .two: 2
    case .many(let list): list.count
    }
  }

  subscript(i: Int) -> Variable {
    switch self {
    case .none: preconditionFailure("no inputs")
    case .one(let a): a
    case .two(let a, let b): i == 0 ? a : b
    case .many(let list): list[i]
    }
  }
}

extension Operands.Operand {
  /// The operand as a rule's input: its node when `attached`, else its value alone.
  @inline(__always)
  func variable(attached: Bool) -> Variable {
    switch self {
    case .node(let n): attached ? Variable(n.takeUnretainedValue()) : Variable(n._withUnsafeGuaranteedRef { $0.value })
    case .scalar(let x): Variable(Tensor(x))
    case .constant(let c): Variable(c.value)
    }
  }
}

/// Which inputs of a rule call want a gradient.
struct Needs {
  private var bits: UInt64 = 0
  private var more: [Bool] = []

  /// Needs of a node's operands: the nodes that require a gradient.
  init(_ operands: Operands) {
    switch operands {
    case .none:
      break
    case .one(let a):
      bits = a.needsGradient ? 1 : 0
    case .two(let a, let b):
      bits = (a.needsGradient ? 1 : 0) | (b.needsGradient ? 2 : 0)
    case .many(let list):
      for (i, o) in list.enumerated() where o.needsGradient { set(i) }
    }
  }

  init(_ list: [Bool]) {
    for (i, need) in list.enumerated() where need { set(i) }
  }

  private mutating func set(_ i: Int) {
    if i < 64 {
      bits |= 1 << UInt64(i)
    } else {
      if more.count <= i - 64 { more += Array(repeating: false, count: i - 64 - more.count + 1) }
      more[i - 64] = true
    }
  }

  subscript(i: Int) -> Bool {
    i < 64 ? bits >> UInt64(i) & 1 != 0 : i - 64 < more.count && more[i - 64]
  }
}

/// What a rule adds to each input's gradient, in input order; nil means nothing (zero).
enum Contributions {
  case none
  case one(Variable?)
  case two(Variable?, Variable?)
  case many([Variable?])

  /// The number of entries.
  var count: Int {
    switch self {
    case .none: 0
    case .one: 1
    case .two: 2
    case .many(let list): list.count
    }
  }

  subscript(i: Int) -> Variable? {
    switch self {
    case .none: nil
    case .one(let a): i == 0 ? a : nil
    case .two(let a, let b): i == 0 ? a : i == 1 ? b : nil
    case .many(let list): i < list.count ? list[i] : nil
    }
  }
}

extension Variable {
  /// `gradients(of:inputs:output:gradient:needs:)` for inputs and needs given as arrays
  /// (displays that replay one rule).
  static func gradients(
    of op: Op, inputs x: [Variable], output y: Variable, gradient g: Variable, needs: [Bool]
  ) throws(TensorError) -> [Variable?] {
    let c = try gradients(
      of: op, inputs: RuleInputs(x), output: y, gradient: g,
      needs: Needs(needs))
    return (0..<c.count).map { c[$0] }
  }
}
