import Foundation
import NablaCore
import NablaLanguage
import Testing

/// No exponential blow-up: shared subexpressions are printed once, so the printed size grows
/// linearly with the function's.
@Suite struct SymbolicSizeTests {
  /// sin(sin(…sin(x)…)), `depth` deep.
  static func nestedSine(_ depth: Int) -> String {
    "f(x) = " + String(repeating: "sin(", count: depth) + "x" + String(repeating: ")", count: depth)
  }

  static func printedSize(_ source: String, functions: [String] = []) throws -> (
    Int, SymbolicDerivative
  ) {
    let d = try SymbolicDifferentiation.derivative(
      of: try definition(source), functions: try userFunctions(functions), tensors: [:])
    return (d.definitions.map(\.description).joined(separator: "\n").count, d)
  }

  @Test func thirtyDeepCompositionIsLinearAndFast() throws {
    let (size30, d30) = try Self.printedSize(Self.nestedSine(30))
    let (size60, _) = try Self.printedSize(Self.nestedSine(60))
    let (size120, _) = try Self.printedSize(Self.nestedSine(120))
    // Twice the depth, about twice the text (not 2^30 times).
    #expect(Double(size60) / Double(size30) < 2.3, "\(size30) → \(size60)")
    #expect(Double(size120) / Double(size60) < 2.3, "\(size60) → \(size120)")
    #expect(size30 < 2_500, "\(size30) characters")
    // The derivative is a product of cosines of the shared inner compositions.
    let last = d30.definitions.last!.description
    #expect(last.hasPrefix("df(x) = cos("))
    #expect(last.hasSuffix("*cos(x)"))
  }

  @Test func thirtyDeepCompositionEvaluates() throws {
    try checkSymbolic(SymbolicCase(Self.nestedSine(30)), trials: 2)
  }

  /// g(g(…g(x)…)) with g(u) = sin(u)*u: as a tree the body has 2^k copies of x, but the
  /// inlined graph shares each level, and so does the printed derivative.
  @Test func inlinedCallsShareTheirArguments() throws {
    let calls = (12, 24)
    func source(_ k: Int) -> String {
      "f(x) = " + String(repeating: "g(", count: k) + "x" + String(repeating: ")", count: k)
    }
    let (small, _) = try Self.printedSize(source(calls.0), functions: ["g(u) = sin(u)*u"])
    let (large, _) = try Self.printedSize(source(calls.1), functions: ["g(u) = sin(u)*u"])
    #expect(Double(large) / Double(small) < 2.5, "\(small) → \(large)")
    try checkSymbolic(
      SymbolicCase(source(calls.0), functions: ["g(u) = sin(u)*u"], low: -1, high: 1), trials: 2)
  }

  /// A long operator chain (deeper than any recursion could follow) is one flat sum.
  @Test func longChainsDoNotRecurse() throws {
    let body = (1...5000).map { "\($0 % 7)*x^\($0 % 5)" }.joined(separator: " + ")
    let (size, d) = try Self.printedSize("f(x) = " + body)
    #expect(d.definitions.count == 1)
    #expect(size < 200, "\(d.definitions[0])")
  }
}
