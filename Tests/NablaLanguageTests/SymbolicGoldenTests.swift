import NablaCore
import NablaLanguage
import Testing

/// Textbook derivatives, printed as a teacher would write them.
@Suite struct SymbolicGoldenTests {
  static let textbook: [(String, String)] = [
    ("f(x) = x^2*sin(x)", "df(x) = 2*x*sin(x) + x^2*cos(x)"),
    ("f(x) = x^3 + x^2 + x + 1", "df(x) = 3*x^2 + 2*x + 1"),
    ("f(x) = 5*x^4 - 3*x + 2", "df(x) = 20*x^3 - 3"),
    ("f(x) = sin(x)*cos(x)", "df(x) = cos(x)^2 - sin(x)^2"),
    ("f(x) = exp(x)/x", "df(x) = exp(x)/x - exp(x)/x^2"),
    ("f(x) = tanh(x)", "df(x) = 1 - tanh(x)^2"),
    ("f(x) = sigmoid(x)", "df(x) = sigmoid(x)*(1 - sigmoid(x))"),
    ("f(x) = sqrt(x)", "df(x) = 1/(2*sqrt(x))"),
    ("f(x) = log(x)", "df(x) = 1/x"),
    ("f(x) = 1/x", "df(x) = -1/x^2"),
    ("f(x) = 1/(1 + x^2)", "df(x) = -2*x/(1 + x^2)^2"),
    ("f(x) = sin(x^2)", "df(x) = 2*x*cos(x^2)"),
    ("f(x) = exp(2*x)", "df(x) = 2*exp(2*x)"),
    ("f(x) = x*exp(x)", "df(x) = exp(x) + x*exp(x)"),
    ("f(x) = cos(x)", "df(x) = -sin(x)"),
    ("f(x) = tan(x)", "df(x) = 1 + tan(x)^2"),
    ("f(x) = x^0.5", "df(x) = 1/(2*x^0.5)"),
    ("f(x) = 2^x", "df(x) = 2^x*log(2)"),
    ("f(x) = e^x", "df(x) = e^x"),
    ("f(x) = pi*x^2", "df(x) = 2*pi*x"),
    ("f(x) = x*log(x)", "df(x) = log(x) + 1"),
    ("f(x) = (x^2 + 1)^3", "df(x) = 6*x*(x^2 + 1)^2"),
    ("f(x) = sin(x)/x", "df(x) = cos(x)/x - sin(x)/x^2"),
    ("f(x) = exp(sin(x))", "df(x) = exp(sin(x))*cos(x)"),
    ("f(x) = log(1 + x^2)", "df(x) = 2*x/(1 + x^2)"),
    ("f(x) = (x + 1)^2 - x^2", "df(x) = 2"),
    ("f(x) = 3*(x^2 - 1)", "df(x) = 6*x"),
    ("f(x) = exp(-x^2/2)*cos(3*x)", "df(x) = -x*exp(-x^2/2)*cos(3*x) - 3*exp(-x^2/2)*sin(3*x)"),
    ("f(x) = (x - 2)/3", "df(x) = 1/3"),
    ("f(x) = 3*x", "df(x) = 3"),
    ("f(x) = x*x", "df(x) = 2*x"),
    ("f(x) = x*x*x/x", "df(x) = 2*x"),
    ("f(x) = -(x - 1)", "df(x) = -1"),
    ("f(x) = abs(x)", "df(x) = sign(x)"),
    ("f(x) = relu(x)", "df(x) = x > 0"),
    ("f(x) = 7", "df(x) = 0"),
  ]

  @Test(arguments: textbook)
  func textbookDerivative(_ source: String, _ expected: String) throws {
    #expect(try printedDerivative(source) == expected)
  }

