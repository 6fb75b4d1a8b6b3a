import NablaCore
import NablaLanguage
import Testing

@testable import NablaSession

/// NaN and Inf in the backward pass: `:grad` and `:check` say where a gradient first became
/// NaN or Inf (the node and the op whose rule made it), not only that it is.
@Suite struct NonFiniteGradientTests {
  func note(_ r: EntryResult) -> Diagnostic? {
    r.diagnostics.first { $0.severity == .note && $0.message.hasPrefix("the gradient first becomes") }
  }

  @Test func gradNamesTheOpAndTheNode() throws {
    let s = try session("f(x) = sqrt(x) * 3")
    let r = s.run(":grad f(0.0)")
    #expect(r.succeeded)
    let n = try #require(note(r))
    #expect(n.message == "the gradient first becomes inf passing back through sqrt at 'sqrt(x)', into 'x' (where x = 0.0)")
    #expect(n.help == "the derivative of sqrt, 1/(2·sqrt(x)), is infinite at 0")
  }

  @Test func theFirstPlaceIsNamedNotWhereItSpreads() throws {
    // inf from sqrt at 0 turns into nan at the subtraction (inf − inf): the note names sqrt.
    let s = try session("h(x) = x * 0 + sqrt(x - x)")
    let r = s.run(":grad h(1.0)")
    #expect(r.output.last == "∂h/∂x = nan")
    #expect(note(r)?.message == "the gradient first becomes inf passing back through sqrt at 'sqrt(x - x)', into 'x - x' (where x - x = 0.0)")
  }

  @Test func anElementOfATensorIsNamedWithItsIndex() throws {
    let s = try session("v = [[1, 4], [0, 9]]")
    let r = s.run(":grad sum(sqrt(v))")
    #expect(note(r)?.message == "the gradient first becomes inf passing back through sqrt at 'sqrt(v)', into 'v' (where v[1, 0] = 0.0)")
  }

  @Test func aValueAlreadyInfiniteIsSaid() throws {
    let s = try session("g(x) = sum(log(x) * 0)")
    let r = s.run(":grad g([1, 0, 2])")
    let n = try #require(note(r))
    #expect(n.message == "the gradient first becomes nan passing back through log at 'log(x)', into 'x' (where x[1] = 0.0)")
    #expect(n.help == "the value of log there is already -inf; the derivative of log, 1/x, is infinite at 0")
  }

  @Test func insideNestedFunctions() throws {
    let s = try session("inner(t) = t ^ 0.5", "outer(x) = inner(x - 1) + x")
    let r = s.run(":grad outer(1.0)")
    // The node inside inner is labelled with its text, its input with the argument's.
    #expect(note(r)?.message == "the gradient first becomes inf passing back through ^ at 't^0.5', into 'x - 1' (where x - 1 = 0.0)")
  }

  @Test func checkAtAPointSaysWhereBesideItsVerdict() throws {
    let s = try session("f(x) = sqrt(x) * 3")
    let r = s.run(":check f(0.0)")
    #expect(r.output.contains { $0.hasPrefix("FAILED") || $0.hasPrefix("not differentiable here") })
    #expect(note(r)?.message.contains("passing back through sqrt at 'sqrt(x)'") == true)
  }

  @Test func checkOverNamesTheFirstPointWithNaN() throws {
    let s = try session("f(x) = sqrt(abs(x) - 0.5)")
    let r = s.run(":check f over x in [-1, 1] trials 20 seed 3")
    let n = try #require(note(r))
    #expect(n.message.hasPrefix("the gradient first becomes nan passing back through sqrt at 'sqrt(abs(x) - 0.5)'"))
    #expect(n.message.contains("at the point x = "))
    // One note per entry, however many points are nan.
    #expect(r.diagnostics.filter { $0.message.hasPrefix("the gradient first becomes") }.count == 1)
  }

  @Test func finiteGradientsHaveNoNote() throws {
    let s = try session("f(x) = x^2 * sin(x)")
    #expect(note(s.run(":grad f(2.0)")) == nil)
    #expect(note(s.run(":check f(2.0)")) == nil)
  }
}
