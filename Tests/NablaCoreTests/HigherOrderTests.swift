import Foundation
import Testing

@testable import NablaCore

/// Second and higher derivatives: the backward pass recorded with `createGraph` and
/// differentiated again, through `hessian`, `hessianVectorProduct`, `jacobian` and by hand.
@Suite struct HigherOrderTests {
  /// An elementwise function with its second derivative, written by hand.
  struct SecondDerivative: Sendable, CustomTestStringConvertible {
    var name: String
    var points: Tensor
    var f: @Sendable (Variable) throws -> Variable
    var d2: @Sendable (Double) -> Double
    var testDescription: String { name }
  }

  static let elementwise: [SecondDerivative] = [
    SecondDerivative(
      name: "sin″ = −sin", points: randn([4], seed: 1, scale: 2), f: { Variable.sin($0) },
      d2: { -sin($0) }),
    SecondDerivative(
      name: "cos″ = −cos", points: randn([4], seed: 2, scale: 2), f: { Variable.cos($0) },
      d2: { -cos($0) }),
    SecondDerivative(
      name: "exp″ = exp", points: randn([4], seed: 3), f: { Variable.exp($0) }, d2: { exp($0) }),
    SecondDerivative(
      name: "log″ = −1/x²", points: rand([4], seed: 4, low: 0.3, high: 3), f: { Variable.log($0) },
      d2: { -1 / ($0 * $0) }),
    SecondDerivative(
      name: "tan″ = 2 tan·sec²", points: rand([4], seed: 5, low: -1.2, high: 1.2),
      f: { Variable.apply(.tan, $0) },
      d2: { 2 * tan($0) / (cos($0) * cos($0)) }),
    SecondDerivative(
      name: "tanh″ = −2 tanh·(1 − tanh²)", points: randn([4], seed: 6), f: { Variable.tanh($0) },
      d2: { -2 * tanh($0) * (1 - tanh($0) * tanh($0)) }),
    SecondDerivative(
      name: "sigmoid″ = s(1 − s)(1 − 2s)", points: randn([4], seed: 7, scale: 2),
      f: { Variable.apply(.sigmoid, $0) },
      d2: { x in
        let s = 1 / (1 + exp(-x))
        return s * (1 - s) * (1 - 2 * s)
      }),
    SecondDerivative(
      name: "sqrt″ = −x^(−3/2)/4", points: rand([4], seed: 8, low: 0.3, high: 3),
      f: { Variable.sqrt($0) },
      d2: { -0.25 * pow($0, -1.5) }),
    SecondDerivative(
      name: "(x³)″ = 6x", points: randn([4], seed: 9), f: { try Variable.pow($0, 3) },
      d2: { 6 * $0 }),
    SecondDerivative(
      name: "(x^2.5)″ = 3.75 x^0.5", points: rand([4], seed: 10, low: 0.3, high: 3),
      f: { try Variable.pow($0, 2.5) },
      d2: { 3.75 * $0.squareRoot() }),
    SecondDerivative(
      name: "(2^x)″ = log²2·2^x", points: randn([4], seed: 11), f: { try Variable.pow(2, $0) },
      d2: { log(2) * log(2) * pow(2, $0) }),
    SecondDerivative(
      name: "(1/x)″ = 2/x³", points: rand([4], seed: 12, low: 0.5, high: 2),
      f: { Variable.apply(.reciprocal, $0) }, d2: { 2 / ($0 * $0 * $0) }),
    SecondDerivative(
      name: "(x²)″ = 2", points: randn([4], seed: 13), f: { Variable.apply(.square, $0) },
      d2: { _ in 2 }),
    SecondDerivative(
      name: "relu″ = 0", points: randnAwayFromZero([4], seed: 14), f: { Variable.apply(.relu, $0) },
      d2: { _ in 0 }),
    SecondDerivative(
      name: "abs″ = 0", points: randnAwayFromZero([4], seed: 15), f: { Variable.apply(.abs, $0) },
      d2: { _ in 0 }),
  ]

  @Test(arguments: elementwise)
  func hessianOfAnElementwiseSumIsDiagonal(_ c: SecondDerivative) throws {
    let h = try hessian(at: c.points) { x in try Variable.sum(c.f(x)) }
    let n = c.points.count
    var expected = [Double](repeating: 0, count: n * n)
    for i in 0..<n { expected[i * n + i] = c.d2(c.points.scalars[i]) }
    expectApproximatelyEqual(
      h, tensor([n, n], expected), relativeTolerance: 1e-12, absoluteTolerance: 1e-12)
  }

