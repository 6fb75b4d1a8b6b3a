import NablaCore
import NablaLanguage
import Testing

@testable import NablaSession

/// Inputs the fuzzer found (scripts/fuzz, FuzzTests), each reduced by hand to the entries
/// that matter, with what went wrong before the fix. Each must now give a clear error or a
/// correct result, and pass the fuzz harness's invariants.
@Suite struct FuzzRegressionTests {
  /// Runs the entries through the harness (which checks its invariants), then in a fresh
  /// session, returning each entry's result.
  @discardableResult
  func replay(_ entries: [String]) throws -> [EntryResult] {
    try FuzzHarness.run(entries.joined(separator: "\n"))
    let s = Session()
    return entries.map { s.run($0) }
  }

  /// `:diff` of a matrix product with an operand indexed past its rank crashed symbolic
  /// differentiation (a negative rank made an invalid range in the rule of `@`).
  @Test(arguments: ["3[1] @ x", "x @ 3[1]", "3[1, 100] @ tan(zeros(-1) - -x)"])
  func matmulOfAnOverIndexedScalar(body: String) throws {
    let results = try replay(["f(x) = \(body)", ":diff f", ":grad f(2.0)"])
    #expect(results[0].succeeded)
    #expect(results[2].error?.message.contains("too many indices") == true)
  }
}
