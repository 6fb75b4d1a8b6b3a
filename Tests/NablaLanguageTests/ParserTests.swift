import NablaLanguage
import Testing

@Suite struct PrecedenceTests {
  @Test(arguments: [
    ("a + b * c", "(a + (b * c))"),
    ("a * b + c", "((a * b) + c)"),
    ("a - b - c", "((a - b) - c)"),
    ("a - (b - c)", "(a - (b - c))"),
    ("a / b / c", "((a / b) / c)"),
    ("a * b / c @ d", "(((a * b) / c) @ d)"),
    ("x @ W + b", "((x @ W) + b)"),
    ("a @ b * c", "((a @ b) * c)"),
    ("-x^2", "(-(x ^ 2))"),
    ("(-x)^2", "((-x) ^ 2)"),
    ("2^-1", "(2 ^ (-1))"),
    ("2^3^4", "(2 ^ (3 ^ 4))"),
    ("(2^3)^4", "((2 ^ 3) ^ 4)"),
    ("-2^-3^2", "(-(2 ^ (-(3 ^ 2))))"),
    ("2^+x", "(2 ^ (+x))"),
    ("--x", "(-(-x))"),
    ("+x", "(+x)"),
    ("x * -y", "(x * (-y))"),
    ("a - -b", "(a - (-b))"),
    ("-a * b", "((-a) * b)"),
    ("-a + b", "((-a) + b)"),
    ("a * b^c", "(a * (b ^ c))"),
    ("a^b * c", "((a ^ b) * c)"),
    ("a < b + c", "(a < (b + c))"),
    ("a + b == c * d", "((a + b) == (c * d))"),
    ("(a < b) == c", "((a < b) == c)"),
    ("a != b", "(a != b)"),
    ("a <= b", "(a <= b)"),
    ("a >= -b", "(a >= (-b))"),
    ("a > b", "(a > b)"),
    ("f(x)^2", "(f(x) ^ 2)"),
    ("x[0]^2", "(x[0] ^ 2)"),
    ("-x[0]", "(-x[0])"),
    ("x[0][1]", "x[0][1]"),
    ("f(x)[0]", "f(x)[0]"),
    ("(a + b)[0]", "(a + b)[0]"),
    ("[1, 2][0]", "[1, 2][0]"),
    ("x^y[0]", "(x ^ y[0])"),
    ("sum(exp((x * log(a) - 2) / 3) ^ 2)", "sum((exp((((x * log(a)) - 2) / 3)) ^ 2))"),
  ])
  func grouping(text: String, grouped: String) throws {
    #expect(parenthesized(try expr(text)) == grouped)
  }
}

@Suite struct PrimaryAndPostfixTests {
  @Test func numbersAndNames() throws {
    #expect(try expr("2.5").kind.number == 2.5)
    #expect(try expr("pi") == .name("pi"))
    #expect(try expr("((x))") == .name("x"))
  }

  @Test func tensorLiterals() throws {
    #expect(parenthesized(try expr("[1, [2, 3], x + 1]")) == "[1, [2, 3], (x + 1)]")
    #expect(try expr("[]") == .tensor([]))
    #expect(try expr("[1, 2,]") == .tensor([.number(1), .number(2)]))
    // Raggedness is the evaluator's business.
    #expect(parenthesized(try expr("[[1, 2], [3]]")) == "[[1, 2], [3]]")
  }