  @Test(arguments: elementwise)
  func secondDerivativeByBackwardTwice(_ c: SecondDerivative) throws {
    let x = Variable.leaf(c.points)
    let dy = try backward(from: c.f(x), seed: try .ones(x.shape), createGraph: true)[x]
    let d2 =
      dy.requiresGradient
      ? try backward(from: dy, seed: try .ones(x.shape))[x].value : try Tensor.zeros(x.shape)
    expectApproximatelyEqual(d2, Tensor(c.points.scalars.map(c.d2)), relativeTolerance: 1e-12)
  }

  @Test func thirdDerivativeOfSin() throws {
    let x = Variable.leaf(Tensor([0.3, -1.1, 2.5]))
    let seed = try Tensor.ones([3])
    let d1 = try backward(from: Variable.sin(x), seed: seed, createGraph: true)[x]
    let d2 = try backward(from: d1, seed: seed, createGraph: true)[x]
    let d3 = try backward(from: d2, seed: seed)[x].value
    expectApproximatelyEqual(d3, Tensor([0.3, -1.1, 2.5].map { -cos($0) }))
  }

  @Test func hessianOfPowerInBaseAndExponent() throws {
    // f(x, y) = x^y: f_xx = y(y−1)x^(y−2), f_xy = x^(y−1)(1 + y·log x), f_yy = x^y·log²x.
    let (x, y) = (1.7, 2.3)
    let h = try hessian(at: Tensor([x, y])) { v in
      try Variable.pow(Variable.index(v, [.index(0)]), Variable.index(v, [.index(1)]))
    }
    let xy = pow(x, y - 1) * (1 + y * log(x))
    let expected = tensor(
      [2, 2], [y * (y - 1) * pow(x, y - 2), xy, xy, pow(x, y) * log(x) * log(x)])
    expectApproximatelyEqual(h, expected, relativeTolerance: 1e-12)
  }

  /// f(x, y) = x²y + sin(xy) + exp(x − 2y), with its Hessian by hand.
  static func twoVariable(_ v: Variable) throws -> Variable {
    let x = try Variable.index(v, [.index(0)])
    let y = try Variable.index(v, [.index(1)])
    return try x * x * y + Variable.sin(x * y) + Variable.exp(x - 2 * y)
  }

  static func twoVariableHessian(_ x: Double, _ y: Double) -> Tensor {
    let s = sin(x * y)
    let e = exp(x - 2 * y)
    let fxx = 2 * y - y * y * s + e
    let fxy = 2 * x + cos(x * y) - x * y * s - 2 * e
    let fyy = -x * x * s + 4 * e
    return tensor([2, 2], [fxx, fxy, fxy, fyy])
  }

  @Test func hessianOfATwoVariableFunction() throws {
    for (x, y) in [(0.5, -0.25), (1.5, 0.75), (-2.0, 1.0)] {
      let h = try hessian(at: Tensor([x, y]), of: Self.twoVariable)
      expectApproximatelyEqual(
        h, Self.twoVariableHessian(x, y), relativeTolerance: 1e-12, absoluteTolerance: 1e-12)
    }
  }

  @Test func hessianOfAMatrixFunctionHasShapeInputPlusInput() throws {
    // f(X) = Σ (A·X)² for X of shape (2, 2): H[i,j,k,l] = 2·δ_jl·(AᵀA)[i,k].
    let a = tensor([3, 2], [1, 2, -1, 0.5, 3, -2])
    let h = try hessian(at: randn([2, 2], seed: 30)) { x in
      try Variable.sum(Variable.apply(.square, Variable.matmul(Variable(a), x)))
    }
    #expect(h.shape == [2, 2, 2, 2])
    let ata = try a.transposed().matmul(a)
    var expected = [Double](repeating: 0, count: 16)
    for i in 0..<2 {
      for j in 0..<2 {
        for k in 0..<2 { expected[((i * 2 + j) * 2 + k) * 2 + j] = 2 * ata.scalars[i * 2 + k] }
      }
    }
    expectApproximatelyEqual(h, tensor([2, 2, 2, 2], expected), relativeTolerance: 1e-12)
  }

