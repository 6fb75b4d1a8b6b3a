import Foundation
import NablaCore
import NablaLanguage
import Synchronization
import Testing

@testable import NablaSession

/// Function bodies resolved into steps (`ResolvedBody`) against the same bodies walked as
/// trees: every value, gradient, label, call record, warning and error must be the same, bit
/// for bit and character for character.
@Suite struct ResolvedBodyTests {
  /// What one call shows of its evaluation.
  struct Outcome: Equatable, CustomStringConvertible {
    var value: [UInt64] = []
    var gradients: [[UInt64]] = []
    var labels: [String?] = []
    var calls: [String] = []
    var warnings: [Diagnostic] = []
    var error: Diagnostic?
    var idle = false

    var description: String {
      "value \(value) gradients \(gradients) labels \(labels) calls \(calls) "
        + "warnings \(warnings.map { "\($0.message) \($0.range) \($0.help ?? "")" }) "
        + "error \(error.map { "\($0.message) \($0.range) \($0.help ?? "")" } ?? "none")"
    }
  }

  /// Session functions from definitions typed as entries (each with its text, for carets).
  static func functions(_ definitions: [String]) throws -> [String: UserFunction] {
    var functions: [String: UserFunction] = [:]
    for text in definitions {
      guard case .definition(let definition) = try Parser.parseEntry(text) else {
        Issue.record("not a definition: \(text)")
        continue
      }
      functions[definition.name] = UserFunction(definition, source: SourceText(text))
    }
    return functions
  }

  /// Calls `name` on leaves holding `arguments` (or on constants, which record nothing),
  /// labelling nodes, then backpropagates.
  static func outcome(
    _ functions: [String: UserFunction], call name: String, at arguments: [Tensor],
    tensors: [String: Tensor] = [:], resolving: Bool, maximumDepth: Int = 600,
    constants: Bool = false
  ) -> Outcome {
    var evaluator = Evaluator(tensors: tensors, functions: functions)
    evaluator.resolvesBodies = resolving
    evaluator.labelsNodes = true
    evaluator.maximumDepth = maximumDepth
    let leaves = arguments.enumerated().map {
      constants ? Variable($1) : Variable.leaf($1, label: "p\($0)")
    }
    var outcome = Outcome()
    do {
      let y = try evaluator.call(name, arguments: leaves, at: SourceRange(start: 0, end: 4))
      outcome.value = y.value.scalars.map(\.bitPattern)
      if let root = y.node {
        outcome.labels = topologicalOrder(from: root).map(\.label)
        let gradients = try backward(from: y)
        outcome.gradients = leaves.map { gradients[$0].value.scalars.map(\.bitPattern) }
      }
    } catch {
      outcome.error = error as? Diagnostic
    }
    outcome.calls = evaluator.calls.map(\.text)
    outcome.warnings = evaluator.warnings
    outcome.idle = evaluator.isIdle
    return outcome
  }

  static func expectSame(
    _ definitions: [String], call name: String, at arguments: [Tensor],
    tensors: [String: Tensor] = [:], maximumDepth: Int = 600, constants: Bool = false
  ) throws -> Outcome {
    let functions = try functions(definitions)
    let walked = outcome(
      functions, call: name, at: arguments, tensors: tensors, resolving: false,
      maximumDepth: maximumDepth, constants: constants)
    let resolved = outcome(
      functions, call: name, at: arguments, tensors: tensors, resolving: true,
      maximumDepth: maximumDepth, constants: constants)
    #expect(resolved == walked, "\(definitions)")
    #expect(resolved.idle)
    return resolved
  }

