import Foundation
import Synchronization
import NablaCore
import NablaLanguage
import Testing

@testable import NablaSession

/// The evaluator on its own: builtins by name with keyword arguments, shapes, function calls,
/// and the labels it gives graph nodes.
@Suite struct EvaluatorTests {
  /// Evaluates one expression with the given session tensors.
  func evaluate(_ text: String, tensors: [String: Tensor] = [:]) throws -> Tensor {
    var evaluator = Evaluator(tensors: tensors, functions: [:])
    return try evaluator.evaluate(try Parser.parseExpression(text)).value
  }

  /// `shouldStop` (Ctrl-C) is asked before every operation; after it says yes, nothing more
  /// runs.
  @Test func evaluationStopsWhenAsked() throws {
    let asked = Mutex(0)
    var evaluator = Evaluator(tensors: [:], functions: [:])
    evaluator.shouldStop = { asked.withLock { $0 += 1; return $0 > 3 } }
    let expr = try Parser.parseExpression("sin(1) + cos(2) * exp(3) - 4")
    do {
      _ = try evaluator.evaluate(expr)
      Issue.record("evaluated")
    } catch {
      #expect(error.message == Diagnostic.interrupted.message)
    }
    #expect(asked.withLock { $0 } == 4)
  }

  @Test(
    arguments: [
      ("sum([[1, 2], [3, 4]])", [], [10.0]),
      ("sum([[1, 2], [3, 4]], axis: 0)", [2], [4, 6]),
      ("sum([[1, 2], [3, 4]], axis: 1, keepdims: true)", [2, 1], [3, 7]),
      ("sum([[1, 2], [3, 4]], axis: [0, 1])", [], [10]),
      ("mean([[1, 2], [3, 4]], axis: 0)", [2], [2, 3]),
      ("max([[1, 5], [3, 4]], axis: 1)", [2], [5, 4]),
      ("min([[1, 5], [3, 4]])", [], [1]),
      ("softmax([0, 0], axis: 0)", [2], [0.5, 0.5]),
      ("logsumexp([0, 0], keepdims: true)", [1], [0.6931471805599453]),
      ("transpose([[1, 2, 3]])", [3, 1], [1, 2, 3]),
      ("transpose(zeros([1, 2, 3]), axes: [2, 0, 1])", [3, 1, 2], [0, 0, 0, 0, 0, 0]),
      ("expand_dims([1, 2], axis: 1)", [2, 1], [1, 2]),
      ("squeeze(ones([1, 2, 1]), axis: 0)", [2, 1], [1, 1]),
      ("concat([[1], [2, 3]], axis: 0)", [3], [1, 2, 3]),
      ("stack([[1, 2], [3, 4]], axis: 1)", [2, 2], [1, 3, 2, 4]),
      ("broadcast_to([1, 2], [2, 2])", [2, 2], [1, 2, 1, 2]),
      ("arange(3)", [3], [0, 1, 2]),
      ("arange(1, 7, step: 2)", [3], [1, 3, 5]),
      ("arange(start: 2, stop: 4)", [2], [2, 3]),
      ("linspace(0, 1, num: 3)", [3], [0, 0.5, 1]),
      ("eye(2, m: 3, k: 1)", [2, 3], [0, 1, 0, 0, 0, 1]),
      ("full([2], 7)", [2], [7, 7]),
      ("full(shape: [1], value: 3)", [1], [3]),
      ("clip([-1, 5, 20], lo: 0, hi: 10)", [3], [0, 5, 10]),
      ("where(condition: [1, 0], a: [1, 2], b: [3, 4])", [2], [1, 4]),
      ("pow(b: 2, a: 3)", [], [9]),
      ("maximum([1, 5], 3)", [2], [3, 5]),
      ("matmul(a: [[1, 2]], b: [[3], [4]])", [1, 1], [11]),
      ("dot([1, 2], [3, 4])", [], [11]),
      ("reshape(arange(6), shape: [3, -1])", [3, 2], [0, 1, 2, 3, 4, 5]),
      ("relu([-1, 2])", [2], [0, 2]),
      ("abs(-3)", [], [3]),
      ("sigmoid(0)", [], [0.5]),
      ("sqrt(4)", [], [2]),
    ] as [(String, [Int], [Double])])
  func builtinWithKeywords(_ text: String, _ shape: [Int], _ scalars: [Double]) throws {
    let t = try evaluate(text)
    #expect(t.shape == shape, "\(text)")
    #expect(
      t.scalars.count == scalars.count && zip(t.scalars, scalars).allSatisfy { close($0, $1) },
      "\(text): \(t.scalars)")
  }

  @Test(
    arguments: [
      ("ones([4, 5])", [4, 5]), ("ones(4, 5)", [4, 5]), ("zeros(2, 3, 4)", [2, 3, 4]),
      ("zeros([2, 3, 4])", [2, 3, 4]),
      ("ones(3)", [3]), ("ones([])", []), ("rand(2, 3, seed: 0)", [2, 3]),
      ("randn([2, 3], seed: 0)", [2, 3]),
      ("reshape(arange(20), [4, 5])", [4, 5]), ("reshape(arange(20), 4, 5)", [4, 5]),
      ("broadcast_to(1, 2, 3)", [2, 3]), ("full([2, 2], 7)", [2, 2]),
    ] as [(String, [Int])])
  func shapesAsListsOrSeparateIntegers(_ text: String, _ shape: [Int]) throws {
    #expect(try evaluate(text).shape == shape, "\(text)")
  }

  @Test func seededRandomNumbersRepeat() throws {
    #expect(try evaluate("randn(5, seed: 3)") == evaluate("randn([5], seed: 3)"))
    #expect(try evaluate("rand(5, seed: 3)") != evaluate("rand(5, seed: 4)"))
    let u = try evaluate("rand(1000, seed: 1, low: -2, high: -1)")
    #expect(u.scalars.allSatisfy { $0 >= -2 && $0 < -1 })
  }

  @Test func operatorsPrecedenceAndConstants() throws {
    #expect(try evaluate("1 + 2 * 3").scalar == 7)
    #expect(try evaluate("2^3^2").scalar == 512)
    #expect(try evaluate("-2^2").scalar == -4)
    #expect(try evaluate("2^-1").scalar == 0.5)
    #expect(try evaluate("(1 + 2) * 3").scalar == 9)
    #expect(try evaluate("[[1, 2], [3, 4]] @ [1, 1]").scalars == [3, 7])
    #expect(try evaluate("pi").scalar == Double.pi)
    #expect(try evaluate("e").scalar == 2.718281828459045)
    #expect(try evaluate("inf").scalar == .infinity)
    #expect(try evaluate("nan").scalar!.isNaN)
    #expect(try evaluate("true + false").scalar == 1)
    #expect(try evaluate("[1, 2, 3] > 1.5").scalars == [0, 1, 1])
  }

  @Test func indexingAndSlicing() throws {
    let x = try evaluate("arange(6)")
    let W = try evaluate("reshape(arange(12), [3, 4])")
    #expect(try evaluate("x[0]", tensors: ["x": x]).scalar == 0)
    #expect(try evaluate("x[-1]", tensors: ["x": x]).scalar == 5)
    #expect(try evaluate("x[::-1]", tensors: ["x": x]).scalars == [5, 4, 3, 2, 1, 0])
    #expect(try evaluate("x[1:5:2]", tensors: ["x": x]).scalars == [1, 3])
    let slice = try evaluate("W[:, 1:3]", tensors: ["W": W])
    #expect(slice.shape == [3, 2] && slice.scalars == [1, 2, 5, 6, 9, 10])
    #expect(try evaluate("W[..., 0]", tensors: ["W": W]).scalars == [0, 4, 8])
  }

  @Test func functionCallsBindByPositionAndName() throws {
    let s = try session("g(x, y) = x - 2 * y", "h(x) = g(x, 1) ^ 2")
    #expect(s.run("g(5, 1)").output == ["3.0"])
    #expect(s.run("g(y: 1, x: 5)").output == ["3.0"])
    #expect(s.run("g(5, y: 1)").output == ["3.0"])
    #expect(s.run("h(4)").output == ["4.0"])
    // A body sees session tensors, and parameters shadow them.
    let t = try session("a = [1, 2]", "k(x) = x * a", "m(a) = a + 1")
    #expect(t.run("k(2)").output == ["[2., 4.]"])
    #expect(t.run("m(10)").output == ["11.0"])
  }

  /// Every call's arguments share one stack: each body reads its own parameters (not its
  /// caller's, nor the entry's bindings), and an error or a Ctrl-C anywhere leaves nothing
  /// behind for the next evaluation.
  @Test func eachCallSeesOnlyItsOwnArguments() throws {
    let s = try session(
      "inner(x, y) = x - y",
      "outer(y, x) = inner(x, y) * 10 + inner(y: x, x: y)",
      "bad(x) = inner(x, [1, 2, 3]) + [1, 2]",
      "x = 0", "reads(a) = a + x")
    // Without the session tensor `x`, so that `reads` could only find it among the bindings.
    var evaluator = Evaluator(tensors: [:], functions: s.functions)
    func value(_ text: String, _ bindings: [String: Variable] = [:]) throws -> Double? {
      try evaluator.evaluate(try Parser.parseExpression(text), bindings: bindings).value.scalar
    }
    let x = Variable(Tensor(100))
    #expect(try value("outer(1, 2) + x", ["x": x]) == 109)
    #expect(try value("outer(inner(5, outer(1, 2)), x) * 1", ["x": x]) == 936)
    #expect(evaluator.isIdle)

    do {
      _ = try value("outer(1, inner(2, bad(0))) + x", ["x": x])
      Issue.record("evaluated")
    } catch let error as Diagnostic {
      #expect(error.message.hasPrefix("in bad: "), "\(error.message)")
    }
    #expect(evaluator.isIdle)
    do {
      _ = try value("outer(1, reads(2))", ["x": x])
      Issue.record("evaluated")
    } catch let error as Diagnostic {
      #expect(error.message == "in reads: unknown name 'x'")
    }
    #expect(evaluator.isIdle)
    #expect(try value("outer(1, 2)") == 9)

    let asked = Mutex(0)
    evaluator.shouldStop = { asked.withLock { $0 += 1; return $0 > 5 } }
    #expect(throws: Diagnostic.self) { try value("outer(1, 2) + outer(3, 4)") }
    #expect(evaluator.isIdle)
  }

  /// A call's node notes what its name refers to among the builtins the first time it is
  /// evaluated; the note gives the same answer as the lookup, for every builtin.
  @Test func callNodesNoteTheirCalleeOnce() throws {
    let x = Expr.name("x")
    for name in Array(Builtin.all.keys) + ["f", "g2"] {
      let keyword = Expr.call(name, arguments: [.init(label: "x", value: x)])
      for node in [Expr.call(name, [x]), .call(name, [x, x]), keyword] {
        let first = Evaluator.calleeDescription(of: node)
        #expect(Evaluator.calleeDescription(of: node) == first, "\(node)")
      }
    }
    #expect(Evaluator.calleeDescription(of: .call("sin", [x])) == "elementwise sin")
    #expect(Evaluator.calleeDescription(of: .call("sqrt", [x])) == "elementwise sqrt")
    #expect(Evaluator.calleeDescription(of: .call("sin", [x, x])) == "builtin")
    #expect(Evaluator.calleeDescription(of: .call("sum", [x])) == "builtin")
    #expect(Evaluator.calleeDescription(of: .call("f", [x])) == "function")
    let s = try session("f(x) = sin(x) * 2")
    #expect(s.run("f(0) + sin(0) + f(0)").output == ["0.0"])
  }

  /// A call evaluated again finds the session function it found the first time, until the
  /// evaluator's functions change.
  @Test func callsFindTheirFunctionAgainUntilFunctionsChange() throws {
    func define(_ body: String) throws -> UserFunction {
      UserFunction(
        FunctionDefinition(name: "f", parameters: ["x"], body: try Parser.parseExpression(body)))
    }
    var evaluator = Evaluator(tensors: [:], functions: ["f": try define("x + 1")])
    let expr = try Parser.parseExpression("f(f(1)) * 10 + f(2)")
    #expect(try evaluator.evaluate(expr).value.scalar == 33)
    #expect(try evaluator.evaluate(expr).value.scalar == 33)
    evaluator.functions["f"] = try define("x * 3")
    #expect(try evaluator.evaluate(expr).value.scalar == 96)
    evaluator.functions["f"] = nil
    #expect(throws: Diagnostic.self) { try evaluator.evaluate(expr) }
    // Many call sites, more than the cache has slots, all still find the right function.
    let sum = (0..<200).map { "f(\($0))" }.joined(separator: " + ")
    evaluator.functions["f"] = try define("x * 2")
    #expect(try evaluator.evaluate(try Parser.parseExpression(sum)).value.scalar == 39800)
    #expect(try evaluator.evaluate(try Parser.parseExpression(sum)).value.scalar == 39800)
  }

  /// A function whose body reaches a call of itself is refused at that call (sessions refuse
  /// such definitions; an evaluator can be given one all the same).
  @Test func recursionIsRefusedWhereItHappens() throws {
    func define(_ name: String, _ body: String) throws -> (String, UserFunction) {
      let definition = FunctionDefinition(
        name: name, parameters: ["x"], body: try Parser.parseExpression(body))
      return (name, UserFunction(definition))
    }
    var evaluator = Evaluator(
      tensors: [:],
      functions: Dictionary(
        uniqueKeysWithValues: [
          try define("f", "g(x) + 1"), try define("g", "2 * h(x)"), try define("h", "f(x)"),
          try define("k", "g(x) * 0"),
        ]))
    #expect(throws: Diagnostic.self) { try evaluator.call("k", arguments: [Variable(Tensor(1))]) }
    do {
      _ = try evaluator.call("f", arguments: [Variable(Tensor(1))])
      Issue.record("evaluated")
    } catch {
      #expect(
        error.message
          == "in f → g → h: 'f' calls itself (f → g → h → f); recursion is not supported")
    }
    #expect(evaluator.isIdle)
  }

  @Test func callingAFunctionEvaluatesItsBodyAfreshWithLeaves() throws {
    var evaluator = Evaluator(
      tensors: [:],
      functions: [
        "f": UserFunction(
          FunctionDefinition(
            name: "f", parameters: ["x"], body: try Parser.parseExpression("x^2 * sin(x)")))
      ])
    let x = Variable.leaf(Tensor(2), label: "x")
    let y = try evaluator.call("f", arguments: [x])
    let gradients = try backward(from: y)
    #expect(close(gradients[x].value.scalar!, 1.9726023611141572))
  }

  @Test func labelsNodesWithTheTextTheyCameFrom() throws {
    var evaluator = Evaluator(tensors: ["a": Tensor([1, 2])], functions: [:])
    evaluator.labelsNodes = true
    let x = Variable.leaf(Tensor([3, 4]), label: "x")
    let y = try evaluator.evaluate(
      try Parser.parseExpression("sum(a * sin(x))"), bindings: ["x": x])
    let root = try #require(y.node)
    #expect(root.label == "sum(a*sin(x))")
    let product = try #require(root.inputs.first)
    #expect(product.label == "a*sin(x)")
    let labels = Set(product.inputs.compactMap(\.label))
    #expect(labels == ["a", "sin(x)"])
    #expect(product.inputs.last?.inputs.first?.label == "x")
  }

  @Test func warningsNameTheOpAndPointAtIt() throws {
    var evaluator = Evaluator(tensors: [:], functions: [:])
    _ = try evaluator.evaluate(try Parser.parseExpression("1 + log([1, -1, 0])"))
    let warning = try #require(evaluator.warnings.first)
    #expect(evaluator.warnings.count == 1)
    #expect(warning.severity == .warning)
    #expect(warning.message == "log produced nan in 1 of 3 elements and -inf in 1")
    #expect(warning.range == SourceRange(start: 4, end: 19))
    // An op that only passes a nan on is not blamed.
    var quiet = Evaluator(tensors: [:], functions: [:])
    _ = try quiet.evaluate(try Parser.parseExpression("nan + 1"))
    #expect(quiet.warnings.isEmpty)
  }

  @Test func operatorChainsOfAnyLengthEvaluateInALoop() throws {
    var evaluator = Evaluator(tensors: [:], functions: [:])
    let chain = Array(repeating: "1", count: 100_000).joined(separator: "+")
    #expect(try evaluator.evaluate(try Parser.parseExpression(chain)).value.scalar == 100_000)
  }

  /// Wraps 1 in `levels` nodes of one kind, built directly (the parser stops at 200).
  static func nested(_ kind: String, levels: Int) -> Expr {
    var e = Expr.number(1)
    for _ in 0..<levels {
      switch kind {
      case "negate": e = .unary(.negate, e)
      case "right operand": e = .binary(.add, .number(1), e)
      case "builtin call": e = .call("sin", [e])
      case "function call": e = .call("f", [e])
      case "function body": e = .call("g", [e])
      case "index": e = .index(.tensor([e]), [.index(.number(0))])
      default: e = .tensor([e])
      }
    }
    return e
  }

  /// The deepest entry the evaluator accepts must not overflow a 4 MB stack (the REPL may
  /// evaluate on a thread of its own); deeper ones are an error.
  @Test(arguments: [
    "negate", "right operand", "builtin call", "function call", "function body", "index", "literal",
  ])
  func deepEntriesAreRefusedBeforeTheStackRunsOut(_ kind: String) throws {
    let expr = Self.nested(kind, levels: 700)
    let identity = UserFunction(FunctionDefinition(name: "f", parameters: ["x"], body: .name("x")))
    let viaBody = UserFunction(
      FunctionDefinition(
        name: "g", parameters: ["x"], body: .call("f", [.unary(.plus, .name("x"))])))
    nonisolated(unsafe) var message: String?
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
      var evaluator = Evaluator(tensors: [:], functions: ["f": identity, "g": viaBody])
      do {
        _ = try evaluator.evaluate(expr)
      } catch let error as Diagnostic {
        message = error.message
      } catch {
        message = "\(error)"
      }
      done.signal()
    }
    thread.stackSize = 4 << 20
    thread.start()
    done.wait()
    #expect(message == "expression is too deep to evaluate (more than 600 levels)")
  }
}
