/// One node of the symbolic graph: an expression in a canonical form, hash-consed so that
/// equal subexpressions are one node. Derivatives are built from these and printed back as
/// Nabla source (`Emission.swift`).
///
///     x^2*sin(x)       .product(1, exponents [2, 1])   args [x, sin(x)]
///     1 - tanh(x)^2    .sum(1, coefficients [-1])      args [tanh(x)^2]
///
/// A term is immutable except for `order`, the earliest source position it stands for,
/// which orders factors and terms when printing.
final class Term {
  /// Unique within one `TermGraph`, in creation order (children before parents).
  let id: Int
  let op: TermOp
  let args: [Term]
  /// For each argument, the source position of that use (orders the terms of a derivative
  /// as the uses appear in the function: `2*x*sin(x) + x^2*cos(x)`).
  let argOrder: [Int]
  let shape: SymbolicShape
  /// The parameters (bit i for parameter i) the term depends on.
  let dependencies: UInt64
  /// The number of nodes on the longest path to a leaf (a leaf has height 1).
  let height: Int
  /// The number of nodes of the term written out as a tree, saturating at 1 << 40.
  let size: Int
  /// The earliest source position this term stands for.
  var order: Int

  init(
    id: Int, op: TermOp, args: [Term], argOrder: [Int], shape: SymbolicShape, dependencies: UInt64,
    order: Int
  ) {
    self.id = id
    self.op = op
    self.args = args
    self.argOrder = argOrder
    self.shape = shape
    self.dependencies = dependencies
    self.order = order
    self.height = (args.map(\.height).max() ?? 0) + 1
    self.size = Swift.min(1 << 40, args.reduce(1) { $0 + $1.size })
  }

  /// The number, when the term is one.
  var number: Double? {
    if case .number(let bits) = op { return Double(bitPattern: bits) }
    return nil
  }

  /// Whether the term is a number, a name or a constant.
  var isLeaf: Bool { args.isEmpty }

  /// The builtin's name, when the term is a call.
  var callName: String? {
    if case .call(let name, _) = op { return name }
    return nil
  }
}

/// What a term computes; its operands are the term's `args`.
enum TermOp: Hashable {
  /// A number (its bit pattern, with -0 stored as 0).
  case number(UInt64)
  /// A parameter of the function being differentiated.
  case variable(String)
  /// A session tensor, a constant of the derivative.
  case tensor(String)
  /// A named constant: pi, e, inf, nan, true, false.
  case constant(String)
  /// `constant + Σ coefficient_i * args[i]`; the args are neither numbers nor small sums, and
  /// have coefficient 1 (the coefficient sits here). The constant is written before term
  /// `constantIndex` (`1 + tan(x)^2` but `3*x^2 + 2*x + 1`, as the terms came).
  case sum(constant: UInt64, coefficients: [UInt64], constantIndex: Int)
  /// `coefficient * Π args[i] ^ exponent_i` with numeric exponents; the args are neither
  /// numbers nor small products (a product raised to a non-integer power stays a factor).
  case product(coefficient: UInt64, exponents: [UInt64])
  /// `args[0] ^ args[1]` where the exponent is not a number.
  case power
  /// A builtin call; `labels[i]` is nil for a positional argument, else its keyword.
  case call(String, labels: [String?])
  /// A comparison, 1 where it holds, else 0.
  case compare(BinaryOperator)
  /// `args[0] @ args[1]`.
  case matmul
  /// A tensor literal `[args...]` whose elements are not all numbers.
  case literal
  /// `args[0][...]`: the items, whose expressions are `args[1...]` in order.
  case index([IndexPattern])
}

/// The form of one item of an index term; its expressions are in the term's args.
enum IndexPattern: Hashable {
  case index
  case slice(start: Bool, stop: Bool, step: Bool)
  case ellipsis

  /// How many expressions the item takes.
  var expressionCount: Int {
    switch self {
    case .index: 1
    case .slice(let a, let b, let c): (a ? 1 : 0) + (b ? 1 : 0) + (c ? 1 : 0)
    case .ellipsis: 0
    }
  }
}

/// Doubles as hashable bit patterns, with -0 and 0 the same.
func numberBits(_ x: Double) -> UInt64 { (x == 0 ? 0.0 : x).bitPattern }
func numberValue(_ bits: UInt64) -> Double { Double(bitPattern: bits) }