  @Test func hessianOfALinearFunctionIsZero() throws {
    let h = try hessian(at: Tensor([1, 2, 3])) { x in
      try Variable.sum(x * Variable(Tensor([4, 5, 6])))
    }
    #expect(h == (try Tensor.zeros([3, 3])))
    let hv = try hessianVectorProduct(at: Tensor([1, 2]), along: Tensor([1, 1])) { x in
      try Variable.sum(x)
    }
    #expect(hv == Tensor([0, 0]))
  }

  @Test func hessianVectorProductEqualsHessianTimesVector() throws {
    let f: (Variable) throws -> Variable = { x in
      let inner = try Variable.matmul(Variable(tensor([2, 3], [1, -2, 0.5, 0.3, 1, -1])), x)
      return try Variable.logsumexp(inner) + Variable.sum(Variable.tanh(x) * x)
    }
    let x = randn([3], seed: 40)
    let h = try hessian(at: x, of: f)
    for seed in UInt64(41)...43 {
      let v = randn([3], seed: seed)
      let hv = try hessianVectorProduct(at: x, along: v, of: f)
      expectApproximatelyEqual(
        hv, try h.matmul(v), relativeTolerance: 1e-12, absoluteTolerance: 1e-14)
    }
    // The two-variable function too.
    let p = Tensor([0.7, -0.4])
    let v = Tensor([2, -3])
    let hv = try hessianVectorProduct(at: p, along: v, of: Self.twoVariable)
    expectApproximatelyEqual(
      hv, try Self.twoVariableHessian(0.7, -0.4).matmul(v), relativeTolerance: 1e-12)
  }

  @Test func hessianIsSymmetricAndMatchesNumericalJacobianOfTheGradient() throws {
    let f: (Variable) throws -> Variable = { x in
      let m = try Variable.reshape(x, [2, 3])
      return try Variable.sum(Variable.softmax(m, axis: 0) * Variable.sin(m))
        + Variable.mean(Variable.exp(x))
    }
    let x = randn([6], seed: 50)
    let h = try hessian(at: x, of: f)
    expectApproximatelyEqual(
      h, try h.transposed(), relativeTolerance: 1e-12, absoluteTolerance: 1e-14)
    let numerical = try NumericalDifferentiation.jacobian(
      of: { t in try valueWithGradient(at: [t]) { try f($0[0]) }.gradients[0] }, at: x)
    expectApproximatelyEqual(h, numerical, relativeTolerance: 1e-6, absoluteTolerance: 1e-8)
  }

  @Test func jacobianOfAVectorFunctionMatchesNumerical() throws {
    // f: (3,) → (2, 2), f(x) = [[x₀x₁, sin x₂], [softmax(x)₀, Σ x²]].
    let f: (Variable) throws -> Variable = { x in
      let parts = [
        try Variable.index(x, [.index(0)]) * Variable.index(x, [.index(1)]),
        Variable.sin(try Variable.index(x, [.index(2)])),
        try Variable.index(Variable.softmax(x), [.index(0)]),
        try Variable.sum(x * x),
      ]
      return try Variable.reshape(Variable.stack(parts), [2, 2])
    }
    let x = randn([3], seed: 60)
    let j = try jacobian(at: x, of: f)
    #expect(j.shape == [2, 2, 3])
    let numerical = try NumericalDifferentiation.jacobian(
      of: { t in try f(Variable(t)).value }, at: x)
    expectApproximatelyEqual(j, numerical, relativeTolerance: 1e-7, absoluteTolerance: 1e-9)
    // Row 0 by hand.
    let s = x.scalars
    expectApproximatelyEqual(try j[[.index(0), .index(0)]], Tensor([s[1], s[0], 0]))
  }

  @Test func jacobianOfAMatrixProductIsTheMatrix() throws {
    let a = randn([4, 3], seed: 70)
    let j = try jacobian(at: randn([3], seed: 71)) { x in try Variable.matmul(Variable(a), x) }
    expectApproximatelyEqual(j, a)
  }

  @Test(arguments: OpCases.all)
  func hessianVectorProductMatchesNumerical(_ op: OpCase) throws {
    try expectHessianVectorProductsMatchNumerical(at: op.inputs, op.name, of: op.f)
  }
}
