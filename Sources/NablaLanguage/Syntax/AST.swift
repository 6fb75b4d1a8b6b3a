import Synchronization

/// One node of an expression tree, as parsed from an entry or built by code.
///
///     let tree = try Parser.parseExpression("2*x*sin(x) + x^2*cos(x)")
///     if case .binary(.add, let lhs, _) = tree.kind { print(lhs) }  // 2*x*sin(x)
///     print(Expr.binary(.power, .name("x"), .number(2)))           // x^2
///
/// Nodes are immutable and shared freely between trees and threads. Every node carries
/// the `range` of text it was parsed from (`SourceRange.unknown` when built by code).
/// Equality and hashing are structural and ignore ranges (see `Expr+Equality.swift`).
///
/// Trees are shallow except along operator chains: the parser bounds nesting (parentheses,
/// brackets, unary and `^`) but `1 + 1 + ... + 1` is a left-leaning chain as deep as it is
/// long. Freeing, printing, hashing and comparing therefore never recurse; code that walks a
/// tree recursively should check `height` first.
public final class Expr: @unchecked Sendable {
  // @unchecked: `kind` is mutated only in `deinit`, when no other reference exists.

  /// What a node is, with its children.
  public enum Kind: Sendable {
    /// A number literal: `2`, `0.5`, `1e-5`.
    case number(Double)
    /// A name: a variable, a parameter, or a constant such as `pi`, `inf`, `true`.
    case name(String)
    /// A tensor literal `[a, [b, c]]`; raggedness is checked by the evaluator.
    case tensor([Expr])
    /// A prefix operator applied to an operand: `-x`, `+x`.
    case unary(UnaryOperator, Expr)
    /// An infix operator: `a + b`, `x^2`, `W @ x`, `a <= b`.
    case binary(BinaryOperator, Expr, Expr)
    /// A call of a named function: `f(a, b, axis: 0)`.
    case call(name: String, nameRange: SourceRange, arguments: [Argument])
    /// A call of a function that is itself an expression: `grad(f)(x)`, `grad(f, wrt: W)(W, b)`.
    case apply(callee: Expr, arguments: [Argument])
    /// Indexing or slicing: `x[0]`, `W[:, 1:3]`, `x[::-1]`, `x[..., 0]`.
    case index(base: Expr, items: [IndexItem])
  }

  /// What this node is, with its children.
  // Unchecked exclusivity: reads are hot and the only write is in `deinit`.
  @exclusivity(unchecked) public private(set) var kind: Kind
  /// The text this node was parsed from, or `SourceRange.unknown`.
  public let range: SourceRange
  /// The number of nodes on the longest path from this node to a leaf (a leaf has height 1).
  public let height: Int
  /// A hash of the structure (ignoring ranges), computed once from the children's.
  let structuralHash: Int
  /// What the name of a call refers to among the builtins, noted by the evaluator the first
  /// time it meets the node so that later calls skip the lookup (`Evaluator.callee(of:)`);
  /// 0 until then. A cache of a function of the node alone, so the node stays immutable in
  /// every way that shows; atomic, because trees are shared between threads.
  let calleeNote = Atomic<Int>(0)
  /// When this node is the body of a user function, the body resolved for evaluation, made
  /// the first time the function is called (`Expr.resolvedBody`): the address of a retained
  /// `ResolvedBody`, or 0 until then. Like `calleeNote`, a function of the node alone (and of
  /// the parameter names, which it records). An address rather than an
  /// `AtomicLazyReference`, whose `load()` is an unspecialized generic call costing more than
  /// the evaluation it saves.
  let resolvedBodyAddress = Atomic<UInt>(0)

  /// Creates a node; `range` defaults to `unknown` for trees built by code.
  public init(_ kind: Kind, range: SourceRange = .unknown) {
    self.kind = kind
    self.range = range
    var height = 0
    var hash = kind.shallowHash
    kind.forEachChild { child in
      height = max(height, child.height)
      hash = Expr.mix(hash, child.structuralHash)
    }
    self.height = height + 1
    self.structuralHash = hash
  }

  deinit {
    releaseResolvedBody()
    // Free long chains without recursing: take the children of every node that only we
    // still reference, and leave each a leaf so its own deinit returns at once.
    guard kind.hasChildren else { return }
    var pending: [Expr] = []
    kind.forEachChild { pending.append($0) }
    kind = .number(0)
    while var node = pending.popLast() {
      if isKnownUniquelyReferenced(&node) {
        node.kind.forEachChild { pending.append($0) }
        node.kind = .number(0)
      }
    }
  }
}

/// A prefix operator.
public enum UnaryOperator: String, Sendable, Hashable, CaseIterable {
  /// `-x`
  case negate = "-"
  /// `+x`, which the evaluator treats as the identity.
  case plus = "+"

  /// The operator as written.
  public var symbol: String { rawValue }
}

