import NablaCore
import NablaLanguage
import Testing

/// Every builtin and operator: the symbolic derivative, evaluated at seeded random points,
/// equals autodiff to 1e-10 relative (and the printed form evaluates the same).
@Suite struct SymbolicBuiltinTests {
  static let a = Tensor([1, 2, 3])
  static let M = try! Tensor.randn([3, 4], seed: 3)

  static let elementwise: [SymbolicCase] = [
    SymbolicCase("f(x) = exp(x)"),
    SymbolicCase("f(x) = log(x)", low: 0.1, high: 3),
    SymbolicCase("f(x) = sin(x)"),
    SymbolicCase("f(x) = cos(x)"),
    SymbolicCase("f(x) = tan(x)", low: -1, high: 1),
    SymbolicCase("f(x) = tanh(x)"),
    SymbolicCase("f(x) = sigmoid(x)"),
    SymbolicCase("f(x) = relu(x)"),
    SymbolicCase("f(x) = sqrt(x)", low: 0.1, high: 3),
    SymbolicCase("f(x) = abs(x)"),
    SymbolicCase("f(x) = sign(x) * x"),
    SymbolicCase("f(x) = pow(x, 3)"),
    SymbolicCase("f(x) = pow(2, x)"),
    SymbolicCase("f(x, y) = pow(x, y)", low: 0.5, high: 2),
    SymbolicCase("f(x, y) = x ^ y", low: 0.5, high: 2),
    SymbolicCase("f(x) = x ^ 0.5", low: 0.1, high: 2),
    SymbolicCase("f(x) = x ^ -2", low: 0.5, high: 2),
    SymbolicCase("f(x, y) = maximum(x, y)"),
    SymbolicCase("f(x, y) = minimum(x, y)"),
    SymbolicCase("f(x) = maximum(x, 0.5) + minimum(x^2, 1)"),
    SymbolicCase("f(x, y) = where(x > y, x^2, sin(y))"),
    SymbolicCase("f(x) = where(x < 0, 0.1 * x, x)"),
    SymbolicCase("f(x) = clip(x, -0.5, 0.5)"),
    SymbolicCase("f(x, lo, hi) = clip(x, lo, hi)"),
    SymbolicCase("f(x, y) = x + y - x * y / (1 + x^2)"),
    SymbolicCase("f(x) = -x"),
    SymbolicCase("f(x) = +x * 2"),
    SymbolicCase("f(x, y) = (x > y) * x + (x <= y) * y + (x == y) + (x != y) + (x >= 1) - (x < 1)"),
  ]