  @Test func calls() throws {
    let call = try expr("f(a, b, axis: 0)")
    guard case .call(let name, let nameRange, let arguments) = call.kind else {
      Issue.record("not a call: \(call)")
      return
    }
    #expect(name == "f")
    #expect(nameRange == SourceRange(start: 0, end: 1))
    #expect(arguments.map(\.label) == [nil, nil, "axis"])
    #expect(arguments[2].labelRange == SourceRange(start: 8, end: 12))
    #expect(arguments[2].value == .number(0))
    #expect(call.range == SourceRange(start: 0, end: 16))
    #expect(try expr("rand()") == .call("rand", []))
    #expect(try expr("g(x,)") == .call("g", [.name("x")]))
    #expect(
      parenthesized(try expr("sum(x, axis: 0, keepdims: true)"))
        == "sum(x, axis: 0, keepdims: true)")
  }

  @Test(arguments: [
    ("x[0]", "x[0]"),
    ("x[-1]", "x[(-1)]"),
    ("W[:, 1:3]", "W[:, 1:3]"),
    ("x[::-1]", "x[::(-1)]"),
    ("x[::2]", "x[::2]"),
    ("x[1:]", "x[1:]"),
    ("x[:2]", "x[:2]"),
    ("x[1::]", "x[1:]"),
    ("x[:]", "x[:]"),
    ("x[0:n:2]", "x[0:n:2]"),
    ("x[..., 0]", "x[..., 0]"),
    ("x[0, ...]", "x[0, ...]"),
    ("x[i + 1, :j * 2]", "x[(i + 1), :(j * 2)]"),
  ])
  func indexing(text: String, expected: String) throws {
    #expect(parenthesized(try expr(text)) == expected)
  }

  @Test func sliceParts() throws {
    let e = try expr("x[1:2:3, ...]")
    guard case .index(let base, let items) = e.kind else {
      Issue.record("not an index")
      return
    }
    #expect(base == .name("x"))
    #expect(items == [.slice(start: .number(1), stop: .number(2), step: .number(3)), .ellipsis])
  }

  @Test func rangesCoverWhatWasWritten() throws {
    let e = try expr("(a + b) * c")
    #expect(e.range == SourceRange(start: 0, end: 11))
    guard case .binary(.multiply, let lhs, let rhs) = e.kind else {
      Issue.record("not a product")
      return
    }
    #expect(lhs.range == SourceRange(start: 0, end: 7))
    #expect(rhs.range == SourceRange(start: 10, end: 11))
    #expect(try expr("-x").range == SourceRange(start: 0, end: 2))
    #expect(try expr("x[1:2]").range == SourceRange(start: 0, end: 6))
  }

  @Test func structuralEqualityIgnoresRanges() throws {
    #expect(try expr("a+b*c") == expr("a + (b * c)"))
    #expect(try expr("a+b*c").hashValue == expr(" a + ( b*c )").hashValue)
    #expect(try expr("a - b - c") != expr("a - (b - c)"))
    #expect(try expr("f(x, axis: 0)") != expr("f(x, 0)"))
    #expect(try expr("x[1:]") != expr("x[:1]"))
    #expect(Expr.number(.nan) == Expr.number(.nan))
    #expect(Expr.number(0) != Expr.number(-0.0))
  }

  @Test func builtByCode() {
    let tree = Expr.binary(.multiply, .number(2), .call("sin", [.name("x")]))
    #expect(tree.description == "2*sin(x)")
    #expect(tree.range == .unknown)
    #expect(!tree.range.isKnown)
    #expect(tree.height == 3)
  }
}

@Suite struct EntryTests {
  @Test(arguments: ["", "   ", "# just a comment", "\n\n", "#=> f(2.0) = 3.6", "  # a\n# b\n"])
  func emptyEntries(text: String) throws {
    #expect(try entry(text) == .empty)
  }

  @Test func expressions() throws {
    #expect(try entry("f(2.0)") == .expression(.call("f", [.number(2)])))
    #expect(try entry("x == 1") == .expression(.binary(.equal, .name("x"), .number(1))))
    #expect(try entry("  x  # note\n") == .expression(.name("x")))
  }

  @Test func assignments() throws {
    let parsed = try entry("W = randn(3, 4, seed: 0)")
    guard case .assignment(let name, let nameRange, let value) = parsed else {
      Issue.record("not an assignment: \(parsed)")
      return
    }
    #expect(name == "W")
    #expect(nameRange == SourceRange(start: 0, end: 1))
    #expect(value.description == "randn(3, 4, seed: 0)")
    #expect(try entry("(x) = 1") == .assignment(name: "x", nameRange: .unknown, value: .number(1)))
  }

  @Test func definitions() throws {
    let parsed = try entry("loss(W, b) = sum(tanh(x @ W + b)^2)")
    guard case .definition(let definition) = parsed else {
      Issue.record("not a definition: \(parsed)")
      return
    }
    #expect(definition.name == "loss")
    #expect(definition.parameters == ["W", "b"])
    #expect(definition.nameRange == SourceRange(start: 0, end: 4))
    #expect(
      definition.parameterRanges == [SourceRange(start: 5, end: 6), SourceRange(start: 8, end: 9)])
    #expect(definition.description == "loss(W, b) = sum(tanh(x@W + b)^2)")
    #expect(
      try entry("f() = 1")
        == .definition(FunctionDefinition(name: "f", parameters: [], body: .number(1))))
  }

  @Test func continuationLines() throws {
    let parsed = try entry("f(x) = sum(x,\n           axis: 0)")
    #expect(
      parsed
        == .definition(
          FunctionDefinition(
            name: "f", parameters: ["x"],
            body: .call(
              "sum", arguments: [.init(.name("x")), .init(label: "axis", value: .number(0))]))))
    #expect(try entry("x = [1, 2,\n 3]\n") == entry("x = [1, 2, 3]"))
  }
}

extension Expr.Kind {
  /// The number of a number literal, for short expectations.
  var number: Double? {
    if case .number(let value) = self { value } else { nil }
  }
}