  @Test(
    arguments: [
      (["f(x) = log(x^2 + 1) * sin(x) + exp(-x^2)"], [Tensor(0.3)]),
      (["f(x) = log(x^2 + 1) * sin(x) + exp(-x^2)"], [Tensor([-1, 0.5, 2])]),
      (["f(x, y) = x * y - y / x + +x ^ 2 - -y"], [Tensor(1.5), Tensor([2, 3])]),
      (["f(x) = tanh(sigmoid(relu(abs(x))) - sqrt(x * x)) ^ 3 > 0.1"], [Tensor([-2, 0.25])]),
      (["f(W, v) = (W @ v) * cos(v[0]) + tan(1e-3)"], [try! Tensor.eye(2), Tensor([1, 2])]),
      (["g(x) = x * a", "f(x) = g(x) + tanh(x) * a - sum(x) / pi"], [Tensor([0.5, -1])]),
      (["g(x, y) = y - x", "f(x) = 2 * g(y: x, x: 1) + [x, x][1]"], [Tensor(4)]),
      (["s(x) = x * 1.0001 + sin(x) * 1e-3", "f(x) = s(s(s(x))) + s(x)"], [Tensor(0.5)]),
    ] as [([String], [Tensor])])
  func resolvedBodiesGiveTheSameValuesGradientsAndLabels(
    _ definitions: [String], _ arguments: [Tensor]
  ) throws {
    let outcome = try Self.expectSame(
      definitions, call: "f", at: arguments, tensors: ["a": Tensor([2, 3])])
    #expect(outcome.error == nil, "\(outcome)")
    #expect(!outcome.value.isEmpty)
  }

  /// Warnings inside a resolved body name the op and show the body's line with a caret, at
  /// the call, as before; errors likewise.
  @Test(
    arguments: [
      (["f(x) = log(x - 5) + sqrt(x) / 0 * exp(x * 1000)"], "f", [Tensor(1)]),
      (["g(x) = log(x - 5) * 2", "f(x) = g(x) + g(x + 1)"], "f", [Tensor(1)]),
      (["f(x) = x @ [1, 2, 3]"], "f", [Tensor([1, 2])]),
      (["f(x) = sin(x) + x[5]"], "f", [Tensor([1, 2])]),
      (["f(x) = x + b"], "f", [Tensor(1)]),
      (["f(x) = x + [1, 2] * [1, 2, 3]"], "f", [Tensor(1)]),
      (["g(x) = x + [1, 2] * [1, 2, 3]", "f(x) = 2 * g(x)"], "f", [Tensor(1)]),
      (["f(x) = x * 2"], "f", [Tensor(1), Tensor(2)]),
      (["f(x) = g(x) + 1", "g(x) = 2 * f(x)"], "f", [Tensor(1)]),
      (["h(x) = -x", "f(x) = h(x) + h(x, 2)"], "f", [Tensor(1)]),
    ] as [([String], String, [Tensor])])
  func diagnosticsAreTheSame(_ definitions: [String], _ name: String, _ arguments: [Tensor])
    throws
  {
    let outcome = try Self.expectSame(definitions, call: name, at: arguments)
    #expect(outcome.error != nil || !outcome.warnings.isEmpty, "\(outcome)")
  }

