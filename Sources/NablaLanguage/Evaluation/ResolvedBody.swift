import NablaCore
import Synchronization

/// A user function's body resolved once for evaluation: its nodes in the order the evaluator
/// finishes them, as steps on a stack of values, with each parameter by its slot, each number
/// literal by its value and each elementwise builtin by its function.
///
///     f(x) = log(x^2 + 1) * sin(x)
///     // x (parameter 0), number 2, ^, number 1, +, log, x, sin, *
///
/// Each step does what `Evaluator.eval` does at its node, through the same functions
/// (`applyBinary`, `applySign`, `applyElementwise`), so values, labels, warnings, errors and
/// Ctrl-C checks are those of the tree walk, in the same order. What the steps skip is the
/// walk itself: matching each node's kind, the nesting levels, and looking parameters up by
/// name. Any other node (a session name, a call of a session function or of another builtin,
/// a tensor literal, an index) is one `node` step that `eval` evaluates at its own level.
///
/// A resolved body depends only on the body and the parameter names, never on the session:
/// session names and calls of session functions are looked up when they are evaluated, as
/// before. It is kept on the body's node (`Expr.resolvedBody`), so redefining a function
/// (which parses a new body) starts afresh.
///
/// The steps refer to the body's nodes without retaining them: the body's root node keeps
/// the tree and this object, and a reference back to the root would be a cycle. So a
/// resolved body is only ever reached through its root (`Expr.resolvedBody`).
final class ResolvedBody: @unchecked Sendable {
  // @unchecked: `Unmanaged` nodes; the nodes are immutable and outlive this object.

  /// A node of the body, not retained.
  typealias Node = Unmanaged<Expr>

  enum Step {
    /// Pushes the argument at this parameter index.
    case parameter(Int)
    /// Pushes a number literal.
    case number(Double)
    /// Replaces the top value by `-x` or `+x`, for this unary node.
    case sign(UnaryOperator, Node)
    /// Replaces the two top values by the operator applied to them, for this operator node.
    case binary(BinaryOperator, Node)
    /// Replaces the top value by the operator applied to it and this number, for this
    /// operator node whose right operand is a number literal (as in `x^2`): a `number` step
    /// and a `binary` one in one.
    case binaryNumber(BinaryOperator, Node, Double)
    /// Replaces the top value by this elementwise builtin applied to it, for this call node.
    case elementwise(UnaryFunction, Node)
    /// Pushes the value of this node as `eval` makes it, at this level below the body's root
    /// (the root is level 1), so that the depth limit applies as in the tree walk.
    case node(Node, level: Int)
  }

  /// The parameter names the body was resolved with.
  let parameters: [String]
  /// The steps, in order; empty when resolving would not pay (see `init`).
  let steps: [Step]
  /// The deepest level of the steps other than `node` (the root is level 1): the tree walk
  /// would stop with "too deep" where the current depth plus this exceeds the limit.
  let deepest: Int

  /// Whether the steps are worth running instead of walking the tree: not when the whole
  /// body is one node that `eval` evaluates anyway, as in `s(x) = sum(x)`.
  var isWorthRunning: Bool { !steps.isEmpty }
  /// Whether every node was resolved (no `node` step): then the body calls no function and
  /// reads no session name.
  let isSelfContained: Bool

  /// The most numbers the steps hold at once, when every step can run on plain numbers (no
  /// `node` step, no `@`); nil otherwise. See `Evaluator.valueOnNumbers`.
  let numberStackSize: Int?

  /// Bodies deeper than this are not resolved (resolving recurses on nesting), and are
  /// walked as before.
  static let maximumHeight = 256

  /// Resolves `body` with `parameters` in scope.
  init(_ body: Expr, parameters: [String]) {
    self.parameters = parameters
    var resolver = Resolver(parameters: parameters)
    if body.height <= ResolvedBody.maximumHeight {
      resolver.resolve(body, level: 1)
    }
    if resolver.steps.count <= 1, case .node = resolver.steps.first {
      resolver.steps = []
    }
    self.steps = resolver.steps
    self.isSelfContained =
      !steps.isEmpty && !steps.contains { if case .node = $0 { true } else { false } }
    self.deepest = resolver.deepest
    self.numberStackSize = isSelfContained ? ResolvedBody.numberStackSize(of: steps) : nil
  }