  static let tensor: [SymbolicCase] = [
    SymbolicCase("f(x) = sum(exp(x))", shapes: [[4]]),
    SymbolicCase("f(x) = sum(sign(x) * x)", shapes: [[3]]),
    SymbolicCase("f(x) = sum(x, axis: 0, keepdims: false) @ [1, 2, 3]", shapes: [[2, 3]]),
    SymbolicCase("f(x) = sum(sum(x^2, axis: 1) * [1, 2])", shapes: [[2, 3]]),
    SymbolicCase("f(x) = sum(sum(x^2, axis: -1, keepdims: true) * [[1], [2]])", shapes: [[2, 3]]),
    SymbolicCase("f(x) = sum(sum(x, axis: [0, 2]) * [1, 2, 3])", shapes: [[2, 3, 2]]),
    SymbolicCase(
      "f(x) = sum(sum(x, axis: [-1, -3]) * [1, 2, 3])", shapes: [[2, 3, 2]], knownRanks: false),
    SymbolicCase("f(x) = mean(x^2)", shapes: [[5]]),
    SymbolicCase("f(x) = sum(mean(sin(x), axis: 0) * [1, 2, 3])", shapes: [[4, 3]]),
    SymbolicCase("f(x) = max(x^2)", shapes: [[5]]),
    SymbolicCase("f(x) = min(x)", shapes: [[5]]),
    SymbolicCase("f(x) = sum(max(x, axis: 1) * [1, -2])", shapes: [[2, 3]]),
    SymbolicCase("f(x) = sum(min(x, axis: 0, keepdims: true) * [[1, -2, 3]])", shapes: [[2, 3]]),
    SymbolicCase("f(x) = logsumexp(x)", shapes: [[4]]),
    SymbolicCase("f(x) = sum(logsumexp(x, axis: 1) * [1, 2])", shapes: [[2, 3]]),
    SymbolicCase("f(x) = sum(logsumexp(x, axis: [0, 1], keepdims: true) * 3)", shapes: [[2, 3]]),
    SymbolicCase(
      "f(x) = sum(logsumexp(x, axis: 0, keepdims: true) * [[1, 2, 3]])", shapes: [[2, 3]]),
    SymbolicCase("f(x) = sum(softmax(x) * [1, 2, 3, 4])", shapes: [[4]]),
    SymbolicCase("f(x) = sum(softmax(x, axis: 0) * [[1, 2, 3], [4, 5, 6]])", shapes: [[2, 3]]),
    SymbolicCase("f(x) = sum(reshape(x, [3, 2]) * [[1, 2], [3, 4], [5, 6]])", shapes: [[2, 3]]),
    SymbolicCase("f(x) = sum(reshape(x, [-1]) * arange(6))", shapes: [[2, 3]]),
    SymbolicCase("f(x) = sum(transpose(x) * [[1, 2], [3, 4], [5, 6]])", shapes: [[2, 3]]),
    SymbolicCase(
      "f(x) = sum(transpose(x, axes: [1, 2, 0]) * reshape(arange(12), [2, 3, 2]))",
      shapes: [[2, 2, 3]]),
    SymbolicCase("f(x) = sum(transpose(x, [-1, 0, 1])^2)", shapes: [[2, 2, 3]]),
    SymbolicCase("f(x) = sum(broadcast_to(x, [2, 3]) * [[1, 2, 3], [4, 5, 6]])", shapes: [[3]]),
    SymbolicCase("f(x) = sum(expand_dims(x, axis: 0) * [[1, 2, 3]])", shapes: [[3]]),
    SymbolicCase("f(x) = sum(squeeze(x) * [1, 2, 3])", shapes: [[1, 3]]),
    SymbolicCase("f(x) = sum(squeeze(x, axis: 1) * [1, 2, 3])", shapes: [[3, 1]]),
    SymbolicCase("f(x, y) = sum(concat([x, y, x^2]) * arange(7))", shapes: [[2], [3]]),
    SymbolicCase(
      "f(x, y) = sum(concat([x, y], axis: 1) * reshape(arange(10), [2, 5]))",
      shapes: [[2, 2], [2, 3]]),
    SymbolicCase(
      "f(x, y) = sum(concat([x, y], axis: -1) * reshape(arange(10), [2, 5]))",
      shapes: [[2, 2], [2, 3]]),
    SymbolicCase("f(x, y) = sum(stack([x, y]) * [[1, 2], [3, 4]])", shapes: [[2], [2]]),
    SymbolicCase("f(x, y) = sum(stack([x, y], axis: -1) * [[1, 2], [3, 4]])", shapes: [[2], [2]]),
    SymbolicCase("f(x, y) = sum([x, y, x * y] * [1, 2, 3])"),
    SymbolicCase("f(x, y) = sum([x, y]^2 * [[1, 2], [3, 4]])", shapes: [[2], [2]]),
    SymbolicCase("f(x) = sum(x[0]^2 + x[1] * x[2])", shapes: [[4]]),
    SymbolicCase("f(x) = sum(x[1:3]^2) + sum(x[::-1] * [1, 2, 3, 4])", shapes: [[4]]),
    SymbolicCase("f(x) = sum(x[:, 1] * [1, 2]) + sum(x[..., 0]^3)", shapes: [[2, 3]]),
    SymbolicCase("f(x) = sum(sum_to(x, [3]) * [1, 2, 3])", shapes: [[2, 3]]),
    SymbolicCase("f(x) = sum(scatter(x, [0, 3], [2, 2]) * [[1, 2], [3, 4]])", shapes: [[2]]),
    SymbolicCase("f(x) = sum(gather(x, [3, 0, 3]) * [1, 2, 3])", shapes: [[2, 2]]),
    SymbolicCase(
      "f(x) = sum(x * shape(x)) + size(x) * sum(x) + sum(x * flat_indices(x))", shapes: [[3]]),
    SymbolicCase(
      "f(x) = sum(x * zeros([3]) + x * ones(3) + x * full([3], 2) + x * arange(3) + x * linspace(0, 1, num: 3))",
      shapes: [[3]]),
    SymbolicCase(
      "f(x) = sum(x * eye(3) + x * rand([3, 3], seed: 1) + x * randn(3, 3, seed: 2))",
      shapes: [[3, 3]]),
  ]

