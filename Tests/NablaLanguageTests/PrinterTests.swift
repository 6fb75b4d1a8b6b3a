import NablaLanguage
import Testing

@Suite struct PrinterTests {
  @Test func readableStyle() throws {
    #expect(try expr("2*x*sin(x) + x^2*cos(x)").description == "2*x*sin(x) + x^2*cos(x)")
    #expect(try expr("2 * x * sin( x )+x ^ 2 * cos(x)").description == "2*x*sin(x) + x^2*cos(x)")
    #expect(try expr("x@W+b").description == "x@W + b")
    #expect(try expr("a<=b").description == "a <= b")
    #expect(
      try expr("sum(x,axis:0,keepdims:true)").description == "sum(x, axis: 0, keepdims: true)")
    #expect(try expr("W[ : , 1 : 3 ]").description == "W[:, 1:3]")
    #expect(try expr("[ 1,[2 ,3] ]").description == "[1, [2, 3]]")
  }

  @Test(
    arguments: [
      ("a - b - c", "a - b - c"),
      ("a - (b - c)", "a - (b - c)"),
      ("(a - b) - c", "a - b - c"),
      ("a + (b + c)", "a + (b + c)"),
      ("a / (b * c)", "a/(b*c)"),
      ("(a / b) * c", "a/b*c"),
      ("(-x)^2", "(-x)^2"),
      ("-(x^2)", "-x^2"),
      ("2^3^4", "2^3^4"),
      ("2^(3^4)", "2^3^4"),
      ("(2^3)^4", "(2^3)^4"),
      ("2^(-1)", "2^-1"),
      ("2^(a*b)", "2^(a*b)"),
      ("-(a + b)", "-(a + b)"),
      ("-(-x)", "--x"),
      ("(a + b)*(c - d)", "(a + b)*(c - d)"),
      ("(a < b) == (c < d)", "(a < b) == (c < d)"),
      ("(a + b) < c", "a + b < c"),
      ("(a + b)[0]", "(a + b)[0]"),
      ("(-x)[0]", "(-x)[0]"),
      ("(x^2)[0]", "(x^2)[0]"),
      ("(f(x))[0]", "f(x)[0]"),
      ("x[(0)]", "x[0]"),
      ("x[::-1]", "x[::-1]"),
      ("x[1:]", "x[1:]"),
      ("x[..., 0]", "x[..., 0]"),
    ] as [(String, String)])
  func minimalParentheses(text: String, printed: String) throws {
    #expect(try expr(text).description == printed)
  }

  @Test(
    arguments: [
      (2.0, "2"), (0.5, "0.5"), (-3.0, "-3"), (1e-5, "1e-05"), (1e20, "1e+20"), (0.1, "0.1"),
      (123456.75, "123456.75"), (1e15, "1000000000000000"), (1e16, "1e+16"), (.infinity, "inf"),
      (-.infinity, "-inf"), (.nan, "nan"), (0.0, "0"), (-0.0, "-0"),
      (1.0 / 3.0, "0.3333333333333333"),
    ] as [(Double, String)])
  func numbers(value: Double, printed: String) throws {
    #expect(Expr.format(value) == printed)
    if value.isFinite {
      #expect(Double(printed) == value)
      #expect(try expr(printed).description == printed)
    }
  }

  @Test func negativeLiteralsBuiltByCode() throws {
    #expect(Expr.binary(.power, .number(-2), .number(2)).description == "(-2)^2")
    #expect(Expr.binary(.power, .name("x"), .number(-1)).description == "x^-1")
    #expect(Expr.binary(.subtract, .name("x"), .number(-1)).description == "x - -1")
    #expect(Expr.index(.number(-1), [.index(.number(0))]).description == "(-1)[0]")
    #expect(Expr.binary(.multiply, .number(-1), .name("x")).description == "-1*x")
  }

  @Test func definitions() throws {
    let definition = FunctionDefinition(
      name: "f", parameters: ["x", "y"], body: try expr("x^2*sin(y)"))
    #expect(definition.description == "f(x, y) = x^2*sin(y)")
    #expect(try entry(definition.description) == .definition(definition))
  }

  static let corpus = [
    "x^2 * sin(x)",
    "sum(exp((x * log(a) - 2) / 3) ^ 2)",
    "sum(tanh(x @ W + b) ^ 2)",
    "-x^2 + (-x)^2 - -x",
    "2^-1^-2",
    "a - (b + c) - (d - e)",
    "a / (b / c) / d",
    "x[0][1:2][..., ::2]",
    "softmax(W @ x, axis: -1)[0] * 3",
    "[[1, 2], [3, 4]] @ [[5], [6]]",
    "(a == b) + (c != d) * (e < f)",
    "ones([4, 5]) / (1 + exp(-z))",
    "relu(x) - relu(-x) == abs(x)",
    "mean((y - sigmoid(X @ w + b))^2, axis: 0, keepdims: true)",
    "1e-5 + 2.5e10 + .5 + 3.",
    "+x - +y",
    "logsumexp(x) - log(sum(exp(x - max(x)))) - max(x)",
    "reshape(arange(12), [3, 4])[1:, :-1]",
    "θ^2 + α*β",
    "f(g(h(x)))^(1/2)",
  ]

  @Test(arguments: corpus)
  func roundTrip(text: String) throws {
    let tree = try expr(text)
    let printed = tree.description
    let reparsed = try expr(printed)
    #expect(reparsed == tree, "\(text) printed as \(printed)")
    #expect(reparsed.description == printed)
  }

  @Test func randomTreesRoundTrip() throws {
    var random = SplitMix(seed: 42)
    for _ in 0..<2000 {
      let tree = Self.randomTree(depth: 5, &random)
      let printed = tree.description
      let reparsed = try expr(printed)
      #expect(reparsed == tree, "printed as \(printed)")
      if reparsed != tree { return }
    }
  }

  /// A random tree of every node kind, with non-negative literals (a negative literal under
  /// a prefix minus prints as `--1`, which reads back as two negations).
  static func randomTree(depth: Int, _ random: inout SplitMix) -> Expr {
    let leaf = depth <= 0 || random.next(6) == 0
    if leaf {
      return random.next(2) == 0
        ? .number(Double(random.next(20)) / 4) : .name(["x", "y", "W", "pi"][random.next(4)])
    }
    let child = { (random: inout SplitMix) in randomTree(depth: depth - 1, &random) }
    switch random.next(6) {
    case 0:
      return .unary(random.next(3) == 0 ? .plus : .negate, child(&random))
    case 1, 2:
      let op = BinaryOperator.allCases[random.next(BinaryOperator.allCases.count)]
      return .binary(op, child(&random), child(&random))
    case 3:
      let count = random.next(3)
      var arguments = (0..<count).map { _ in Expr.Argument(child(&random)) }
      if random.next(2) == 0 { arguments.append(.init(label: "axis", value: child(&random))) }
      return .call("f", arguments: arguments)
    case 4:
      return .tensor((0..<random.next(3)).map { _ in child(&random) })
    default:
      var items: [IndexItem] = []
      for _ in 0..<(1 + random.next(3)) {
        switch random.next(3) {
        case 0: items.append(.index(child(&random)))
        case 1:
          let part = { (random: inout SplitMix) in random.next(2) == 0 ? nil : child(&random) }
          items.append(.slice(start: part(&random), stop: part(&random), step: part(&random)))
        default:
          if !items.contains(.ellipsis) { items.append(.ellipsis) }
        }
      }
      if items.isEmpty { items = [.ellipsis] }
      return .index(child(&random), items)
    }
  }
}

/// A small seeded generator, so random tests fail the same way every time.
struct SplitMix {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next(_ bound: Int) -> Int {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return Int((z ^ (z >> 31)) % UInt64(bound))
  }
}
