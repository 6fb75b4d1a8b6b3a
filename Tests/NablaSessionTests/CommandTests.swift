import NablaCore
import NablaLanguage
import Testing

@testable import NablaSession

/// Every command through `Session.run`, as the REPL and scripts use it.
@Suite struct CommandTests {
  @Test func gradOfAFunction() throws {
    let s = try session("f(x) = x^2 * sin(x)")
    let r = s.run(":grad f(2.0)")
    #expect(r.succeeded)
    #expect(r.output == ["f(2.0) = 3.637189707302727", "∂f/∂x = 1.9726023611141572"])
    #expect(close(number(value(of: r))!, 3.637189707302727))
    guard case .object(let gradient)? = field("gradient", of: r) else {
      Issue.record("no gradient field")
      return
    }
    #expect(gradient.map(\.0) == ["x"])
    #expect(close(number(gradient[0].1)!, 1.9726023611141572))
  }

  @Test func gradWithRespectToNamedArguments() throws {
    let s = try session(
      "x = [1, 2, 3]", "W = randn(3, 4, seed: 0)", "loss(W, b) = sum(tanh(x @ W + b) ^ 2)")
    let all = s.run(":grad loss(W, zeros(4))")
    #expect(all.output.contains("∂loss/∂W (3, 4) ="))
    #expect(all.output.contains { $0.hasPrefix("∂loss/∂b (4,) =") })
    let one = s.run(":grad loss(W, zeros(4)) wrt b")
    #expect(!one.output.contains { $0.hasPrefix("∂loss/∂W") })
    guard case .object(let gradient)? = field("gradient", of: one) else {
      Issue.record("no gradient field")
      return
    }
    #expect(gradient.map(\.0) == ["b"])
    #expect(numbers(gradient[0].1).count == 4)
    // Keyword arguments bind by parameter name.
    let keywords = s.run(":grad loss(b: zeros(4), W: W) wrt W")
    #expect(keywords.output.first == "loss(b: zeros(4), W: W) = 3.9148337209858566")
  }

  @Test func gradOfAnExpressionIsWithRespectToItsSessionTensors() throws {
    let s = try session("x = [1, 2, 3]", "M = eye(3)")
    #expect(s.run(":grad sum(x^2)").output == ["sum(x^2) = 14.0", "∂/∂x (3,) = [2., 4., 6.]"])
    let wrt = s.run(":grad sum(x * M) wrt M")
    #expect(wrt.output.first == "sum(x * M) = 6.0")
    #expect(wrt.output[1] == "∂/∂M (3, 3) =")
    // A builtin of constants: with respect to its tensor argument.
    #expect(s.run(":grad sin(0.0)").output == ["sin(0.0) = 0.0", "∂sin/∂x = 1.0"])
  }

  @Test func checkAtAPoint() throws {
    let s = try session("f(x) = x^2 * sin(x)", "g(x, y) = x * sum(y^2)")
    let r = s.run(":check f(2.0)")
    // The three derivatives one under the other, then their pairwise errors.
    #expect(r.output.count == 6)
    #expect(r.output[1] == "∂f/∂x  autodiff   1.9726023611141572")
    #expect(r.output[2].hasPrefix("       numerical  1.97260236111"))
    #expect(r.output[3] == "       symbolic   1.9726023611141572")
    #expect(r.output[4].hasPrefix("       |auto−num| "))
    #expect(r.output[4].hasSuffix("✓"))
    #expect(r.output[5] == "passed (tol 1e-05, rtol 1e-05)")
    #expect(field("trials", of: r) == .integer(1))
    #expect(field("passed", of: r) == .integer(1))
    #expect(number(field("max_abs_error", of: r))! < 1e-10)
    let two = s.run(":check g(1, [1, 2]) tol 1e-9")
    #expect(two.output.last == "passed (tol 1e-09, rtol 1e-05)")
    #expect(two.output.contains { $0.hasPrefix("∂g/∂y (2,)  max |auto−num|") })
  }