  /// On 0-d constants (a numerical derivative's evaluations, `:time`'s forward) a
  /// self-contained body runs on plain numbers: the same value bit for bit; where a step
  /// turns NaN or ±inf, or an operand is not a 0-d number, the steps run instead and warn
  /// or fail as the walk does.
  @Test(
    arguments: [
      (["f(x) = log(x^2 + 1) * sin(x) + exp(-x^2)"], [Tensor(0.3)], true),
      (["f(x, y) = x * y - y / x + +x ^ 2 - -y ^ 0.5 + x ^ -1 + y ^ 0 + x ^ 3 ^ 0.5"], [Tensor(1.5), Tensor(2.25)], true),
      (["f(x) = tanh(sigmoid(relu(abs(x))) - sqrt(x * x)) ^ 3 + tan(x) + cos(x)"], [Tensor(-2)], true),
      (["f(x, y) = (x < y) + (x <= y) * 2 + (x > y) * 4 + (x >= y) * 8 + (x == y) * 16 + (x != y) * 32"], [Tensor(1), Tensor(1)], true),
      (["f(x) = sigmoid(x) + relu(-x) + 1e-300 * 1e-10 - x"], [Tensor(-0.0)], true),
      (["f(x) = log(x - 5) + sqrt(x) / 0 * exp(x * 1000)"], [Tensor(1)], true),
      (["f(x) = 1 / x + x"], [Tensor(0)], true),
      (["f(x) = exp(x) - exp(x)"], [Tensor(800)], true),
      (["f(x) = x * 2 + 1"], [Tensor(Double.infinity)], true),
      (["f(x) = x * 2 + 1"], [Tensor([3])], true),
      (["f(x) = x * 2 + 1"], [Tensor([3, 4])], true),
      (["f(x) = x @ x + 1"], [Tensor(2)], false),
      (["f(x) = x + a"], [Tensor(2)], false),
      (["f(x) = x * 2"], [Tensor(1), Tensor(2)], true),
    ] as [([String], [Tensor], Bool)])
  func onNumbersTheValueAndTheWarningsAreTheSame(
    _ definitions: [String], _ arguments: [Tensor], _ onNumbers: Bool
  ) throws {
    let outcome = try Self.expectSame(
      definitions, call: "f", at: arguments, tensors: ["a": Tensor(3)], constants: true)
    #expect(outcome.gradients.isEmpty && outcome.labels.isEmpty)
    let f = try #require(try Self.functions(definitions)["f"])
    #expect(Evaluator.runsOnNumbers(f) == onNumbers)
  }

  /// The value on numbers against the steps on tensors, over a spread of points (tiny,
  /// subnormal, huge, negative zero) for bodies of every elementwise builtin and operator.
  @Test func onNumbersEveryPointGivesTheSameBits() throws {
    let bodies = [
      "f(x) = log(x^2 + 1) * sin(x) + exp(-x^2)",
      "f(x) = tanh(x) / (1 + abs(x)) - sigmoid(-x) * cos(x) ^ 3",
      "f(x) = sqrt(abs(x)) + relu(x) * tan(x / 7) - x ^ 0.5 + (x < 0) - x ^ -1 + (x > 0.25)",
    ]
    var points: [Double] = [0, -0.0, 1e-310, -1e-310, 1e-300, 1e300, -1e300, 0.25, 709, -745]
    var generator = SystemRandomNumberGenerator()
    for _ in 0..<200 { points.append(Double.random(in: -30...30, using: &generator)) }
    for body in bodies {
      let functions = try Self.functions([body])
      #expect(Evaluator.runsOnNumbers(try #require(functions["f"])))
      for x in points {
        let walked = Self.outcome(
          functions, call: "f", at: [Tensor(x)], resolving: false, constants: true)
        let onNumbers = Self.outcome(
          functions, call: "f", at: [Tensor(x)], resolving: true, constants: true)
        #expect(onNumbers == walked, "\(body) at \(x)")
        // The same through the entry for a caller with plain numbers (nil where not finite).
        let direct = try Evaluator(tensors: [:], functions: functions)
          .valueOnNumbers(of: try #require(functions["f"]), at: [x])
        if let direct {
          #expect([direct.bitPattern] == walked.value, "\(body) at \(x)")
        } else {
          #expect(walked.value.contains { !Double(bitPattern: $0).isFinite }, "\(body) at \(x)")
        }
      }
    }
  }

  /// `gradientOnNumbers` gives the value and gradients that the steps on leaves and
  /// `backward` give, bit for bit, including arguments used many times (their terms summed
  /// in the sweep's order), constant subexpressions, unused parameters and a body that is a
  /// number or an argument; where a value or gradient is not finite it gives nil instead.
  @Test func gradientsOnNumbersAreTheGraphsBitForBit() throws {
    let bodies = [
      "f(x) = log(x^2 + 1) * sin(x) + exp(-x^2)",
      "f(x, y) = x * y - y / x + x ^ 2 * y + x * x * x - (x < y) * x + abs(x) ^ y",
      "f(x) = tanh(x) / (1 + abs(x)) - sigmoid(-x) * cos(x) ^ 3 + sqrt(x * x + 1)",
      "f(x, y) = x ^ (2 + 1) + y * 0 + relu(x - y) * tan(y / 7) - -x + +y",
      "f(x, y) = x * (x + 1) * (x * 2 + x) - x / (x + 3) + y * x * y",
      "f(x, y) = x",
      "f(x) = 3 + 4",
      "f(x) = log(x)",
    ]
    var generator = SystemRandomNumberGenerator()
    var onNumbers = 0
    var total = 0
    for body in bodies {
      let functions = try Self.functions([body])
      let f = try #require(functions["f"])
      for _ in 0..<60 {
        let point = f.parameters.map { _ in Double.random(in: -3...3, using: &generator) }
        total += 1
        let walked = Self.outcome(functions, call: "f", at: point.map { Tensor($0) }, resolving: false)
        let evaluator = Evaluator(tensors: [:], functions: functions)
        guard let fast = try evaluator.gradientOnNumbers(of: f, at: point) else {
          let bits = walked.value + walked.gradients.flatMap { $0 }
          #expect(
            bits.contains { !Double(bitPattern: $0).isFinite } || walked.error != nil,
            "\(body) at \(point): no gradient on numbers, but the graph's are finite")
          continue
        }
        onNumbers += 1
        #expect(walked.value == [fast.value.bitPattern], "\(body) at \(point)")
        // A constant output has no graph: `backward` gives zeros for every leaf.
        let graph = walked.gradients.isEmpty ? point.map { _ in [Double(0).bitPattern] } : walked.gradients
        #expect(graph == fast.gradients.map { [$0.bitPattern] }, "\(body) at \(point)")
      }
    }
    #expect(onNumbers > total * 3 / 4, "\(onNumbers) of \(total) points on numbers")
    // Finite terms that sum to inf leave the gradient to the graph, which notes it.
    let functions = try Self.functions(["f(x) = 1e308 * x + 1e308 * x"])
    let evaluator = Evaluator(tensors: [:], functions: functions)
    #expect(try evaluator.gradientOnNumbers(of: try #require(functions["f"]), at: [0.5]) == nil)
  }

