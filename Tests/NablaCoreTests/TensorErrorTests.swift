import Testing

@testable import NablaCore

/// Every case of `TensorError`, triggered through the public API, with its message.
@Suite struct TensorErrorTests {
  /// The case's name; the exhaustive switch makes a new case fail to compile here until it
  /// has a trigger below.
  static func kind(of error: TensorError) -> String {
    switch error {
    case .cannotBroadcast: "cannotBroadcast"
    case .cannotBroadcastTo: "cannotBroadcastTo"
    case .axisOutOfRange: "axisOutOfRange"
    case .duplicateAxis: "duplicateAxis"
    case .cannotReshape: "cannotReshape"
    case .invalidShape: "invalidShape"
    case .indexOutOfRange: "indexOutOfRange"
    case .tooManyIndices: "tooManyIndices"
    case .zeroSliceStep: "zeroSliceStep"
    case .matmulMismatch: "matmulMismatch"
    case .mismatchedShapes: "mismatchedShapes"
    case .invalidPermutation: "invalidPermutation"
    case .notScalar: "notScalar"
    case .elementCountMismatch: "elementCountMismatch"
    case .invalidArgument: "invalidArgument"
    case .gradientShapeMismatch: "gradientShapeMismatch"
    case .tooLarge: "tooLarge"
    }
  }

  static let allKinds: Set<String> = [
    "cannotBroadcast", "cannotBroadcastTo", "axisOutOfRange", "duplicateAxis", "cannotReshape",
    "invalidShape", "indexOutOfRange", "tooManyIndices", "zeroSliceStep", "matmulMismatch",
    "mismatchedShapes", "invalidPermutation", "notScalar", "elementCountMismatch",
    "invalidArgument", "gradientShapeMismatch", "tooLarge",
  ]

  /// A call that must fail, and the message it must fail with.
  struct Trigger: Sendable, CustomTestStringConvertible {
    var message: String
    var call: @Sendable () throws -> Void
    init(_ message: String, _ call: @escaping @Sendable () throws -> Void) {
      self.message = message
      self.call = call
    }
    var testDescription: String { message }
  }

  /// A (3, 4) tensor of ones, as a tensor, a constant and a new leaf.
  static let a = tensor([3, 4], Array(repeating: 1, count: 12))
  static var v: Variable { Variable(a) }
  static func leaf() -> Variable { Variable.leaf(a) }

