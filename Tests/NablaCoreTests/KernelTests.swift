import Foundation
import Testing

@testable import NablaCore

/// Forward values of the kernels against numpy 2.4 (golden numbers pasted from it), and the
/// numerically delicate cases: overflow-free softmax, logsumexp and sigmoid, NaN for a
/// negative base to a fractional power.
@Suite struct KernelTests {
  // MARK: Stability

  @Test func logsumexpDoesNotOverflow() throws {
    let y = try Variable.logsumexp(Variable(Tensor([1000, 1000])))
    #expect(y.value == Tensor(1000 + Foundation.log(2.0)))
    #expect(y.value.scalar == 1000.6931471805599)
    let big = try Variable.logsumexp(Variable(Tensor([-1000, -1000, -1000])))
    expectApproximatelyEqual(big.value, Tensor(-1000 + Foundation.log(3.0)))
    // Its gradient is the softmax, finite too (exp(x − y), so accurate to ulp(1000) only).
    let x = Variable.leaf(Tensor([1000, 1000]))
    expectApproximatelyEqual(
      try backward(from: Variable.logsumexp(x))[x].value, Tensor([0.5, 0.5]),
      relativeTolerance: 1e-12)
  }

  /// Over an empty axis the sum of exponentials is 0: -inf, as scipy's logsumexp gives.
  @Test func logsumexpOfNothingIsMinusInfinity() throws {
    let y = try Variable.logsumexp(Variable(try Tensor.zeros([0])))
    #expect(y.value.scalar == -Double.infinity)
    let rows = try Variable.logsumexp(Variable(try Tensor.zeros([2, 0])), axes: [1])
    #expect(rows.value.scalars == [-Double.infinity, -Double.infinity])
  }