  /// The depth limit stops a resolved body exactly where it stops a walked one.
  @Test(arguments: [2, 3, 4, 5, 6, 8, 12])
  func theDepthLimitIsTheSame(_ limit: Int) throws {
    let outcome = try Self.expectSame(
      ["g(x) = sin(-(x + 1) * 2)", "f(x) = exp(g(x)) + 1"], call: "f", at: [Tensor(0.5)],
      maximumDepth: limit)
    #expect((outcome.error == nil) == (limit >= 8), "\(outcome)")
  }

  /// Ctrl-C is asked before the same operations, and stops at the same place; on plain
  /// numbers it is asked once, before the body runs.
  @Test(arguments: [0, 1, 3, 7, 100])
  func interruptionStopsAtTheSamePlace(_ after: Int) throws {
    let functions = try Self.functions(["f(x) = log(x^2 + 1) * sin(x) + exp(-x^2)"])
    func asks(resolving: Bool, at x: Variable) -> (Int, String?) {
      let asked = Mutex(0)
      var evaluator = Evaluator(tensors: [:], functions: functions)
      evaluator.resolvesBodies = resolving
      evaluator.shouldStop = {
        asked.withLock {
          $0 += 1; return $0 > after
        }
      }
      do {
        _ = try evaluator.call("f", arguments: [x])
        return (asked.withLock { $0 }, nil)
      } catch {
        return (asked.withLock { $0 }, error.message)
      }
    }
    let leaf = Variable.leaf(Tensor(2))
    #expect(asks(resolving: true, at: leaf) == asks(resolving: false, at: leaf))
    let onNumbers = asks(resolving: true, at: Variable(Tensor(2)))
    #expect(onNumbers.0 == 1)
    #expect(onNumbers.1 == (after == 0 ? Diagnostic.interrupted.message : nil))
  }

