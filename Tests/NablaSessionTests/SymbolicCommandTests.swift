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
