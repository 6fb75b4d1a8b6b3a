import NablaCore
import NablaLanguage
import Testing

/// Composite functions: the write-up's, textbook ones, small networks, and functions that
/// call other session functions. Symbolic equals autodiff to 1e-10 relative at seeded points.
@Suite struct SymbolicCorpusTests {
  static let a = Tensor((1...20).map(Double.init))
  static let X = try! Tensor.randn([4, 3], seed: 11)
  static let Y = Tensor([0, 1, 1, 0])

  static let corpus: [SymbolicCase] = [
    // The write-up (1.5, 2.4, 2.6, 2.7).
    SymbolicCase("f1(x) = x^2 * sin(x)", low: -10, high: 10),
    SymbolicCase("f2(x) = exp(-x^2 / 2) * cos(3*x)", low: -3, high: 3),
    SymbolicCase("f3(x) = tanh(x) * sigmoid(x) + x / (1 + x^2)", low: -10, high: 10),
    SymbolicCase("g2(x) = log(x) * sin(x) + x^2", low: 0.01, high: 10),
    SymbolicCase("g(s, v) = sum(s * v + s)", shapes: [[], [3]]),
    SymbolicCase("h(x) = sum(x^2 * sin(x)) / 5 + max(x)", shapes: [[5]], low: -10, high: 10),
    SymbolicCase(
      "h2(x) = sum(exp((x * log(a) - 2) / 3) ^ 2)", tensors: ["a": a], shapes: [[20]], low: 0,
      high: 0.2),
    // Textbook.
    SymbolicCase("f(x) = x^3 - 2*x^2 + x - 7"),
    SymbolicCase("f(x) = sin(x)^2 + cos(x)^2"),
    SymbolicCase("f(x) = exp(x) * sin(x) / (1 + x^2)"),
    SymbolicCase("f(x) = log(1 + exp(x))"),
    SymbolicCase("f(x) = sqrt(1 + x^2)"),
    SymbolicCase("f(x) = x^x", low: 0.2, high: 2),
    SymbolicCase("f(x) = 2^(x^2) * pi"),
    SymbolicCase("f(x) = tan(x) / x", low: 0.2, high: 1),
    SymbolicCase("f(x, y) = x^2 * y + sin(x * y) - y / x", low: 0.5, high: 2),
    SymbolicCase("f(x, y, z) = x*y*z + (x - y)^2 / (1 + z^2)"),
    SymbolicCase("f(x) = x * x * x / x"),
    SymbolicCase("f(x) = (x + 1) * (x - 1) - x^2"),
    SymbolicCase("f(x) = sin(sin(sin(sin(x))))"),
    SymbolicCase("f(x) = abs(x) * relu(x - 0.1) + sigmoid(-x)"),
    // Tensors.
    SymbolicCase("f(x) = sum(x^2) / size(x) + mean(abs(x))", shapes: [[6]]),
    SymbolicCase("f(x) = logsumexp(x) - sum(softmax(x) * x)", shapes: [[5]]),
    SymbolicCase(
      "f(x) = -sum(Y * log(sigmoid(x)) + (1 - Y) * log(1 - sigmoid(x)))", tensors: ["Y": Y],
      shapes: [[4]]),
    SymbolicCase(
      "loss(W, b) = sum(tanh(X @ W + b) ^ 2)", tensors: ["X": X], shapes: [[3, 2], [2]]),
    SymbolicCase(
      "mlp(W1, b1, W2) = mean((sigmoid(relu(X @ W1 + b1) @ W2) - Y)^2)", tensors: ["X": X, "Y": Y],
      shapes: [[3, 5], [5], [5]]),
    SymbolicCase(
      "xent(W) = mean(logsumexp(X @ W, axis: 1) - sum(softmax(X @ W, axis: 1) * (X @ W), axis: 1))",
      tensors: ["X": X], shapes: [[3, 3]]),
    SymbolicCase("f(x) = sum(transpose(reshape(x, [2, 3])) @ [1, 2]) + x[0] * x[5]", shapes: [[6]]),
    SymbolicCase(
      "f(x) = sum(cumulative(x) * arange(6) * x[0])",
      functions: ["cumulative(v) = concat([v[:1], v[:2] * 2, v])"], shapes: [[3]]),
    // Session functions are inlined; an argument used twice is computed once.
    SymbolicCase("f(x) = sq(sq(x)) + sq(x)", functions: ["sq(u) = u * u"]),
    SymbolicCase("f(x, y) = g(y, x) * g(x: x, y: y)", functions: ["g(x, y) = x^2 - sin(y)"]),
    SymbolicCase(
      "f(x) = sum(layer(layer(x)))",
      functions: ["layer(h) = tanh(h @ [[1, 2], [3, 4]] + [0.5, -0.5])"], shapes: [[2]]),
  ]

  @Test(arguments: corpus)
  func symbolicEqualsAutodiff(_ c: SymbolicCase) throws {
    try checkSymbolic(c)
  }

  /// Without argument ranks (as `:diff` prints it), the derivative still agrees.
  @Test(arguments: corpus.filter { !$0.shapes.contains { $0.count > 1 } })
  func printedFormAgreesToo(_ c: SymbolicCase) throws {
    var c = c
    c.knownRanks = false
    try checkSymbolic(c)
  }
}