  /// The deepest the stack of numbers gets running `steps`; nil if a step needs tensors.
  private static func numberStackSize(of steps: [Step]) -> Int? {
    var size = 0
    var largest = 0
    for step in steps {
      switch step {
      case .parameter, .number: size += 1
      case .sign, .elementwise: break
      case .binary(let op, _):
        if op == .matmul { return nil }
        size -= 1
      case .binaryNumber(let op, _, _):
        if op == .matmul { return nil }
      case .node: return nil
      }
      largest = max(largest, size)
    }
    return largest
  }

  /// Appends the steps of a node after those of its children, as `eval` finishes them.
  private struct Resolver {
    let parameters: [String]
    var steps: [Step] = []
    var deepest = 0

    mutating func resolve(_ expr: Expr, level: Int) {
      switch expr.kind {
      case .number(let x):
        append(.number(x), level: level)
      case .name(let name):
        // The last of a name bound twice, as in `Evaluator.evaluate(_:names:values:)`
        // (a function's parameters are distinct).
        if let i = parameters.lastIndex(of: name) {
          append(.parameter(i), level: level)
        } else {
          steps.append(.node(.passUnretained(expr), level: level))
        }
      case .binary:
        // `evalChain`: the leftmost operand, then each operator's right operand and the
        // operator, innermost first; every operand one level below the chain's root.
        var spine: [Expr] = []
        var leftmost = expr
        while case .binary(_, let lhs, _) = leftmost.kind {
          spine.append(leftmost)
          leftmost = lhs
        }
        resolve(leftmost, level: level + 1)
        for node in spine.reversed() {
          guard case .binary(let op, _, let rhs) = node.kind else { continue }
          if case .number(let x) = rhs.kind {
            append(.binaryNumber(op, .passUnretained(node), x), level: level + 1)
          } else {
            resolve(rhs, level: level + 1)
            append(.binary(op, .passUnretained(node)), level: level)
          }
        }
      case .unary(let op, let operand):
        resolve(operand, level: level + 1)
        append(.sign(op, .passUnretained(expr)), level: level)
      case .call(_, _, let arguments):
        if case .elementwise(let f) = Evaluator.callee(of: expr) {
          resolve(arguments[0].value, level: level + 1)
          append(.elementwise(f, .passUnretained(expr)), level: level)
        } else {
          steps.append(.node(.passUnretained(expr), level: level))
        }
      case .tensor, .index, .apply:
        steps.append(.node(.passUnretained(expr), level: level))
      }
    }

    mutating func append(_ step: Step, level: Int) {
      steps.append(step)
      deepest = max(deepest, level)
    }
  }
}

extension Expr {
  /// The body resolved for evaluation kept on this node, if any.
  var resolvedBody: ResolvedBody? {
    let address = resolvedBodyAddress.load(ordering: .acquiring)
    guard let pointer = UnsafeRawPointer(bitPattern: address) else { return nil }
    return Unmanaged<ResolvedBody>.fromOpaque(pointer).takeUnretainedValue()
  }

  /// Keeps `body` on this node unless another thread kept one first, and returns the one kept.
  func keepResolvedBody(_ body: ResolvedBody) -> ResolvedBody {
    let retained = Unmanaged.passRetained(body)
    let address = UInt(bitPattern: retained.toOpaque())
    let (exchanged, original) = resolvedBodyAddress.compareExchange(
      expected: 0, desired: address, ordering: .acquiringAndReleasing)
    if exchanged { return body }
    retained.release()
    return Unmanaged<ResolvedBody>.fromOpaque(UnsafeRawPointer(bitPattern: original)!)
      .takeUnretainedValue()
  }

  /// Releases the kept body (when the node goes).
  func releaseResolvedBody() {
    let address = resolvedBodyAddress.load(ordering: .acquiring)
    guard let pointer = UnsafeRawPointer(bitPattern: address) else { return }
    Unmanaged<ResolvedBody>.fromOpaque(pointer).release()
  }
}
