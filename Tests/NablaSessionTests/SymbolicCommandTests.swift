import Foundation
import NablaCore
import NablaLanguage
import Testing

@testable import NablaSession

/// `:diff`, and how `:check`, `:grad` and `:hessian` use and report derivatives.
@Suite struct SymbolicCommandTests {
  static let nested = "f(x) = sin(sin(sin(sin(sin(sin(sin(sin(x))))))))"

  @Test func diffHelpersNeverTakeAUsersFunction() throws {
    let s = try session("df_1(x) = 42", Self.nested)
    let r = s.run(":diff f as df")
    #expect(r.succeeded)
    #expect(s.run("df_1(0)").output == ["42.0"])
    // The helpers skip the user's name, and the derivative still evaluates.
    #expect(!r.output.contains { $0.hasPrefix("df_1(") })
    #expect(r.output.contains { $0.hasPrefix("df_2(") })
    #expect(s.run("df(0)").output == ["1.0"])
  }

  @Test func diffAsTheSameNameReplacesItsOwnHelpers() throws {
    let s = try session(Self.nested, "g(x) = x^2")
    #expect(s.run(":diff f as df").succeeded)
    let helpers = s.functions.keys.filter { $0.hasPrefix("df_") }
    #expect(!helpers.isEmpty)
    #expect(s.run(":diff g as df").succeeded)
    #expect(s.functions.keys.filter { $0.hasPrefix("df_") }.isEmpty)
    #expect(s.run("df(3)").output == ["6.0"])
    // Again over the same function: the same helper names, nothing left over.
    #expect(s.run(":diff f as df").succeeded)
    #expect(s.run(":diff f as df").succeeded)
    #expect(Set(s.functions.keys.filter { $0.hasPrefix("df_") }) == Set(helpers))
    // A helper the user redefines is theirs: a later :diff leaves it alone.
    #expect(s.run("df_1(x) = 7").succeeded)
    #expect(s.run(":diff g as df").succeeded)
    #expect(s.run("df_1(0)").output == ["7.0"])
  }

  @Test func funcsSortsNumbersByValue() throws {
    let s = try session("h_10(x) = x", "h_2(x) = x", "h_1(x) = x", "h(x) = x", "a(x) = x")
    #expect(
      s.run(":funcs").output == ["a(x) = x", "h(x) = x", "h_1(x) = x", "h_2(x) = x", "h_10(x) = x"])
  }
}

extension SymbolicCommandTests {
  @Test func printedMatmulDerivativesHoldForEveryRank() throws {
    let s = try session(
      "l3(A, B) = sum(A @ B)", "A = randn(2, 3, 4, seed: 1)", "B = randn(4, 5, seed: 2)",
      "v = randn(4, seed: 3)")
    let diff = s.run(":diff l3 wrt B as dB")
    #expect(diff.succeeded)
    let printed = s.run("dB(A, B)")
    #expect(printed.succeeded, "\(printed.error?.message ?? "")")
    let grad = s.run(":grad l3(A, B) wrt B")
    #expect(numbers(value(of: printed)) == numbers(field("gradient", of: grad).flatMap {
      if case .object(let o) = $0 { o[0].1 } else { nil }
    }))
    #expect(s.run(":diff l3 wrt A as dA").succeeded)
    for (a, b) in [("A", "B"), ("v", "B"), ("A", "v"), ("v", "v"), ("transpose(B)", "v")] {
      let r = s.run(":check l3(\(a), \(b))")
      #expect(r.output.last == "passed (tol 1e-05, rtol 1e-05)", "l3(\(a), \(b)): \(r.output)")
      #expect(number(field("max_abs_error_symbolic", of: r)).map { $0 < 1e-12 } == true)
      #expect(s.run("dA(\(a), \(b))").succeeded && s.run("dB(\(a), \(b))").succeeded)
    }
  }

  @Test func checkAtLogsSingularityIsNotDifferentiableHere() throws {
    let s = try session("fl(x) = log(x)")
    let r = s.run(":check fl(0)")
    #expect(r.succeeded)
    #expect(r.output.contains { $0.hasSuffix("✗ not differentiable here") })
    #expect(!r.output.contains { $0.contains("FAILED") })
    #expect(field("not_differentiable", of: r) == .bool(true))
    // Off the function's domain it is still a failure (nan there is no singularity).
    #expect(s.run(":check fl(-1)").output.last == "FAILED (tol 1e-05, rtol 1e-05)")
  }

  @Test func gradNotesAKinkOrSingularityAtThePoint() throws {
    let s = try session("fa(x) = abs(x)", "r(x) = relu(x)", "m(x) = max(x)", "fl(x) = log(x)")
    let kink = s.run(":grad fa(0)")
    #expect(
      kink.output == [
        "fa(0) = 0.0", "∂fa/∂x = 0.0",
        "note: the point is at the kink of abs(x) at x = 0, where the derivative does not exist; the value is the one autodiff uses there",
      ])
    #expect(field("singularities", of: kink) == .array([.string("the kink of abs(x) at x = 0")]))
    #expect(s.run(":grad fa(1)").output == ["fa(1) = 1.0", "∂fa/∂x = 1.0"])
    #expect(s.run(":grad r(0.)").output.last?.hasPrefix("note: the point is at the kink of relu(x)") == true)
    #expect(s.run(":grad m([1, 3, 3])").output.last?.hasPrefix("note: the point is at tied elements of max(x)") == true)
    #expect(s.run(":grad m([1, 2, 3])").output.count == 2)
    // An infinite gradient is flagged as such already (a warning names log).
    #expect(s.run(":grad fl(0)").output == ["fl(0) = -inf", "∂fl/∂x = inf"])
  }

  @Test func diffStopsWhenCancelledAndChangesNothing() throws {
    var setup = ["g0(x) = sin(x)*x"]
    for k in 1...15 { setup.append("g\(k)(x) = g\(k - 1)(g\(k - 1)(x))") }
    let s = try session(setup)
    let before = s.functions.count
    let cancellation = s.cancellation
    Thread.detachNewThread {
      Thread.sleep(forTimeInterval: 0.3)
      cancellation.cancel()
    }
    let r = s.run(":diff g15 as dg")
    #expect(r.error?.message == "interrupted; the session is as it was before this entry")
    #expect(s.functions.count == before)
  }
}