  static let triggers: [Trigger] = {
    let a = Self.a
    return [
      Trigger("cannot broadcast (3, 4) with (5, 4) in +") {
        _ = try Self.v + Variable(try .zeros([5, 4]))
      },
      Trigger("cannot broadcast (3, 4) with (3,) in *") {
        _ = try Self.leaf() * Variable(Tensor([1, 2, 3]))
      },
      Trigger("cannot broadcast (2,) with (3,) in maximum") {
        _ = try Variable.apply(.maximum, Variable(Tensor([1, 2])), Variable(Tensor([1, 2, 3])))
      },
      Trigger("cannot broadcast (2,) with (3,) in ^") {
        _ = try Variable.pow(Variable(Tensor([1, 2])), Variable(Tensor([1, 2, 3])))
      },
      Trigger("cannot broadcast (3, 2) with (3,) in where") {
        _ = try Variable.select(
          Variable(try .ones([3, 1])), Variable(Tensor([1, 2])), Variable(Tensor([1, 2, 3])))
      },
      Trigger("cannot broadcast (3, 4) to (4, 3) in broadcast_to") {
        _ = try Variable.broadcast(Self.v, to: [4, 3])
      },
      Trigger("cannot broadcast (3, 4) to (4,) in broadcast_to") { _ = try a.broadcast(to: [4]) },
      Trigger("axis 2 is out of range for a tensor of rank 2 in sum (valid: -2 to 1)") {
        _ = try Variable.sum(Self.v, axes: [2])
      },
      Trigger("axis -3 is out of range for a tensor of rank 2 in softmax (valid: -2 to 1)") {
        _ = try Variable.softmax(Self.v, axis: -3)
      },
      Trigger("axis 0 is out of range for a tensor of rank 0 in max (a scalar has no axes)") {
        _ = try Variable.reduce(.max, 1, axes: [0])
      },
      Trigger("axis 3 is out of range for a tensor of rank 3 in stack (valid: -3 to 2)") {
        _ = try Variable.stack([Self.v, Self.v], axis: 3)
      },
      Trigger("axis -2 is repeated in mean") { _ = try Variable.mean(Self.v, axes: [0, -2]) },
      Trigger("axis 1 is repeated in logsumexp") {
        _ = try Variable.logsumexp(Self.v, axes: [1, 1])
      },
      Trigger("cannot reshape (3, 4) (12 elements) to (5, -1)") {
        _ = try Variable.reshape(Self.v, [5, -1])
      },
      Trigger("cannot reshape (3, 4) (12 elements) to (2, 2)") { _ = try a.reshaped(to: [2, 2]) },
      Trigger("invalid shape (-1, -1) in reshape: sizes must be ≥ 0, with at most one -1") {
        _ = try Variable.reshape(Self.v, [-1, -1])
      },
      Trigger("invalid shape (2, -3) in zeros: sizes must be ≥ 0") {
        _ = try Tensor.zeros([2, -3])
      },
      Trigger("index 3 is out of range for axis 0 of size 3") {
        _ = try Variable.index(Self.v, [.index(3)])
      },
      Trigger("index -5 is out of range for axis 1 of size 4") {
        _ = try a[[.index(0), .index(-5)]]
      },
      Trigger("too many indices: 3 given for a tensor of rank 2") {
        _ = try Variable.index(Self.v, [.index(0), .newAxis, .index(0), .index(0)])
      },
      Trigger("slice step cannot be zero") {
        _ = try Variable.index(Self.v, [.slice(start: nil, stop: nil, step: 0)])
      },
      Trigger("cannot multiply (3, 4) by (3, 4) in @: inner dimensions differ") {
        _ = try Variable.matmul(Self.v, v)
      },
      Trigger("cannot multiply () by (3, 4) in @: operands must have at least one axis") {
        _ = try Variable.matmul(2, Self.v)
      },
      Trigger("cannot multiply (2, 3, 4) by (5, 4, 2) in @: inner dimensions differ") {
        _ = try Tensor.zeros([2, 3, 4]).matmul(Tensor.zeros([5, 4, 2]))
      },
      Trigger("cannot multiply (3,) by (4,) in dot: inner dimensions differ") {
        _ = try Variable.dot(Variable(Tensor([1, 2, 3])), Variable(Tensor([1, 2, 3, 4])))
      },
      Trigger("shapes (3, 4), (3, 2) must agree except along axis 0 in concat") {
        _ = try Variable.concat([Self.v, Variable(try .zeros([3, 2]))], axis: 0)
      },
      Trigger("shapes (3, 4), (4,) must agree except along axis 0 in concat") {
        _ = try Variable.concat([Self.v, Variable(try .zeros([4]))])
      },
      Trigger("shapes (3, 4), (4, 3) must agree except along axis 1 in stack") {
        _ = try Variable.stack([Self.v, Variable(try .zeros([4, 3]))], axis: 1)
      },
      Trigger("[0, 0] is not a permutation of the 2 axes") {
        _ = try Variable.transpose(Self.v, [0, 0])
      },
      Trigger("[0, 1, 2] is not a permutation of the 2 axes") { _ = try a.transposed([0, 1, 2]) },
      Trigger("[2, 0] is not a permutation of the 2 axes") {
        _ = try Variable.transpose(Self.v, [2, 0])
      },
      Trigger("backward needs a scalar, got shape (3, 4)") { _ = try backward(from: Self.leaf()) },
      Trigger("shape (2, 2) needs 4 elements, got 3") {
        _ = try Tensor(shape: [2, 2], scalars: [1, 2, 3])
      },
      Trigger("backward: seed gradient has shape (4, 3), output has (3, 4)") {
        _ = try backward(from: Self.leaf(), seed: try .zeros([4, 3]))
      },
      Trigger("hessianVectorProduct: direction has shape (3, 1), input has (3,)") {
        _ = try hessianVectorProduct(at: Tensor([1, 2, 3]), along: try .ones([3, 1])) { x in
          try Variable.sum(x * x)
        }
      },
      Trigger("squeeze: axis 1 has size 4, not 1") { _ = try Variable.squeeze(Self.v, axes: [1]) },
      Trigger("index: an index can only have a single ellipsis ('...')") {
        _ = try Variable.index(Self.v, [.ellipsis, .ellipsis])
      },
      Trigger("concat: needs at least one tensor") { _ = try Variable.concat([]) },
      Trigger("concat: cannot concatenate scalars; use stack") { _ = try Variable.concat([1, 2]) },
      Trigger("stack: needs at least one tensor") { _ = try Variable.stack([]) },
      Trigger("dot: operands have rank 3 and 1; use matmul for batches") {
        _ = try Variable.dot(Variable(try .zeros([1, 3, 4])), Variable(try .zeros([4])))
      },
      Trigger("max: zero-size axis has no maximum") {
        _ = try Variable.reduce(.max, Variable(try .zeros([0, 3])), axes: [0])
      },
      Trigger("arange: start, stop and step must be finite and step nonzero") {
        _ = try Tensor.arange(stop: 3, step: 0)
      },
      Trigger("arange: 4294967296 elements is too many") {
        _ = try Tensor.arange(stop: 4_294_967_296)
      },
      Trigger("arange: 1e+20 elements is too many") { _ = try Tensor.arange(stop: 1e20) },
      Trigger("arange: inf elements is too many") {
        _ = try Tensor.arange(start: -1e308, stop: 1e308)
      },
      Trigger("linspace: the number of points must be ≥ 0, got -1") { _ = try Tensor.linspace(0, 1, count: -1) },
      Trigger("zeros would make a tensor of shape (100000, 100000), 10000000000 elements; the limit is 100000000 elements per tensor") {
        _ = try Tensor.zeros([100_000, 100_000])
      },
    ]
  }()