/// An infix operator.
public enum BinaryOperator: String, Sendable, Hashable, CaseIterable {
  /// `a + b`
  case add = "+"
  /// `a - b`
  case subtract = "-"
  /// `a * b`, elementwise
  case multiply = "*"
  /// `a / b`, elementwise
  case divide = "/"
  /// `a ^ b`, elementwise, right-associative
  case power = "^"
  /// `a @ b`, matrix product
  case matmul = "@"
  /// `a == b`
  case equal = "=="
  /// `a != b`
  case notEqual = "!="
  /// `a < b`
  case less = "<"
  /// `a <= b`
  case lessEqual = "<="
  /// `a > b`
  case greater = ">"
  /// `a >= b`
  case greaterEqual = ">="

  /// The operator as written.
  public var symbol: String { rawValue }

  /// How tightly the operator binds.
  public var precedence: Precedence {
    switch self {
    case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual: .comparison
    case .add, .subtract: .additive
    case .multiply, .divide, .matmul: .multiplicative
    case .power: .power
    }
  }

  /// Whether the operator compares (`== != < <= > >=`); comparisons do not chain.
  public var isComparison: Bool { precedence == .comparison }
}

/// Binding strength of the grammar's levels, loosest first.
public enum Precedence: Int, Sendable, Comparable, CaseIterable {
  /// `== != < <= > >=`, non-associative
  case comparison = 1
  /// `+ -`, left-associative
  case additive
  /// `* / @`, left-associative
  case multiplicative
  /// unary `-` and `+`
  case prefix
  /// `^`, right-associative; its exponent may be a prefix expression (`2^-1`)
  case power
  /// calls and indexing: `f(x)`, `x[0]`
  case postfix
  /// numbers, names, parenthesised expressions, tensor literals
  case primary

  public static func < (lhs: Precedence, rhs: Precedence) -> Bool { lhs.rawValue < rhs.rawValue }
}

extension Expr {
  /// One argument of a call: positional (`x`) or keyword (`axis: 0`).
  ///
  /// Nested in `Expr` so that it does not clash with ArgumentParser's `Argument`.
  public struct Argument: Sendable, Hashable {
    /// The keyword, or nil for a positional argument.
    public var label: String?
    /// Where the keyword was written, or nil for a positional argument.
    public var labelRange: SourceRange?
    /// The argument's value.
    public var value: Expr

    /// Creates an argument; keyword arguments pass a `label`.
    public init(label: String? = nil, labelRange: SourceRange? = nil, value: Expr) {
      self.label = label
      self.labelRange = labelRange
      self.value = value
    }

    /// Creates a positional argument.
    public init(_ value: Expr) {
      self.init(value: value)
    }

    /// Equality ignores ranges.
    public static func == (lhs: Argument, rhs: Argument) -> Bool {
      lhs.label == rhs.label && lhs.value == rhs.value
    }

    public func hash(into hasher: inout Hasher) {
      hasher.combine(label)
      hasher.combine(value)
    }
  }
}

/// One item between the brackets of an indexing expression.
public enum IndexItem: Sendable, Hashable {
  /// A single position: `x[0]`, `x[-1]`, `x[i + 1]`.
  case index(Expr)
  /// A slice `start:stop:step`, each part optional: `x[1:3]`, `x[:, 0]`, `x[::-1]`.
  case slice(start: Expr?, stop: Expr?, step: Expr?)
  /// `...`: as many full slices as needed (at most one per index).
  case ellipsis
}

extension Expr {
  /// A number literal.
  public static func number(_ value: Double, range: SourceRange = .unknown) -> Expr {
    Expr(.number(value), range: range)
  }

  /// A name.
  public static func name(_ name: String, range: SourceRange = .unknown) -> Expr {
    Expr(.name(name), range: range)
  }

  /// A tensor literal.
  public static func tensor(_ elements: [Expr], range: SourceRange = .unknown) -> Expr {
    Expr(.tensor(elements), range: range)
  }

  /// A prefix operator applied to `operand`.
  public static func unary(
    _ op: UnaryOperator, _ operand: Expr, range: SourceRange = .unknown
  ) -> Expr {
    Expr(.unary(op, operand), range: range)
  }

  /// An infix operator applied to `lhs` and `rhs`.
  public static func binary(
    _ op: BinaryOperator, _ lhs: Expr, _ rhs: Expr, range: SourceRange = .unknown
  ) -> Expr {
    Expr(.binary(op, lhs, rhs), range: range)
  }

  /// A call of the function `name` with positional `arguments`.
  public static func call(_ name: String, _ arguments: [Expr], range: SourceRange = .unknown)
    -> Expr
  {
    Expr(
      .call(name: name, nameRange: .unknown, arguments: arguments.map(Argument.init)), range: range)
  }

  /// A call of the function `name` with any `arguments`.
  public static func call(
    _ name: String, arguments: [Argument], range: SourceRange = .unknown
  ) -> Expr {
    Expr(.call(name: name, nameRange: .unknown, arguments: arguments), range: range)
  }

