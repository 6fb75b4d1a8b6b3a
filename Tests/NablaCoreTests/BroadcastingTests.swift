import Testing

@testable import NablaCore

/// numpy's broadcasting: result shapes, forward values (golden numbers from numpy 2.4), and
/// gradients summed back to each operand's shape.
@Suite struct BroadcastingTests {
  @Test(arguments: [
    ([3, 1], [1, 4], [3, 4]), ([4], [3, 4], [3, 4]), ([], [2, 3], [2, 3]),
    ([2, 1, 3], [4, 1], [2, 4, 3]),
    ([5, 1, 1], [1, 6], [5, 1, 6]), ([1], [0], [0]), ([0, 3], [1, 3], [0, 3]),
    ([2, 3], [2, 3], [2, 3]),
  ])
  func resultShape(_ a: [Int], _ b: [Int], _ expected: [Int]) throws {
    #expect(try broadcastShapes(a, b, op: "+") == expected)
    #expect(try broadcastShapes(b, a, op: "+") == expected)
    #expect(try Tensor.zeros(a).combined(.add, with: .zeros(b)).shape == expected)
  }

  @Test(arguments: [([3, 4], [5, 4]), ([2], [3]), ([2, 1], [3, 3]), ([0], [2])])
  func incompatibleShapes(_ a: [Int], _ b: [Int]) {
    #expect(throws: TensorError.cannotBroadcast(op: "*", a, b)) {
      try broadcastShapes(a, b, op: "*")
    }
  }

  @Test func valuesMatchNumpy() throws {
    let column = tensor([3, 1], [0, 1, 2])
    let row = tensor([1, 4], [0, 10, 20, 30])
    #expect(
      try column.combined(.add, with: row)
        == tensor([3, 4], [0, 10, 20, 30, 1, 11, 21, 31, 2, 12, 22, 32]))

    // (2, 1, 3) * (4, 1): arange(6).reshape(2, 1, 3) + 1 times arange(4).reshape(4, 1) − 1.5.
    let a = tensor([2, 1, 3], [1, 2, 3, 4, 5, 6])
    let b = tensor([4, 1], [-1.5, -0.5, 0.5, 1.5])
    let expected = tensor(
      [2, 4, 3],
      [
        -1.5, -3.0, -4.5, -0.5, -1.0, -1.5, 0.5, 1.0, 1.5, 1.5, 3.0, 4.5,
        -6.0, -7.5, -9.0, -2.0, -2.5, -3.0, 2.0, 2.5, 3.0, 6.0, 7.5, 9.0,
      ])
    #expect(try a.combined(.multiply, with: b) == expected)
    #expect(try b.combined(.multiply, with: a) == expected)

    // (4,) / (3, 4): [1, 2, 3, 4] / (arange(12).reshape(3, 4) + 1).
    let quotient = try Tensor([1, 2, 3, 4]).combined(
      .divide, with: tensor([3, 4], (1...12).map(Double.init)))
    expectApproximatelyEqual(
      quotient,
      tensor(
        [3, 4],
        [
          1.0, 1.0, 1.0, 1.0, 0.2, 0.3333333333333333, 0.42857142857142855, 0.5,
          0.1111111111111111, 0.2, 0.2727272727272727, 0.3333333333333333,
        ]), relativeTolerance: 0, absoluteTolerance: 0)

    // () − (2, 3).
    #expect(
      try Tensor(2.5).combined(.subtract, with: tensor([2, 3], [0, 1, 2, 3, 4, 5]))
        == tensor([2, 3], [2.5, 1.5, 0.5, -0.5, -1.5, -2.5]))

    // where((2, 1), (3,), ()).
    #expect(
      try Tensor.select(tensor([2, 1], [1, 0]), Tensor([1, 2, 3]), Tensor(-1))
        == tensor([2, 3], [1, 2, 3, -1, -1, -1]))
  }

  @Test func stridedOperandsOfEveryKind() throws {
    // Broadcast axes in the middle, at the front and at the back, mixed with real ones.
    let a = randn([2, 1, 4, 1], seed: 1)
    let b = randn([3, 1, 5], seed: 2)
    let sum = try a.combined(.add, with: b)
    #expect(sum.shape == [2, 3, 4, 5])
    for i in 0..<2 {
      for j in 0..<3 {
        for k in 0..<4 {
          for l in 0..<5 {
            let expected = a.scalars[i * 4 + k] + b.scalars[j * 5 + l]
            #expect(sum.scalars[((i * 3 + j) * 4 + k) * 5 + l] == expected)
          }
        }
      }
    }
  }

  @Test func gradientsAreSummedBackToEachOperandsShape() throws {
    let a = Variable.leaf(tensor([3, 1], [1, 2, 3]))
    let b = Variable.leaf(tensor([1, 4], [1, 2, 3, 4]))
    let grads = try backward(from: Variable.sum(a * b))
    #expect(grads[a].value == tensor([3, 1], [10, 10, 10]))
    #expect(grads[b].value == tensor([1, 4], [6, 6, 6, 6]))

    let s = Variable.leaf(Tensor(2))
    let m = Variable.leaf(tensor([2, 3], [1, 2, 3, 4, 5, 6]))
    let g2 = try backward(from: Variable.sum(s * m + s))
    #expect(g2[s].value == Tensor(27))
    #expect(g2[m].value == (try Tensor.full([2, 3], 2)))

    let v = Variable.leaf(Tensor([1, 2, 3]))
    let g3 = try backward(
      from: Variable.sum(Variable.broadcast(v, to: [2, 2, 3]) * Variable(Tensor([1, 10, 100]))))
    #expect(g3[v].value == Tensor([4, 40, 400]))
  }

  /// The sweep keeps a sum's gradient unexpanded (one number for every element); whatever
  /// path it takes, every node's gradient reads back in the node's shape, with every copy
  /// counted where an operand was broadcast.
  @Test func unexpandedGradientsReadBackWhole() throws {
    let m = Variable.leaf(tensor([2, 3], [1, 2, 3, 4, 5, 6]))
    let row = Variable.leaf(Tensor([1, 2, 3]))
    let column = Variable.leaf(tensor([2, 1], [10, 20]))
    let s = Variable.leaf(Tensor(2))
    // exp(m + row) * column: the sum's gradient reaches a product, a broadcast column, an
    // exp (fused rule), an add with a broadcast row, and a scalar used twice.
    let e = Variable.exp(try (m + row) / Variable(Tensor(10)))
    let y = try Variable.mean(e * column * s) + Variable.sum(m * s)
    let grads = try backward(from: y)
    for node in grads.order {
      #expect(grads[node].shape == node.shape)
      #expect(node.gradient?.shape == node.shape)
    }
    // The same function written with every broadcast spelled out, differentiated the same way.
    let full = try Variable.broadcast(row, to: [2, 3])
    let fullColumn = try Variable.broadcast(column, to: [2, 3])
    let fullS = try Variable.broadcast(Variable.reshape(s, [1, 1]), to: [2, 3])
    let e2 = Variable.exp(try (m + full) / Variable(Tensor(10)))
    let y2 = try Variable.sum(e2 * fullColumn * fullS) / Variable(Tensor(6)) + Variable.sum(m * fullS)
    let grads2 = try backward(from: y2)
    for leaf in [m, row, column, s] {
      expectApproximatelyEqual(grads[leaf].value, grads2[leaf].value, relativeTolerance: 1e-14)
    }
    // sum of a sum: the inner sum's unexpanded gradient is expanded for its rule.
    let twice = try Variable.sum(Variable.sum(m, axes: [0]) * row)
    #expect(try backward(from: twice)[m].value == tensor([2, 3], [1, 2, 3, 1, 2, 3]))
  }

  @Test func sumToShapeIsTheAdjointOfBroadcast() throws {
    // ⟨broadcast(x), y⟩ = ⟨x, sumToShape(y)⟩ for every pair of shapes.
    for (k, (from, to)) in [
      ([3, 1], [2, 3, 4]), ([], [2, 3]), ([4], [3, 4]), ([1, 3, 1], [2, 3, 5]),
    ].enumerated() {
      let x = randn(from, seed: UInt64(10 + k))
      let y = randn(to, seed: UInt64(20 + k))
      let left = try x.broadcast(to: to).combined(.multiply, with: y).sumOfElements()
      let right = try x.combined(.multiply, with: y.unbroadcast(to: from)).sumOfElements()
      expectApproximatelyEqual(left, right, relativeTolerance: 1e-13)
      let summed = try Variable.sumToShape(Variable(y), from)
      #expect(summed.shape == from)
      #expect(summed.value == y.unbroadcast(to: from))
    }
    #expect(throws: TensorError.cannotBroadcastTo(op: "sum_to_shape", from: [3], to: [2, 4])) {
      try Variable.sumToShape(Variable(try .zeros([2, 4])), [3])
    }
  }
}
