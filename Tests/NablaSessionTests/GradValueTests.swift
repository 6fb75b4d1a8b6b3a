import NablaCore
import NablaLanguage
import Testing

@testable import NablaSession

/// `grad(f)` as a value in expressions, against `:grad` and `:hessian`.
@Suite struct GradValueTests {
  @Test(arguments: [0.5, 2.0, -3.0])
  func gradOfFAgreesWithTheGradCommand(_ x: Double) throws {
    let s = try session("f(x) = x^2 * sin(x)")
    let byValue = s.run("grad(f)(\(x))")
    let command = s.run(":grad f(\(x))")
    guard case .object(let gradient)? = field("gradient", of: command) else {
      Issue.record("no gradient field")
      return
    }
    #expect(number(value(of: byValue)) == number(gradient[0].1))
  }

  @Test func secondDerivativeAgreesWithTheHessian() throws {
    let s = try session("f(x) = x^2 * sin(x)")
    let second = number(value(of: s.run("grad(grad(f))(2.0)")))!
    #expect(s.run(":hessian f(2.0)").output.last == "H[f, x] = \(second)")
    #expect(close(second, -5.147769546028503))
    // :grad of a function value differentiates it again.
    #expect(s.run(":grad grad(f)(2.0)").output.last == "∂grad(f)/∂x = -5.147769546028503")
  }

  @Test func gradWithRespectToANamedParameterUpdatesByHand() throws {
    let s = try session(
      "W = [[1.0, 2.0], [3.0, 4.0]]", "b = [0.5, -0.5]", "x = [1.0, -1.0]",
      "loss(W, b) = sum(tanh(x @ W + b) ^ 2)")
    let byValue = numbers(value(of: s.run("grad(loss, wrt: W)(W, b)")))
    guard case .object(let gradient)? = field("gradient", of: s.run(":grad loss(W, b) wrt W"))
    else {
      Issue.record("no gradient field")
      return
    }
    #expect(byValue == numbers(gradient[0].1))
    let before = s.tensors["W"]!.scalars
    #expect(s.run("W = W - 0.1 * grad(loss, wrt: W)(W, b)").succeeded)
    let after = s.tensors["W"]!.scalars
    for i in 0..<4 { #expect(close(after[i], before[i] - 0.1 * byValue[i])) }
    // By keyword, and with respect to b.
    #expect(numbers(value(of: s.run("grad(loss, wrt: b)(b: b, W: W)"))).count == 2)
  }

  @Test func partialDerivativeHoldsTheOtherArgumentFixed() throws {
    // g(a, b) = a * b at (x, 2x): ∂g/∂a = b = 2x, although b is computed from x.
    let s = try session("g(a, b) = a * b", "h(x) = grad(g)(x, 2 * x)")
    #expect(number(value(of: s.run("h(3.0)"))) == 6)
    #expect(number(value(of: s.run("grad(h)(3.0)"))) == 2)
  }

  @Test func assigningAGradientDefinesAFunction() throws {
    let s = try session("f(x) = x^2 * sin(x)", "df = grad(f)", "d2f = grad(df)")
    #expect(s.functions["df"]?.definition.description == "df(x) = grad(f)(x)")
    #expect(number(value(of: s.run("df(2.0)"))) == 1.9726023611141572)
    #expect(number(value(of: s.run("d2f(2.0)"))) == -5.147769546028503)
    #expect(s.tensors["df"] == nil)
    #expect(s.run("x = 1.0").succeeded)
    #expect(
      s.run("x = grad(f)").error?.message == "'x' is a tensor; choose another name for the function"
    )
  }

  @Test func theGraphLabelsTheDifferentiatedArgument() throws {
    let s = try session("f(x) = x^2 * sin(x)", "df = grad(f)")
    let r = s.run(":graph df(2.0)")
    #expect(r.output.contains { $0.hasPrefix("  #3 x ") && $0.contains("reshape") })
  }

  @Test func aBuiltinCanBeDifferentiated() throws {
    let s = Session()
    #expect(number(value(of: s.run("grad(sin)(0.0)"))) == 1)
  }

  @Test(arguments: [
    ("grad(x)(1.0)", "'x' is a tensor, not a function", 5),
    ("grad(nope)(1.0)", "unknown function 'nope'", 5),
    ("grad(f, wrt: y)(1.0)", "'y' is not a parameter of f", 13),
    (
      "grad(v)([1.0, 2.0])",
      "grad needs a function with one number as its value; v gives shape (2,)", 0
    ),
    ("grad(f)", "grad(f) is a function, not a value", 0),
    ("grad(f, 3)(1.0)", "grad takes one function", 8),
    ("f(1)(2)", "only a function can be called", 0),
    ("d(x) = grad(f, wrt: z)(x)", "'z' is not a parameter of f", 20),
  ])
  func errorsPointAtThePlace(_ entry: String, _ message: String, _ column: Int) throws {
    let s = try session("x = 1.0", "f(x) = x^2", "v(x) = x * 2")
    let r = s.run(entry)
    #expect(r.error?.message == message)
    #expect(r.error?.range.start == column)
    #expect(s.functions["d"] == nil)
  }
}