  /// A call of the function `callee` evaluates to, such as `grad(f)`.
  public static func apply(
    _ callee: Expr, _ arguments: [Argument], range: SourceRange = .unknown
  ) -> Expr {
    Expr(.apply(callee: callee, arguments: arguments), range: range)
  }

  /// Indexing `base` with `items`.
  public static func index(_ base: Expr, _ items: [IndexItem], range: SourceRange = .unknown)
    -> Expr
  {
    Expr(.index(base: base, items: items), range: range)
  }

  /// The precedence level this node occupies when printed (a negative number is a prefix
  /// expression, like `-2`).
  public var precedence: Precedence {
    switch kind {
    case .number(let value): value.sign == .minus ? .prefix : .primary
    case .name, .tensor: .primary
    case .unary: .prefix
    case .binary(let op, _, _): op.precedence
    case .call, .apply, .index: .postfix
    }
  }
}

extension Expr {
  /// Calls `body` with this expression and every expression under it that stands for a
  /// value, in source order (each node before its children), without recursing. The callee
  /// of an application (`grad(f, wrt: W)` in `grad(f, wrt: W)(W, b)`) is not entered: it
  /// names functions and parameters, and `body` sees it whole as part of the `.apply` node.
  public func forEachValueNode(_ body: (Expr) -> Void) {
    var stack = [self]
    var children: [Expr] = []
    while let e = stack.popLast() {
      body(e)
      if case .apply(_, let arguments) = e.kind {
        children = arguments.map(\.value)
      } else {
        children.removeAll(keepingCapacity: true)
        e.kind.forEachChild { children.append($0) }
      }
      stack += children.reversed()
    }
  }
}

extension Expr.Kind {
  /// Whether the node has child expressions.
  var hasChildren: Bool {
    switch self {
    case .number, .name: false
    case .tensor(let elements): !elements.isEmpty
    case .unary, .binary, .index: true
    case .call(_, _, let arguments): !arguments.isEmpty
    case .apply: true
    }
  }

  /// Calls `body` with each child expression, left to right.
  func forEachChild(_ body: (Expr) -> Void) {
    switch self {
    case .number, .name:
      break
    case .tensor(let elements):
      elements.forEach(body)
    case .unary(_, let operand):
      body(operand)
    case .binary(_, let lhs, let rhs):
      body(lhs)
      body(rhs)
    case .call(_, _, let arguments):
      for argument in arguments { body(argument.value) }
    case .apply(let callee, let arguments):
      body(callee)
      for argument in arguments { body(argument.value) }
    case .index(let base, let items):
      body(base)
      for item in items {
        switch item {
        case .index(let position): body(position)
        case .slice(let start, let stop, let step):
          if let start { body(start) }
          if let stop { body(stop) }
          if let step { body(step) }
        case .ellipsis: break
        }
      }
    }
  }

  /// A hash of the node's own payload (not of its children's structure).
  var shallowHash: Int {
    switch self {
    case .number(let value):
      return Expr.mix(0, Int(truncatingIfNeeded: value.bitPattern))
    case .name(let name):
      return Expr.mix(1, name.hashValue)
    case .tensor(let elements):
      return Expr.mix(2, elements.count)
    case .unary(let op, _):
      return Expr.mix(3, op == .negate ? 0 : 1)
    case .binary(let op, _, _):
      return Expr.mix(4, BinaryOperator.allCases.firstIndex(of: op)!)
    case .call(let name, _, let arguments):
      var hash = Expr.mix(5, name.hashValue)
      for argument in arguments { hash = Expr.mix(hash, argument.label?.hashValue ?? 0) }
      return hash
    case .apply(_, let arguments):
      var hash = 7
      for argument in arguments { hash = Expr.mix(hash, argument.label?.hashValue ?? 0) }
      return hash
    case .index(_, let items):
      var hash = 6
      for item in items {
        switch item {
        case .index: hash = Expr.mix(hash, 0)
        case .slice(let start, let stop, let step):
          hash = Expr.mix(
            hash, 1 | (start == nil ? 0 : 2) | (stop == nil ? 0 : 4) | (step == nil ? 0 : 8))
        case .ellipsis: hash = Expr.mix(hash, 16)
        }
      }
      return hash
    }
  }
}

extension Expr {
  /// Combines two hash values (a cheap multiply-xorshift; `hash(into:)` feeds the result
  /// to a real `Hasher`, so this only has to separate trees, not resist attacks).
  static func mix(_ seed: Int, _ value: Int) -> Int {
    var x =
      UInt64(bitPattern: Int64(seed)) ^ (UInt64(bitPattern: Int64(value)) &+ 0x9E37_79B9_7F4A_7C15)
    x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
    x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
    return Int(Int64(bitPattern: x ^ (x >> 31)))
  }
}