  @Test func severalParametersGiveOnePartialEach() throws {
    #expect(
      try printedDerivative("m(x, y) = x^2*y + sin(x*y)")
        == "dm_dx(x, y) = 2*x*y + y*cos(x*y)\ndm_dy(x, y) = x^2 + x*cos(x*y)")
    #expect(try printedDerivative("m(x, y) = x*y", wrt: ["y"]) == "dm_dy(x, y) = x")
  }

  @Test func tensorGradientsReduceExplicitly() throws {
    // A reduction's gradient is shaped like its argument.
    #expect(try printedDerivative("n(v) = sum(v)") == "dn(v) = ones(shape(v))")
    #expect(try printedDerivative("n(v) = sum(v^2)") == "dn(v) = 2*v")
    #expect(try printedDerivative("n(v) = mean(v^2)") == "dn(v) = 2*v/size(v)")
    #expect(try printedDerivative("n(v) = sum(3*v)") == "dn(v) = full(shape(v), 3)")
    #expect(try printedDerivative("n(v) = logsumexp(v)") == "dn(v) = exp(v - logsumexp(v))")
    #expect(try printedDerivative("n(v) = max(v)") == "dn(v) = (v == max(v))/sum(v == max(v))")
    // A scalar broadcast against a vector: its gradient is summed back (the write-up's bug).
    #expect(
      try printedDerivative("g(s, v) = sum(s * v)")
        == "dg_ds(s, v) = sum_to(v, shape(s))\ndg_dv(s, v) = sum_to(s, shape(v))")
    #expect(
      try printedDerivative(
        "loss(W, b) = sum((X @ W + b)^2)", wrt: ["b"],
        tensors: ["X": try Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])])
        == "dloss_db(W, b) = sum_to(2*(X@W + b), shape(b))")
  }

  @Test func matrixProductsTransposeTheOtherOperand() throws {
    let X = try Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
    #expect(
      try printedDerivative("f(W) = sum(tanh(X @ W))", tensors: ["X": X])
        == "df(W) = transpose(X)@(1 - tanh(X@W)^2)")
  }

  @Test func notesSayWhereTheDerivativeDoesNotExist() throws {
    func notes(_ source: String) throws -> [String] {
      try SymbolicDifferentiation.derivative(
        of: try definition(source), functions: [:], tensors: [:]
      ).notes
    }
    #expect(
      try notes("f(x) = abs(x)")
        == [
          "abs is not differentiable where x = 0; the derivative uses sign(x), which is 0 there (as autodiff does)"
        ])
    #expect(
      try notes("f(x) = relu(x - 1)").first?.hasPrefix("relu is not differentiable where x - 1 = 0")
        == true)
    #expect(
      try notes("f(x) = log(x)").first?.hasPrefix("log(x) has no derivative where x = 0") == true)
    #expect(try notes("f(x) = sqrt(x)") == ["sqrt(x) has an infinite derivative where x = 0"])
    #expect(
      try notes("f(x) = abs(x) + relu(x - 1) + log(x^2)").map { $0.prefix(4) } == [
        "abs ", "relu", "log(",
      ])
    #expect(
      try notes("f(x) = max(x)").first?.hasPrefix(
        "max is not differentiable where elements of x tie") == true)
    #expect(
      try notes("f(x) = maximum(x, 0)").first?.hasPrefix(
        "maximum is not differentiable where its arguments are equal") == true)
    #expect(try notes("f(x) = x^2 * sin(x)").isEmpty)
    // Derivatives that exist everywhere: the argument of log, sqrt, a power's base, is
    // positive (a sign analysis of constants, exp, squares, sums and abs).
    for source in [
      "f(x) = 2^x", "f(x) = e^x", "f(x) = sqrt(x^2 + 1)", "f(x) = log(exp(x))",
      "f(x) = log(x^2 + 1)", "f(x) = (x^4 + 2*x^2 + 0.5)^0.5",
      "f(x) = 1/(1 + exp(-x))", "f(x) = log(sigmoid(x)) + sqrt(exp(2*x) + x^2)",
      "f(x) = pi^x + log(1 + x^2)", "f(x) = 1/(x^2 + 1)",
    ] {
      let found = try notes(source)
      #expect(found.isEmpty, "\(source): \(found)")
    }
    // … and those that do not: only nonnegative, or of unknown sign.
    #expect(try notes("f(x) = log(x^2)").count == 1)
    #expect(try notes("f(x) = log(abs(x) + 1)").map { $0.prefix(4) } == ["abs "])
    #expect(try notes("f(x) = sqrt(abs(x))").count == 2)
    #expect(try notes("f(x) = log(x^2 - 1)").count == 1)
    #expect(try notes("f(x) = log(1 - exp(x))").count == 1)
    #expect(try notes("f(x, y) = x^y").count == 1)
    #expect(try notes("f(x) = (x^2)^0.5").count == 1)
  }

  @Test func printedDerivativesPasteBack() throws {
    for (source, _) in Self.textbook {
      let d = try SymbolicDifferentiation.derivative(
        of: try definition(source), functions: [:], tensors: [:])
      for def in d.definitions {
        #expect(try definition(def.description) == def)
      }
    }
  }

  @Test func errorsSayWhatCannotBeDifferentiated() throws {
    let f = try definition("f(x) = sum(concat(stack([x, x])))")
    #expect(throws: SymbolicError.self) {
      try SymbolicDifferentiation.derivative(of: f, functions: [:], tensors: [:])
    }
    #expect(throws: SymbolicError.self) {
      try SymbolicDifferentiation.derivative(
        of: try definition("f(x) = g(x)"), functions: [:], tensors: [:])
    }
    #expect(throws: SymbolicError.self) {
      try SymbolicDifferentiation.derivative(
        of: try definition("f(x) = x"), wrt: ["y"], functions: [:], tensors: [:])
    }
  }
}