  static let matrix: [SymbolicCase] = [
    SymbolicCase("f(A, B) = sum((A @ B)^2)", shapes: [[2, 3], [3, 4]]),
    SymbolicCase("f(a, B) = sum((a @ B)^2)", shapes: [[3], [3, 4]]),
    SymbolicCase("f(A, b) = sum((A @ b)^2)", shapes: [[2, 3], [3]]),
    SymbolicCase("f(a, b) = a @ b", shapes: [[3], [3]]),
    SymbolicCase("f(A, B) = sum(sin(A @ B))", shapes: [[2, 2, 3], [3, 4]]),
    SymbolicCase("f(A, B) = sum(sin(A @ B))", shapes: [[2, 3], [2, 3, 4]]),
    SymbolicCase("f(A, B) = sum(sin(A @ B))", shapes: [[2, 2, 3], [2, 3, 4]]),
    SymbolicCase("f(a, B) = sum(sin(a @ B))", shapes: [[3], [2, 3, 4]]),
    SymbolicCase("f(A, b) = sum(sin(A @ b))", shapes: [[2, 2, 3], [3]]),
    SymbolicCase("f(A, B) = sum(matmul(A, B) * 2)", shapes: [[2, 3], [3, 2]]),
    SymbolicCase("f(a, b) = dot(a, b)^2", shapes: [[3], [3]]),
    SymbolicCase("f(A, B) = sum(dot(A, B))", shapes: [[2, 3], [3, 2]]),
    SymbolicCase("f(s, b) = sum(dot(s, b))", shapes: [[], [3]]),
    SymbolicCase("f(W) = sum(tanh(M @ W)^2)", tensors: ["M": M], shapes: [[4, 2]]),
    // Unknown ranks (as :diff has them): one form right for every rank.
    SymbolicCase("f(A, B) = sum((A @ B)^2)", shapes: [[2, 3], [3, 4]], knownRanks: false),
    SymbolicCase("f(a, b) = dot(a, b)", shapes: [[3], [3]], knownRanks: false),
    SymbolicCase("f(A, B) = sum(A @ B)", shapes: [[2, 3, 4], [4, 5]], knownRanks: false),
    SymbolicCase("f(A, B) = sum(sin(A @ B))", shapes: [[4], [2, 4, 5]], knownRanks: false),
    SymbolicCase("f(A, B) = sum(sin(A @ B))", shapes: [[2, 3, 4], [4]], knownRanks: false),
    SymbolicCase("f(A, B) = sum(sin(A @ B))", shapes: [[2, 1, 3, 4], [5, 4, 2]], knownRanks: false),
    SymbolicCase("f(A, B) = sum(sin(A @ B))", shapes: [[3], [3, 4]], knownRanks: false),
    SymbolicCase("f(A, B) = sum(sin(A @ B))", shapes: [[2, 3], [3]], knownRanks: false),
    SymbolicCase("f(A, B) = sin(A @ B)", shapes: [[3], [3]], knownRanks: false),
    SymbolicCase("f(s, b) = sum(dot(s, b)^2)", shapes: [[], [3]], knownRanks: false),
    SymbolicCase("f(A, b) = sum(dot(A, b)^2)", shapes: [[2, 3], [3]], knownRanks: false),
    SymbolicCase("f(W) = sum(tanh(M @ W)^2)", tensors: ["M": M], shapes: [[4]], knownRanks: false),
    SymbolicCase(
      "f(W) = sum(tanh(M @ W)^2)", tensors: ["M": M], shapes: [[3, 4, 5]], knownRanks: false),
    SymbolicCase("f(v) = sum(tanh(v @ M)^2)", tensors: ["M": M], shapes: [[2, 5, 3]], knownRanks: false),
  ]

  static let broadcasting: [SymbolicCase] = [
    SymbolicCase("f(s, v) = sum(s * v + s)", shapes: [[], [3]]),
    SymbolicCase("f(s, v) = sum(s * v + s)", shapes: [[1], [2, 3]]),
    SymbolicCase("f(b, v) = sum((v + b)^2)", shapes: [[3], [2, 3]]),
    SymbolicCase("f(b, v) = sum((v + b)^2)", shapes: [[2, 1], [2, 3]]),
    SymbolicCase("f(x) = sum(x * a)", tensors: ["a": a], shapes: [[]]),
    SymbolicCase(
      "f(x) = sum(exp(x - a) / (1 + x))", tensors: ["a": a], shapes: [[2, 1]], low: 0, high: 1),
    SymbolicCase("f(W, b) = sum(tanh(M @ W + b)^2)", tensors: ["M": M], shapes: [[4, 2], [2]]),
    SymbolicCase(
      "f(x, y) = sum(maximum(x, y) + minimum(x, y) * where(x > 0, x, y))", shapes: [[3], [2, 1]]),
  ]

  @Test(arguments: elementwise)
  func elementwiseBuiltins(_ c: SymbolicCase) throws {
    try checkSymbolic(c)
  }

  @Test(arguments: tensor)
  func tensorBuiltins(_ c: SymbolicCase) throws {
    try checkSymbolic(c)
  }

  @Test(arguments: matrix)
  func matrixProducts(_ c: SymbolicCase) throws {
    try checkSymbolic(c)
  }

  @Test(arguments: broadcasting)
  func broadcastingReducesToTheArgumentsShape(_ c: SymbolicCase) throws {
    try checkSymbolic(c)
  }

  /// Every builtin and keyword is exercised by some case above.
  @Test func everyBuiltinIsCovered() {
    let sources = (Self.elementwise + Self.tensor + Self.matrix + Self.broadcasting).map(\.source)
      .joined(separator: "\n")
    // The gradients of the matrix product are what derivatives are written with; they are
    // checked against autodiff through the cases of unknown rank above.
    let derivativeOnly: Set<String> = ["matmul_grad_a", "matmul_grad_b"]
    for (name, builtin) in Builtin.all where !derivativeOnly.contains(name) {
      #expect(sources.contains(name + "("), "no symbolic case for \(name)")
      for p in builtin.parameters
      where p.optional
        && !["seed", "low", "high", "mean", "std", "m", "k", "step", "stop"].contains(p.name)
      {
        #expect(
          sources.contains("\(name)(") && sources.contains("\(p.name): "),
          "no case uses \(name)(\(p.name): …)")
      }
    }
  }
}