extension SymbolicCommandTests {
  @Test func hessianOfSeveralArgumentsHasEveryBlock() throws {
    let s = try session("q2(x, y) = x^2 * y", "q(x, y) = sum(x^2 * y)")
    let r = s.run(":hessian q2(1., 2.)")
    #expect(
      r.output == [
        "q2(1., 2.) = 2.0", "∂²q2/∂x² = 4.0", "∂²q2/∂x∂y = 2.0", "∂²q2/∂y∂x = 2.0",
        "∂²q2/∂y² = 0.0",
      ])
    guard case .object(let h)? = field("hessian", of: r) else {
      Issue.record("no hessian field")
      return
    }
    #expect(h.map(\.0) == ["x", "x,y", "y,x", "y"])
    #expect(h.map { number($0.1) } == [4, 2, 2, 0])
    // Tensor arguments: blocks of shape x.shape + y.shape.
    let t = s.run(":hessian q([1, 2], 3)")
    #expect(t.output.contains("∂²q/∂x∂y (2,) = [2., 4.]"))
    #expect(t.output.contains("∂²q/∂y∂x (2,) = [2., 4.]"))
    // One argument: as before.
    #expect(try session("c(x) = sum(x^3)").run(":hessian c([1, 2])").output[1] == "H[c, x] (2, 2) =")
  }
}

extension SymbolicCommandTests {
  @Test func numpyKeywordAliases() throws {
    let s = Session()
    #expect(s.run("full([2], fill_value: 3)").output == ["[3., 3.]"])
    #expect(s.run("clip([-1, 0.5, 5], a_min: 0, a_max: 1)").output == ["[0. , 0.5, 1. ]"])
    #expect(s.run("reshape(arange(6), newshape: [2, 3])").output == ["[[0., 1., 2.],", " [3., 4., 5.]]"])
    // In definitions, :grad and :diff too (derivatives are printed with Nabla's names).
    #expect(s.run("f(x) = sum(clip(x, a_min: 0, a_max: 1) * full(shape(x), fill_value: 2))").succeeded)
    #expect(s.run(":grad f([-1, 0.5, 5])").output.last == "∂f/∂x (3,) = [0., 2., 0.]")
    #expect(s.run(":diff f").succeeded)
    #expect(
      s.run(":grad clip(0.5, a_min: 0, a_max: 1)").output.dropFirst() == [
        "∂clip/∂x = 1.0", "∂clip/∂lo = 0.0", "∂clip/∂hi = 0.0",
      ])
    #expect(s.run("full([2], fill: 3)").error?.message == "full has no keyword argument 'fill'")
  }
}
