import NablaCore
import NablaLanguage
import Testing

@testable import NablaSession

/// `:descend`: convergence on convex losses, which tensors it updates, how it stops.
@Suite struct DescendTests {
  @Test(arguments: [(0.1, 0.0), (0.05, 0.9)])
  func aConvexQuadraticConvergesToItsMinimum(rate: Double, momentum: Double) throws {
    let s = try session("w = [0.0, 0.0, 0.0]", "loss(w) = sum((w - [3, -1, 0.5])^2)")
    let r = s.run(":descend loss(w) lr \(rate) steps 600 momentum \(momentum)")
    #expect(r.succeeded && r.diagnostics.isEmpty, "\(r.text())")
    let w = s.tensors["w"]!.scalars
    for (a, b) in zip(w, [3, -1, 0.5]) { #expect(close(a, b, tolerance: 1e-8)) }
    let losses = numbers(field("loss", of: r))
    #expect(losses.count == 601)
    #expect(losses.first == 10.25)
    #expect(losses.last! < 1e-15)
    #expect(
      r.output.contains {
        $0.hasPrefix("loss 10.25 → ")
          && $0.hasSuffix(
            "after 600 steps (lr \(formatScalar(rate))\(momentum > 0 ? ", momentum 0.9" : ""))")
      })
  }

  @Test func leastSquaresReachesTheNormalEquationsSolution() throws {
    // min over (a, b) of mean((a·x + b − y)²) for points on y = 2x − 1: a = 2, b = −1.
    let s = try session(
      "x = [0.0, 1.0, 2.0, 3.0]", "y = 2 * x - 1", "a = 0.0", "b = 0.0",
      "mse(a, b) = mean((a * x + b - y)^2)")
    let r = s.run(":descend mse(a, b) lr 0.1 steps 2000")
    #expect(r.succeeded, "\(r.text())")
    #expect(close(s.tensors["a"]!.scalar!, 2, tolerance: 1e-9))
    #expect(close(s.tensors["b"]!.scalar!, -1, tolerance: 1e-9))
  }

  @Test func wrtUpdatesOnlyTheNamedTensors() throws {
    let s = try session(
      "W = [[1.0, 2.0], [3.0, 4.0]]", "b = [0.5, -0.5]", "x = [1.0, -1.0]",
      "loss(W, b) = sum((x @ W + b)^2)")
    let b = s.tensors["b"]!
    let r = s.run(":descend loss(W, b) wrt W lr 0.1 steps 10")
    #expect(r.succeeded)
    #expect(s.tensors["b"]! == b)
    #expect(s.tensors["W"]! != (try Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])))
    #expect(r.output.contains { $0.hasPrefix("W = ") })
    #expect(!r.output.contains { $0.hasPrefix("b = ") })
    // By parameter name too, and an expression of session tensors.
    #expect(s.run(":descend loss(W, b) wrt b lr 0.1 steps 10").succeeded)
    #expect(s.run(":descend sum(b^2) lr 0.5 steps 1").succeeded)
    #expect(s.tensors["b"]!.scalars.allSatisfy { abs($0) < 1e-9 })
  }

  @Test func oneStepIsTheUpdateTypedByHand() throws {
    let setup = [
      "W = [[1.0, 2.0], [3.0, 4.0]]", "b = [0.5, -0.5]", "x = [1.0, -1.0]",
      "loss(W, b) = sum(tanh(x @ W + b) ^ 2)",
    ]
    let byCommand = try session(setup)
    #expect(byCommand.run(":descend loss(W, b) wrt W lr 0.1 steps 1").succeeded)
    let byHand = try session(setup)
    #expect(byHand.run("W = W - 0.1 * grad(loss, wrt: W)(W, b)").succeeded)
    #expect(byCommand.tensors["W"]! == byHand.tensors["W"]!)
  }

  @Test func aLossThatTurnsNanKeepsTheLastGoodStep() throws {
    let s = try session("q = 1.0")
    let r = s.run(":descend sqrt(q) lr 1 steps 5")
    // q: 1 → 0.5 → 0.5 − 1/(2√0.5) < 0, where sqrt is nan.
    #expect(r.succeeded)
    #expect(
      r.diagnostics.first?.message.hasPrefix(
        "the loss is nan at step 2: stopped after 1 of 5 steps") == true)
    #expect(s.tensors["q"]!.scalar == 0.5)
    #expect(s.history.last?.text == ":descend sqrt(q) lr 1 steps 1")
  }

  @Test func ctrlCStopsAtTheLastCompletedStepAndHistoryKeepsIt() throws {
    let s = try session(
      "A = randn(60, 60, seed: 0)", "V = randn(60, 8, seed: 1)", "l(V) = sum((A @ V)^2) / 1000")
    s.onProgress = { _ in s.cancellation.cancel() }
    let r = s.run(":descend l(V) lr 1e-5 steps 1000000")
    #expect(r.succeeded)
    let warning = try #require(r.diagnostics.first)
    #expect(warning.severity == .warning)
    #expect(warning.message.hasPrefix("interrupted: stopped after "))
    let taken = Int(numbers(field("steps", of: r)).first ?? -1)
    #expect(taken > 0 && taken < 1_000_000)
    #expect(s.history.last?.text == ":descend l(V) lr 1e-5 steps \(taken)")
    // Replaying what history kept reaches the same tensors.
    s.onProgress = nil
    let replay = try session(
      "A = randn(60, 60, seed: 0)", "V = randn(60, 8, seed: 1)", "l(V) = sum((A @ V)^2) / 1000")
    #expect(replay.run(s.history.last!.text).succeeded)
    #expect(replay.tensors["V"]! == s.tensors["V"]!)
  }

  @Test(arguments: [
    (":descend sqrt(q) wrt z", "'z' is not a session tensor that the loss is given", 21),
    (":descend sum([1, 2])", "the loss is given no session tensor to update", 9),
    (":descend r * 2", "the loss must be one number; r * 2 has shape (2,)", 9),
    (":descend q lr 0.1 steps 0", "expected a positive whole number after 'steps'", 24),
    (":descend q momentum 1.5", "momentum must be below 1", 20),
    (":descend q lr 0.1 lr 0.2", "'lr' is given twice", 18),
    (":descend q lr 0.1 step 5", "unexpected name 'step'", 18),
    (":descend q steps 2000000", ":descend takes at most 1000000 steps", 17),
  ])
  func errorsChangeNothing(_ entry: String, _ message: String, _ column: Int) throws {
    let s = try session("q = 1.0", "r = [1.0, 2.0]")
    let r = s.run(entry)
    #expect(r.error?.message == message)
    #expect(r.error?.range.start == column)
    #expect(s.tensors["q"]!.scalar == 1 && s.tensors["r"]!.scalars == [1, 2])
  }

  @Test(arguments: [":plot", ":descend"])
  func helpExamplesRunInAFreshSession(_ command: String) throws {
    let examples = try #require(Session.commandHelp[command]?.examples)
    let s = Session()
    for example in examples {
      let r = s.run(example)
      #expect(r.succeeded && r.diagnostics.isEmpty, "\(example): \(r.text())")
    }
    let help = Session().run(":help \(command)")
    #expect(help.output.contains { $0.hasPrefix("  ∇> ") })
  }
}