  /// Calls through bodies with steps that call further nest as deep as the limit allows on
  /// a 4 MB stack (the REPL's evaluation thread), and stop where the tree walk stops.
  @Test func deepCallsThroughResolvedBodiesStayWithinTheStack() throws {
    var definitions = ["f0(x) = x + 1"]
    for i in 1..<400 { definitions.append("f\(i)(x) = 1 + f\(i - 1)(x) * 1") }
    let functions = try Self.functions(definitions)
    nonisolated(unsafe) var messages: [String?] = []
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
      for resolving in [false, true] {
        var evaluator = Evaluator(tensors: [:], functions: functions)
        evaluator.resolvesBodies = resolving
        do {
          _ = try evaluator.call("f399", arguments: [Variable(Tensor(0))])
          messages.append(nil)
        } catch {
          messages.append((error as? Diagnostic)?.message ?? "\(error)")
        }
      }
      done.signal()
    }
    thread.stackSize = 4 << 20
    thread.start()
    done.wait()
    #expect(messages.count == 2 && messages[0] == messages[1])
    #expect(messages.first??.contains("too deep") == true, "\(messages)")
  }

  @Test func bodiesResolveIntoStepsInTheOrderTheyAreEvaluated() throws {
    let f = try #require(
      try Self.functions(["f(x) = log(x^2 + 1) * sin(x) + exp(-x^2)"])["f"])
    #expect(
      Evaluator.resolvedSteps(of: f) == [
        "x", "^ 2.0", "+ 1.0", "log", "x", "sin", "*", "x", "^ 2.0", "sign -", "exp", "+",
      ])
    #expect(Evaluator.hasSelfContainedBody(f))
    // Session names and calls of session functions stay nodes, evaluated when reached.
    let g = try #require(try Self.functions(["g(x) = a * h(x)"])["g"])
    #expect(Evaluator.resolvedSteps(of: g) == ["node a at 2", "node h(x) at 2", "*"])
    #expect(!Evaluator.hasSelfContainedBody(g))
    // A body that is one such node is walked as before.
    let s = try #require(try Self.functions(["s(x) = sum(x * 2)"])["s"])
    #expect(Evaluator.resolvedSteps(of: s) == nil)
  }

  /// Redefining a function parses a new body, resolved afresh; a session tensor a body reads
  /// is looked up when the body runs, so redefining it is seen at once.
  @Test func redefinitionsAreSeen() throws {
    let s = try session("a = 2", "f(x) = a * x + x^2", "g(x) = f(x) + 1", "m(a) = a + 1")
    #expect(s.run("f(3)").output == ["15.0"])
    #expect(s.run("g(3)").output == ["16.0"])
    #expect(s.run("a = 5").succeeded)
    #expect(s.run("f(3)").output == ["24.0"])
    #expect(s.run("g(3)").output == ["25.0"])
    #expect(s.run("f(x) = x^3").succeeded)
    #expect(s.run("f(3)").output == ["27.0"])
    #expect(s.run("g(3)").output == ["28.0"])
    #expect(s.run(":grad g(3)").output == ["g(3) = 28.0", "∂g/∂x = 27.0"])
    // A parameter still shadows the session tensor of the same name.
    #expect(s.run("m(10)").output == ["11.0"])
  }

  /// A body kept resolved on its node goes with the node.
  @Test func resolvedBodiesGoWithTheirFunctions() throws {
    weak var body: Expr?
    do {
      let functions = try Self.functions(["f(x) = x * 2 + sin(x)"])
      body = functions["f"]?.definition.body
      var evaluator = Evaluator(tensors: [:], functions: functions)
      #expect(try evaluator.call("f", arguments: [Variable(Tensor(0))]).value.scalar == 0)
      #expect(Evaluator.hasSelfContainedBody(try #require(functions["f"])))
    }
    #expect(body == nil)
  }
}