  /// A function whose output is a tensor (DESIGN's `:check f(x)` for an elementwise f at a
  /// vector): the Jacobians are compared.
  @Test func checkOfATensorOutputComparesJacobians() throws {
    let s = try session("x = [1, 2, 3]", "f(x) = x^2 * sin(x)", "g(x, y) = x @ y")
    let r = s.run(":check f(x)")
    #expect(r.succeeded, "\(r.text())")
    #expect(r.output[0] == "f(x) = [0.84147098, 3.63718971, 1.27008007]")
    #expect(r.output[1].hasPrefix("J[f, x] (3, 3)  max |auto−num| "))
    #expect(r.output[1].hasSuffix("✓"))
    #expect(r.output.last == "passed (tol 1e-05, rtol 1e-05)")
    let two = s.run(":check g([[1, 2], [3, 4]], [1, 0.5])")
    #expect(two.output.filter { $0.hasPrefix("J[g, ") }.count == 2)
    #expect(field("passed", of: two) == .integer(1))
  }

  @Test func checkFailsWhereTheDerivativeDoesNotExist() throws {
    let s = try session("r(x) = relu(x)", "k(x) = log(x)")
    let kink = s.run(":check r(1e-8)")
    #expect(kink.succeeded)
    #expect(
      kink.output.last
        == "not differentiable here: the point is at or near the kink of relu(x) at x = 0, where the methods may disagree (tol 1e-05, rtol 1e-05)"
    )
    #expect(field("passed", of: kink) == .integer(0))
    let nan = s.run(":check k(-1)")
    #expect(nan.output[2] == "       numerical  nan  (estimated error nan)")
    #expect(nan.output[3] == "       symbolic   -1.0")
    #expect(nan.output[4].hasPrefix("       |auto−num| nan"))
    #expect(nan.diagnostics.map(\.message) == ["in k: log produced nan"])
  }

  @Test func checkOverRandomPoints() throws {
    let s = try session("f(x) = x^2 * sin(x)", "h(x) = sum(x^3)", "g(x, y) = x * sum(y^2)")
    let r = s.run(":check f over x in [-10, 10] trials 200 tol 1e-5 seed 1")
    #expect(r.succeeded)
    #expect(r.output[0].hasPrefix("200/200 passed  (tol 1e-05, rtol 1e-05; "))
    #expect(r.output[1].hasPrefix("max |auto−num| "))
    #expect(r.output[2].hasPrefix("worst point: f("))
    #expect(field("trials", of: r) == .integer(200))
    #expect(field("passed", of: r) == .integer(200))
    // The same seed gives the same points.
    #expect(
      s.run(":check f over x in [-10, 10] trials 200 tol 1e-5 seed 1").output[2] == r.output[2])
    // Tensor domains take a shape.
    let tensor = s.run(":check h over x in [-10, 10]^(5,) trials 20")
    #expect(tensor.output[0].hasPrefix("20/20 passed"))
    guard case .object(let worst)? = field("worst_point", of: tensor) else {
      Issue.record("no worst point")
      return
    }
    #expect(numbers(worst[0].1).count == 5)
    let matrix = s.run(":check g over y in [0, 1]^(2, 3), x in [-1, 1] trials 5")
    #expect(matrix.output[0].hasPrefix("5/5 passed"))
  }

  @Test func checkOverCutsAPointOfHundredsOfNumbers() throws {
    let s = try session("big(W) = sum(tanh(W) * 2)")
    let r = s.run(":check big over W in [-1, 1]^(20, 20) trials 2")
    #expect(r.output[0].hasPrefix("2/2 passed"))
    let worst = try #require(r.output.first { $0.hasPrefix("worst point: big([[") })
    #expect(worst.count < 340)
    #expect(worst.contains("...  |auto−num| "))
    // The JSON fields keep the whole point.
    guard case .object(let point)? = field("worst_point", of: r) else {
      Issue.record("no worst point")
      return
    }
    #expect(numbers(point[0].1).count == 400)
  }

  /// A tensor parameter left without a shape is drawn as a number; the error says so, with
  /// the shape of the session tensor of that name when there is one.
  @Test func checkOverSuggestsAShapeWhenATrialFails() throws {
    let s = try session(
      "W = zeros([4, 3])", "g(W) = sum(W @ W)", "h(v) = v @ v", "k(x, v) = x * (v @ v)")
    let g = s.run(":check g over W in [-1, 1] trials 3")
    #expect(!g.succeeded)
    #expect(
      g.diagnostics.first?.help?.hasSuffix(
        "every point drew 'W' as a number; if g takes a tensor there, give it a shape: W in [-1, 1]^(4, 3)")
        == true, "\(g.diagnostics)")
    let h = s.run(":check h over v in [-2.5, 1e1] trials 3")
    #expect(h.diagnostics.first?.help?.hasSuffix("v in [-2.5, 1e1]^(3,)") == true, "\(h.diagnostics)")
    // Every parameter given a shape (here `^()`, a number on purpose): no hint.
    let k = s.run(":check k over x in [0, 1]^(), v in [0, 1]^() trials 3")
    #expect(!k.succeeded)
    #expect(k.diagnostics.first?.help?.contains("every point") == false, "\(k.diagnostics)")
  }

  @Test func checkOverListsFailingPointsToReRun() throws {
    let s = try session("k(x) = log(x)")
    let r = s.run(":check k over x in [-1, 1] trials 20")
    #expect(r.output[0].hasPrefix("10/20 passed, 10 FAILED"))
    #expect(
      r.output[2]
        == "nan at 10 of 20 points (not counted in the maximums): is k defined on the whole domain?"
    )
    #expect(r.output[4] == "first 3 of 10 failing points (re-run one with :check):")
    let rerun = try #require(r.output.last?.split(separator: " ", omittingEmptySubsequences: true))
    #expect(rerun[0] == ":check")
    // The listed entry runs as it is and fails the same way.
    let again = s.run(":check " + rerun[1])
    #expect(again.output.last == "FAILED (tol 1e-05, rtol 1e-05)")
    #expect(field("nan_points", of: r) == .integer(10))
  }

  @Test func checkOverStopsWhenCancelledAndChangesNothing() throws {
    let s = try session("f(x) = x^2")
    var calls = 0
    s.onProgress = { _ in
      calls += 1
      s.cancellation.cancel()
    }
    let r = s.run(":check f over x in [-1, 1] trials 100000000")
    #expect(!r.succeeded)
    #expect(r.error?.message == "interrupted; the session is as it was before this entry")
    #expect(calls == 1)
    #expect(s.run(":check f over x in [-1, 1] trials 3").succeeded)
  }

  @Test func timeReportsThreeMeasurementsAndTheSpeedUp() throws {
    let s = try session(":set time 0.01", "f(x) = sum(x^2)")
    let r = s.run(":time f(ones(50))")
    #expect(r.succeeded)
    #expect(r.output.count == 4)
    #expect(r.output[0].hasPrefix("forward             "))
    #expect(r.output[1].hasPrefix("forward + backward  "))
    #expect(r.output[2].hasPrefix("numerical gradient  "))
    #expect(r.output[3].hasPrefix("backprop is "))
    #expect(r.output[3].hasSuffix("than central differences (2n = 100 evaluations of f)"))
    #expect(field("evaluations", of: r) == .integer(100))
    #expect(number(field("speedup", of: r))! > 0)
  }

  /// A gradient of 200,000 coordinates is 400,000 evaluations, far past the budget: :time
  /// times central differences at a sample of coordinates and scales up, and says so.
  @Test func timeEstimatesTheNumericalGradientOfALargeArgument() throws {
    let s = try session(":set time 0.002", "f(w) = sum(tanh(w * 2))")
    let r = s.run(":time f(ones(200000))")
    #expect(r.succeeded)
    #expect(r.output.count == 4)
    #expect(r.output[2].hasPrefix("numerical gradient  ≈ "))
    #expect(r.output[2].hasSuffix(" of its 400000 evaluations)"))
    #expect(r.output[3].hasSuffix("than central differences (2n = 400000 evaluations of f)"))
    #expect(field("evaluations", of: r) == .integer(400_000))
    guard case .integer(let sampled)? = field("numerical_sampled_evaluations", of: r) else {
      Issue.record("no numerical_sampled_evaluations field")
      return
    }
    #expect(sampled >= 2 && sampled < 400_000 && sampled % 2 == 0)
    #expect(number(field("speedup", of: r))! > 0)
  }

  /// Progress comes while the measurements are calibrated, then round by round: each round
  /// is a run of each of the three measurements.
  @Test func timeReportsProgressRoundByRound() throws {
    let s = try session(":set time 0.3", "f(x) = sum(x^2)")
    var reports: [Progress] = []
    s.onProgress = { reports.append($0) }
    #expect(s.run(":time f(ones(50))").succeeded)
    // Nothing before 0.3 s; the later rounds of 7 are reported.
    let labels = reports.map(\.label)
    #expect(labels.contains(":time run 5/7 of each"), "\(labels)")
    #expect(labels.contains(":time run 7/7 of each"), "\(labels)")
    #expect(reports.allSatisfy { $0.completed <= $0.total })
    #expect(zip(reports, reports.dropFirst()).allSatisfy { $0.completed <= $1.completed })
    #expect(reports.last.map { $0.completed == $0.total } == true)
  }

  /// The three measurements take their runs in turn, so that a drift of the machine's speed
  /// reaches all of them: a body that slows down as the command goes on shows up in every
  /// measurement, not only in the last one.
  @Test func timeTakesTheRunsOfItsMeasurementsInTurn() throws {
    let s = try session()
    var order: [Int] = []
    let plans = [
      Session.TimingPlan(runs: 3, loops: 2, perCall: 0), Session.TimingPlan(runs: 3, loops: 1, perCall: 0),
      Session.TimingPlan(runs: 1, loops: 1, perCall: 0),
    ]
    let timings = try s.measureInTurn(plans, [{ order.append(0) }, { order.append(1) }, { order.append(2) }])
    // The single run of the third comes in the last round.
    #expect(order == [0, 0, 1, 0, 0, 1, 0, 0, 1, 2])
    #expect(timings.map(\.runs) == [3, 3, 1] && timings.map(\.loops) == [2, 1, 1])
  }

  @Test func jacobianAndHessian() throws {
    let s = try session("f(x) = x^2", "c(x) = sum(x^3)")
    let j = s.run(":jacobian f([1, 2])")
    #expect(j.output == ["f([1, 2]) = [1., 4.]", "J[f, x] (2, 2) =", "[[2., 0.],", " [0., 4.]]"])
    #expect(
      numbers(
        field("jacobian", of: j).flatMap { if case .object(let o) = $0 { o[0].1 } else { nil } })
        == [2, 0, 0, 4])
    let h = s.run(":hessian c([1, 2])")
    #expect(h.output == ["c([1, 2]) = 9.0", "H[c, x] (2, 2) =", "[[ 6.,  0.],", " [ 0., 12.]]"])
    #expect(s.run(":jacobian softmax([1, 2, 3])").output[1] == "J[softmax, x] (3, 3) =")
  }

  @Test func varsAndFuncsList() throws {
    let s = Session()
    #expect(s.run(":vars").output == ["no tensors yet; define one with  x = [1, 2, 3]"])
    #expect(s.run(":funcs").output == ["no functions yet; define one with  f(x) = x^2 * sin(x)"])
    _ = s.run("x = [1, 2, 3]")
    _ = s.run("M = eye(2)")
    _ = s.run("big = arange(1000)")
    _ = s.run("f(x) = x^2  *  sin(x)")
    #expect(
      s.run(":vars").output == [
        "name  shape    value",
        "M     (2, 2)   [[1., 0.], [0., 1.]]",
        "big   (1000,)  [0., 1., 2., …, 997., 998., 999.]",
        "x     (3,)     [1., 2., 3.]",
      ])
    #expect(s.run(":funcs").output == ["f(x) = x^2*sin(x)"])
  }

  @Test func delDeletesAllOrNothing() throws {
    let s = try session("x = 1", "y = 2", "f(a) = a + x")
    let bad = s.run(":del y, nope")
    #expect(bad.error?.message == "nothing named 'nope' to delete")
    #expect(s.tensors["y"] != nil)
    let good = s.run(":del x")
    #expect(good.output == ["deleted x"])
    #expect(good.diagnostics.map(\.message) == ["f still uses 'x'"])
    #expect(s.tensors["x"] == nil)
    #expect(s.run("f(1)").error?.message == "in f: unknown name 'x'")
    #expect(s.run(":del f, y").output == ["deleted f, y"])
    #expect(s.functions.isEmpty && s.tensors.isEmpty)
    #expect(s.run(":del sin").error?.message == "'sin' is a builtin function and cannot be deleted")
  }

  @Test func clearForgetsEverything() throws {
    let s = try session("x = 1", "f(a) = a")
    #expect(s.run(":clear").output == ["cleared 1 tensor and 1 function"])
    #expect(s.tensors.isEmpty && s.functions.isEmpty)
  }

  @Test func quitAsksTheFrontEndToLeave() {
    let r = Session().run(":quit")
    #expect(r.succeeded && r.isQuit)
    #expect(!Session().run("1").isQuit)
  }

  @Test func setChangesSettingsAndEchoes() throws {
    let s = Session()
    #expect(s.run(":set precision 3").output == ["precision = 3"])
    #expect(s.run("[1.23456, 2]").output == ["[1.235, 2.   ]"])
    #expect(s.run(":set trials 7").output == ["trials = 7"])
    _ = s.run("f(x) = x")
    #expect(s.run(":check f over x in [0, 1]").output[0].hasPrefix("7/7 passed"))
    #expect(s.run(":set tol 0.5").output == ["tol = 0.5"])
    #expect(s.settings.tolerance == 0.5)
    let bad = s.run(":set precision 2.5")
    #expect(bad.error?.message == "precision must be a whole number from 0 to 17, got '2.5'")
    #expect(s.settings.format.precision == 3)
    #expect(s.run(":set tol -1").error?.message == "tol must be a number ≥ 0, got '-1'")
    #expect(s.run(":set precison 3").error?.help?.hasPrefix("did you mean 'precision'?") == true)
  }

  static let commandNames = Command.catalog.map { String($0.name.dropFirst()) }

  @Test(arguments: commandNames)
  func helpOnEveryCommandHasAnExample(_ name: String) {
    let r = Session().run(":help \(name)")
    #expect(r.succeeded)
    #expect(r.output.first?.hasPrefix(":\(name) — ") == true)
    #expect(r.output.contains { $0 == "example:" || $0 == "examples:" })
    #expect(r.output.contains { $0.hasPrefix("  ∇> ") })
  }

  static let builtinNames = Builtin.all.keys.sorted()

  /// Each builtin's help runs its example, which must work in a fresh session.
  @Test(arguments: builtinNames)
  func helpOnEveryBuiltinRunsItsExample(_ name: String) throws {
    let r = Session().run(":help \(name)")
    #expect(r.succeeded)
    let example = try #require(Builtin.all[name]?.example)
    let fresh = Session().run(example)
    #expect(fresh.succeeded && fresh.diagnostics.isEmpty, "\(example): \(fresh.text())")
    let prompt = try #require(r.output.firstIndex(of: "  ∇> " + example))
    #expect(
      Array(r.output[(prompt + 1)...].suffix(fresh.output.count)) == fresh.output.map { "  " + $0 })
  }

  @Test(arguments: ["", "operators", "indexing", "functions", "constants", "settings", "pi", "nan"])
  func helpTopics(_ topic: String) {
    let r = Session().run(":help \(topic)")
    #expect(r.succeeded && r.diagnostics.isEmpty)
    #expect(r.output.count > 2)
  }

  @Test func helpOnANameThatIsACommandAndABuiltinShowsBoth() {
    let r = Session().run(":help dot")
    #expect(r.output.first == ":dot — write the graph as Graphviz DOT")
    #expect(r.output.contains("dot(a, b) — dot product of vectors, or the product of matrices"))
    #expect(!Session().run(":help :dot").output.contains { $0.hasPrefix("dot(a, b)") })
  }
}