  @Test(arguments: triggers)
  func errorMessage(_ trigger: Trigger) {
    do {
      try trigger.call()
      Issue.record("no error; expected “\(trigger.message)”")
    } catch let error as TensorError {
      #expect(error.description == trigger.message)
    } catch {
      Issue.record("not a TensorError: \(error)")
    }
  }

  @Test func everyCaseHasATrigger() {
    var kinds = Set<String>()
    for trigger in Self.triggers {
      do { try trigger.call() } catch let error as TensorError {
        kinds.insert(Self.kind(of: error))
      } catch {}
    }
    // A gradient rule returning the wrong shape is a bug in Nabla, not reachable through
    // the public API: its message is checked by constructing it.
    kinds.insert(Self.kind(of: Self.gradientShapeMismatch))
    #expect(kinds == Self.allKinds)
  }

  static let gradientShapeMismatch = TensorError.gradientShapeMismatch(
    op: "@", expected: [3, 4], got: [4, 3])

  @Test func gradientShapeMismatchMessage() {
    #expect(
      Self.gradientShapeMismatch.description
        == "internal error: the gradient rule of @ gave shape (4, 3) for an input of shape (3, 4)")
  }

  @Test func errorsCarryTheirValues() throws {
    #expect(throws: TensorError.cannotBroadcast(op: "-", [2], [3])) {
      try Variable(Tensor([1, 2])) - Variable(Tensor([1, 2, 3]))
    }
    #expect(throws: TensorError.axisOutOfRange(op: "expand_dims", axis: 3, rank: 3)) {
      try Variable.expandDims(Variable(try .zeros([2, 2])), axis: 3)
    }
    #expect(throws: TensorError.indexOutOfRange(index: -4, axis: 0, size: 3)) {
      try Variable.index(Variable(Tensor([1, 2, 3])), [.index(-4)])
    }
  }

  @Test func aFailedOpLeavesNoNodeBehind() throws {
    // The graph is unchanged by a failing op: backward from an earlier result still works.
    let x = Variable.leaf(Tensor([1, 2]))
    let y = try x * x
    #expect(throws: TensorError.self) { try y + Variable(Tensor([1, 2, 3])) }
    #expect(try backward(from: Variable.sum(y))[x].value == Tensor([2, 4]))
  }
}
