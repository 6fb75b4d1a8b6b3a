import NablaCore

/// Creates terms for one symbolic differentiation: interns them (an equal term is returned
/// rather than made twice), infers their shapes, and holds what they refer to (parameters,
/// session tensors). The simplifying constructors are in `TermGraph+Algebra.swift` and
/// `TermGraph+Calls.swift`; every term is made through `make(_:_:argOrder:)`.
final class TermGraph {
  private struct Key: Hashable {
    var op: TermOp
    var args: [Int]
  }

  private var table: [Key: Term] = [:]
  /// Every term, by id.
  private(set) var terms: [Term] = []

  /// The function's parameters, in order.
  let parameters: [String]
  /// The known rank of each parameter (from argument values, when there are some).
  let parameterRanks: [String: Int]
  /// Parameters known to hold one element (they are used where the output's single element
  /// implies it), treated as scalars.
  let scalarParameters: Set<String>
  /// Session tensors, which derivatives use as constants.
  let tensors: [String: Tensor]
  /// The source position that new terms stand for.
  var position = 0

  init(
    parameters: [String], parameterRanks: [String: Int], scalarParameters: Set<String>,
    tensors: [String: Tensor]
  ) {
    self.parameters = parameters
    self.parameterRanks = parameterRanks
    self.scalarParameters = scalarParameters
    self.tensors = tensors
  }

  /// The term for `op` over `args`, made once. `argOrder` gives each argument's source
  /// position (default: the current position).
  func make(_ op: TermOp, _ args: [Term], argOrder: [Int]? = nil) -> Term {
    let key = Key(op: op, args: args.map(\.id))
    if let existing = table[key] {
      existing.order = Swift.min(existing.order, position)
      return existing
    }
    let id = terms.count
    var dependencies = args.reduce(UInt64(0)) { $0 | $1.dependencies }
    if case .variable(let name) = op, let i = parameters.firstIndex(of: name) {
      dependencies |= 1 << UInt64(Swift.min(i, 63))
    }
    let shape = inferShape(op, args, id: id)
    let term = Term(
      id: id, op: op, args: args,
      argOrder: argOrder ?? Array(repeating: position, count: args.count),
      shape: shape, dependencies: dependencies, order: position)
    table[key] = term
    terms.append(term)
    return term
  }

  // MARK: Leaves

  func number(_ x: Double) -> Term { make(.number(numberBits(x)), []) }
  var zero: Term { number(0) }
  var one: Term { number(1) }

  func variable(_ name: String) -> Term { make(.variable(name), []) }
  func tensor(_ name: String) -> Term { make(.tensor(name), []) }
  func constant(_ name: String) -> Term { make(.constant(name), []) }

  /// The bit mask of a parameter.
  func mask(of parameter: String) -> UInt64 {
    guard let i = parameters.firstIndex(of: parameter) else { return 0 }
    return 1 << UInt64(Swift.min(i, 63))
  }

  // MARK: Reading constants

  /// The numbers of a term that is a number, a list of numbers, `true`/`false` or a session
  /// tensor (used for axes, shapes and flags, which must be known to differentiate).
  func numbers(of term: Term) -> [Double]? {
    switch term.op {
    case .number(let b): return [numberValue(b)]
    case .constant(let name): return Builtin.constants[name].map { [$0] }
    case .tensor(let name): return tensors[name]?.scalars
    case .literal:
      var values: [Double] = []
      for a in term.args {
        guard let v = a.number else { return nil }
        values.append(v)
      }
      return values
    default:
      return nil
    }
  }

  /// Whole numbers read by `numbers(of:)`.
  func integers(of term: Term) -> [Int]? {
    guard let values = numbers(of: term) else { return nil }
    var result: [Int] = []
    for v in values {
      guard v.rounded() == v, abs(v) < 1e15 else { return nil }
      result.append(Int(v))
    }
    return result
  }

  /// A flag such as `keepdims: true`.
  func boolean(of term: Term) -> Bool? {
    guard let values = numbers(of: term), values.count == 1 else { return nil }
    return values[0] != 0
  }
}