  @Test func softmaxOfLargeNumbersIsFinite() throws {
    let s = try Variable.softmax(Variable(Tensor([1000, 0])))
    #expect(s.value == Tensor([1, 0]))
    let x = Variable.leaf(Tensor([1000, 0, -1000]))
    let g = try backward(from: Variable.softmax(x), seed: Tensor([1, 2, 3]))[x].value
    #expect(g.scalars.allSatisfy { $0.isFinite })
    // All −∞ but one: the others get exactly 0.
    #expect(
      try Variable.softmax(Variable(Tensor([-.infinity, 2, -.infinity]))).value
        == Tensor([0, 1, 0]))
  }

  @Test func softmaxAndLogsumexpMatchNumpy() throws {
    let x = Variable(tensor([2, 3], [1, 2, 3, -1, 0, 4]))
    expectApproximatelyEqual(
      try Variable.softmax(x, axis: 0).value,
      tensor(
        [2, 3],
        [
          0.8807970779778823, 0.8807970779778823, 0.2689414213699951,
          0.11920292202211755, 0.11920292202211755, 0.7310585786300049,
        ]), relativeTolerance: 1e-15, absoluteTolerance: 1e-16)
    expectApproximatelyEqual(
      try Variable.softmax(x, axis: -1).value,
      tensor(
        [2, 3],
        [
          0.09003057317038046, 0.24472847105479764, 0.6652409557748218,
          0.006573263185309083, 0.0178679818703045, 0.9755587549443865,
        ]), relativeTolerance: 1e-15, absoluteTolerance: 1e-16)
    expectApproximatelyEqual(
      try Variable.logsumexp(x).value, Tensor(4.456193316018123), relativeTolerance: 1e-15)
    expectApproximatelyEqual(
      try Variable.logsumexp(x, axes: [1]).value, Tensor([3.4076059644443806, 4.024744890138822]),
      relativeTolerance: 1e-15)
    expectApproximatelyEqual(
      try Variable.logsumexp(x, axes: [0], keepDims: true).value,
      tensor([1, 3], [1.1269280110429727, 2.1269280110429727, 4.313261687518223]),
      relativeTolerance: 1e-15)
  }

  @Test func sigmoidAtTheTailsIsFinite() throws {
    let x = Variable.leaf(Tensor([-800, 0, 800]))
    let y = Variable.apply(.sigmoid, x)
    #expect(y.value == Tensor([0, 0.5, 1]))
    let g = try backward(from: Variable.sum(y))[x].value
    #expect(g == Tensor([0, 0.25, 0]))
    #expect(Variable.tanh(Variable(Tensor([-800, 800]))).value == Tensor([-1, 1]))
  }

  @Test func fractionalPowerOfANegativeBaseIsNaN() throws {
    let y = try Variable.pow(Variable(Tensor(-8)), Variable(Tensor(1.0 / 3)))
    #expect(y.value.scalar!.isNaN)
    // Integer powers of negative numbers are fine, and x^2 is exact.
    #expect(try Variable.pow(Variable(Tensor([-2, -3])), 3).value == Tensor([-8, -27]))
    #expect(try Variable.pow(Variable(Tensor([-1.5])), 2).value == Tensor([2.25]))
    // Recorded, the NaN flows into the gradient instead of trapping.
    let x = Variable.leaf(Tensor(-8))
    #expect(try backward(from: Variable.pow(x, Variable(Tensor(1.0 / 3))))[x].value.scalar!.isNaN)
  }

  @Test func reductionsPropagateNaNAndHandleInfinities() throws {
    let t = Tensor([1, .nan, 3])
    #expect(try t.reduce(.max).scalar!.isNaN)
    #expect(try t.reduce(.min).scalar!.isNaN)
    #expect(try Tensor([-.infinity, -.infinity]).reduce(.max) == Tensor(-.infinity))
    #expect(try Tensor([]).reduce(.sum) == Tensor(0))
  }

  // MARK: Matrix products

  @Test(arguments: [
    ([3], [3], [Int]()), ([3], [3, 4], [4]), ([2, 3], [3], [2]), ([2, 3], [3, 4], [2, 4]),
    ([2, 3, 4], [4, 5], [2, 3, 5]), ([2, 1, 3, 4], [5, 4, 2], [2, 5, 3, 2]),
    ([4], [2, 4, 3], [2, 3]),
    ([3, 2, 4], [4], [3, 2]), ([2, 0], [0, 3], [2, 3]),
  ])
  func matmulShapes(_ a: [Int], _ b: [Int], _ expected: [Int]) throws {
    let product = try randn(a, seed: 1).matmul(randn(b, seed: 2))
    #expect(product.shape == expected)
    if a.contains(0) { #expect(product == (try Tensor.zeros(expected))) }
  }

  @Test func matmulValuesMatchNumpy() throws {
    let v = Tensor([1, 2, 3])
    let w = tensor([2, 3], [0, 1, 2, 3, 4, 5])
    #expect(try v.matmul(v) == Tensor(14))
    #expect(try w.matmul(v) == Tensor([8, 26]))
    #expect(try Tensor([1, -1]).matmul(w) == Tensor([-3, -3, -3]))

    // (2, 3, 4) @ (4, 5): arange(24).reshape(2, 3, 4) / 10 @ arange(20).reshape(4, 5) / 7 − 1.
    let a = tensor([2, 3, 4], (0..<24).map { Double($0) / 10 })
    let b = tensor([4, 5], (0..<20).map { Double($0) / 7 - 1 })
    let batched = try a.matmul(b)
    expectApproximatelyEqual(
      batched,
      tensor(
        [2, 3, 5],
        [
          0.39999999999999997, 0.48571428571428565, 0.5714285714285714, 0.6571428571428571,
          0.7428571428571429,
          0.5142857142857141, 0.8285714285714283, 1.1428571428571426, 1.4571428571428573,
          1.7714285714285714,
          0.6285714285714287, 1.1714285714285713, 1.714285714285714, 2.2571428571428576,
          2.8000000000000003,
          0.7428571428571428, 1.5142857142857138, 2.285714285714285, 3.0571428571428574,
          3.8285714285714287,
          0.8571428571428569, 1.8571428571428565, 2.8571428571428563, 3.8571428571428577,
          4.857142857142858,
          0.9714285714285712, 2.1999999999999993, 3.428571428571428, 4.6571428571428575,
          5.885714285714286,
        ]), relativeTolerance: 1e-14)

    // Broadcast batch (2, 1, 3, 4) @ (5, 4, 2): arange / 10 and arange(40) / 9 − 2.
    let c = tensor([2, 1, 3, 4], (0..<24).map { Double($0) / 10 })
    let d = tensor([5, 4, 2], (0..<40).map { Double($0) / 9 - 2 })
    let bb = try c.matmul(d)
    #expect(bb.shape == [2, 5, 3, 2])
    expectApproximatelyEqual(bb.sumOfElements(), 52.666666666666664, relativeTolerance: 1e-13)
    expectApproximatelyEqual(
      try bb[[.index(0), .index(0)]].reshaped(to: [-1]),
      Tensor([
        -0.888888888888889, -0.8222222222222223, -3.555555555555556, -3.3111111111111113,
        -6.222222222222222, -5.800000000000001,
      ]),
      relativeTolerance: 1e-14)
    expectApproximatelyEqual(
      try bb[[.index(1), .index(4), .index(2), .index(1)]], Tensor(17.31111111111111),
      relativeTolerance: 1e-14)
  }

  // MARK: Slicing

  @Test func slicingFollowsPython() throws {
    let x = Tensor((0..<10).map(Double.init))
    func s(_ start: Int?, _ stop: Int?, _ step: Int? = nil) throws -> [Double] {
      try x[[.slice(start: start, stop: stop, step: step)]].scalars
    }
    #expect(try s(nil, nil, -1) == [9, 8, 7, 6, 5, 4, 3, 2, 1, 0])
    #expect(try s(1, -1, 2) == [1, 3, 5, 7])
    #expect(try s(-100, 100, 3) == [0, 3, 6, 9])
    #expect(try s(8, 2, -2) == [8, 6, 4])
    #expect(try s(5, 100) == [5, 6, 7, 8, 9])
    #expect(try s(-3, nil) == [7, 8, 9])
    #expect(try s(100, nil) == [])
    #expect(try s(nil, nil, -3) == [9, 6, 3, 0])
    #expect(try s(-1, -100, -4) == [9, 5, 1])
    #expect(try s(3, 3) == [])
    #expect(try x[[.slice(start: 100, stop: nil, step: nil)]].shape == [0])
    // Steps far larger than the axis take one element, as in Python.
    #expect(try s(nil, nil, .max) == [0])
    #expect(try s(nil, nil, .min) == [9])
    #expect(try s(2, nil, -.max) == [2])
    #expect(try s(.min, .max, 999_999_999_999_999) == [0])
    let wide = try Tensor.zeros([2, 10_000])
    #expect(
      try wide[[.slice(start: nil, stop: nil, step: 999_999_999_999_999)]].shape == [1, 10_000])
    let v = Variable.leaf(tensor([3, 2], [1, 2, 3, 4, 5, 6]))
    let picked = try Variable.index(v, [.slice(start: -1, stop: nil, step: .min)])
    #expect(
      try backward(from: Variable.sum(picked))[v].value == tensor([3, 2], [0, 0, 0, 0, 1, 1]))
  }

  @Test func multiAxisIndexingFollowsNumpy() throws {
    let w = tensor([3, 4], (0..<12).map(Double.init))
    let all = TensorIndex.slice(start: nil, stop: nil, step: nil)
    #expect(
      try w[[all, .slice(start: 1, stop: 3, step: nil)]] == tensor([3, 2], [1, 2, 5, 6, 9, 10]))
    #expect(try w[[.ellipsis, .index(-1)]] == Tensor([3, 7, 11]))
    #expect(
      try w[[.newAxis, .index(1), .slice(start: nil, stop: nil, step: -1)]]
        == tensor([1, 4], [7, 6, 5, 4]))
    #expect(try w[[.slice(start: -1, stop: -100, step: -1), .index(2)]] == Tensor([10, 6, 2]))
    #expect(try w[[.index(1), .index(2)]] == Tensor(6))
    #expect(try w[[.ellipsis]] == w)
    #expect(try w[[]] == w)

    let t = tensor([2, 3, 4], (0..<24).map(Double.init))
    #expect(
      try t[[.ellipsis, .newAxis, .slice(start: 1, stop: nil, step: nil), .index(-2)]]
        == tensor([2, 1, 2], [6, 10, 18, 22]))
    // An index into a scalar with only new axes.
    #expect(try Tensor(5)[[.newAxis, .newAxis]] == tensor([1, 1], [5]))
  }

  // MARK: Layout

  @Test func transposeConcatStackAndReductionsMatchNumpy() throws {
    let t = tensor([2, 3, 4], (0..<24).map(Double.init))
    #expect(
      try t.transposed([1, 2, 0])
        == tensor(
          [3, 4, 2],
          [
            0, 12, 1, 13, 2, 14, 3, 15, 4, 16, 5, 17, 6, 18, 7, 19, 8, 20, 9, 21, 10, 22, 11, 23,
          ]))
    #expect(try t.transposed().shape == [4, 3, 2])
    #expect(try t.transposed().transposed() == t)

    let joined = try Tensor.concatenate(
      [tensor([2, 3], [0, 1, 2, 3, 4, 5]), tensor([2, 2], [10, 11, 12, 13])], axis: 1)
    #expect(joined == tensor([2, 5], [0, 1, 2, 10, 11, 3, 4, 5, 12, 13]))
    let stacked = try Variable.stack(
      [Variable(Tensor([0, 1, 2])), Variable(Tensor([10, 11, 12]))], axis: 1
    ).value
    #expect(stacked == tensor([3, 2], [0, 10, 1, 11, 2, 12]))

    #expect(try t.reduce(.max, axes: [0, 2]) == Tensor([15, 19, 23]))
    #expect(
      try t.reduce(.sum, axes: [-1], keepDims: true) == tensor([2, 3, 1], [6, 22, 38, 54, 70, 86]))
    #expect(try t.reduce(.mean, axes: [0, 1]) == Tensor([10, 11, 12, 13]))
    #expect(try t.reduce(.min, axes: []) == t)

    let clipped = try Variable.clip(Variable(Tensor([-2, -0.5, 0, 0.5, 2])), -1, 1).value
    #expect(clipped == Tensor([-1, -0.5, 0, 0.5, 1]))
  }

  @Test func degenerateAxesAndScalars() throws {
    let x = Variable.leaf(tensor([2, 2], [1, 2, 3, 4]))
    // Reducing over no axes is the identity, for every reduction and logsumexp.
    for r in [Reduction.sum, .mean, .max, .min] {
      #expect(try Variable.reduce(r, x, axes: []).value == x.value, "\(r)")
    }
    expectApproximatelyEqual(
      try Variable.logsumexp(x, axes: []).value, x.value, relativeTolerance: 1e-15)
    let g = try backward(from: Variable.sum(Variable.logsumexp(x, axes: [])))[x].value
    #expect(g == (try Tensor.ones([2, 2])))
    // A 0-d tensor reduces to itself over all (no) axes.
    let s = Variable.leaf(Tensor(3))
    #expect(try Variable.sum(s).value == Tensor(3))
    #expect(try Variable.reduce(.max, s).value == Tensor(3))
    #expect(try Variable.logsumexp(s).value == Tensor(3))
    #expect(try backward(from: Variable.mean(s))[s].value == Tensor(1))
    #expect(try Variable.transpose(s).value == Tensor(3))
    #expect(try Variable.softmax(Variable(Tensor([7]))).value == Tensor([1]))
  }

  @Test func broadcastToRepeatsAndReshapeInfers() throws {
    let x = tensor([3, 1], [1, 2, 3])
    #expect(
      try x.broadcast(to: [2, 3, 2]) == tensor([2, 3, 2], [1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3]))
    #expect(try x.reshaped(to: [-1]).shape == [3])
    #expect(try Tensor.zeros([2, 3, 4]).reshaped(to: [4, -1, 2]).shape == [4, 3, 2])
    #expect(try Tensor.zeros([0, 3]).reshaped(to: [-1, 3]).shape == [0, 3])
    #expect(try Variable.squeeze(Variable(try .zeros([1, 3, 1]))).shape == [3])
    #expect(try Variable.expandDims(Variable(Tensor(2)), axis: -1).shape == [1])
  }

  @Test func constructorsMatchNumpy() throws {
    #expect(try Tensor.arange(stop: 5) == Tensor([0, 1, 2, 3, 4]))
    #expect(try Tensor.arange(start: 1, stop: 0, step: -0.25) == Tensor([1, 0.75, 0.5, 0.25]))
    #expect(try Tensor.arange(start: 3, stop: 1) == Tensor([]))
    #expect(try Tensor.linspace(0, 1, count: 5) == Tensor([0, 0.25, 0.5, 0.75, 1]))
    #expect(try Tensor.eye(2, 3, k: 1) == tensor([2, 3], [0, 1, 0, 0, 0, 1]))
  }
}
