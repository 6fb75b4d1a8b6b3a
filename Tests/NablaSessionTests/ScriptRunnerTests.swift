import NablaCore
import NablaLanguage
import Testing

@testable import NablaSession

/// Scripts: entries in order, stopping at the first error unless `keepGoing`, and the
/// `--json` object of each entry.
@Suite struct ScriptRunnerTests {
  /// Runs `text` as a file and returns what was written to stdout and stderr.
  func run(_ text: String, json: Bool = false, keepGoing: Bool = false) -> (
    ok: Bool, out: [String], err: [String]
  ) {
    var out: [String] = []
    var err: [String] = []
    var runner = ScriptRunner(
      session: Session(), write: { out.append($0) }, writeError: { err.append($0) })
    runner.json = json
    runner.keepGoing = keepGoing
    let (ok, _) = runner.run(SessionFile(parsing: text), fileName: "t.nabla")
    return (ok, out, err)
  }

  @Test func stopsAtTheFirstErrorUnlessKeepGoing() {
    let script = "1 + 1\nnope\n2 + 2\n"
    let stopped = run(script)
    #expect(!stopped.ok)
    #expect(stopped.out == ["2.0"])
    #expect(
      stopped.err == [
        "t.nabla:2:1: error: unknown name 'nope'\n  nope\n  ^~~~\n  help: define it first, for example: nope = [1, 2, 3]"
      ])
    let kept = run(script, keepGoing: true)
    #expect(!kept.ok)
    #expect(kept.out == ["2.0", "4.0"])
  }

  @Test func quitEndsTheScript() {
    let r = run("1\n:quit\n2\n")
    #expect(r.ok && r.out == ["1.0"])
  }

  @Test func jsonObjectOfAnExpression() {
    let r = run("x = [1, 2,\n  3]\nx * 2\n", json: true)
    #expect(
      r.out == [
        #"{"input":"x = [1, 2,\n  3]","line":1,"ok":true,"output":"","value":[1,2,3]}"#,
        #"{"input":"x * 2","line":3,"ok":true,"output":"[2., 4., 6.]","value":[2,4,6]}"#,
      ])
  }

  @Test func jsonObjectOfGrad() {
    let r = run("f(x, y) = x * sum(y)\n:grad f(2, [1, 2])\n", json: true)
    #expect(
      r.out.last
        == #"{"input":":grad f(2, [1, 2])","line":2,"ok":true,"output":"f(2, [1, 2]) = 6.0\n∂f/∂x = 3.0\n∂f/∂y (2,) = [2., 2.]","value":6,"gradient":{"x":3,"y":[2,2]}}"#
    )
  }

  @Test func jsonObjectOfCheck() {
    let r = run("f(x) = x^2\n:check f over x in [0, 1] trials 5\n", json: true)
    let line = r.out.last ?? ""
    #expect(line.contains(#""trials":5,"passed":5,"max_abs_error":"#))
    #expect(line.contains(#""max_rel_error":"#))
    #expect(line.contains(#""worst_point":{"x":"#))
  }

  @Test func jsonObjectOfAnErrorAndAWarning() {
    let r = run("1\n  expp(2)\nlog(-1)\n", json: true, keepGoing: true)
    #expect(r.err.isEmpty)
    #expect(
      r.out[1]
        == #"{"input":"  expp(2)","line":2,"ok":false,"output":"","error":{"message":"unknown function 'expp'","line":2,"column":3,"help":"did you mean 'exp'?","rendered":"t.nabla:2:3: error: unknown function 'expp'\n    expp(2)\n    ^~~~\n  help: did you mean 'exp'?"}}"#
    )
    #expect(
      r.out[2]
        == #"{"input":"log(-1)","line":3,"ok":true,"output":"nan","value":"nan","warnings":[{"message":"log produced nan","line":3,"column":1}]}"#
    )
  }

  @Test func jsonEncodesNumbersExactlyAndNonFiniteAsStrings() {
    #expect(
      JSONValue.tensor(shape: [3], scalars: [0.1, -.infinity, 2]).encoded() == #"[0.1,"-inf",2]"#)
    #expect(JSONValue.tensor(shape: [], scalars: [1e-300]).encoded() == "1e-300")
    #expect(JSONValue.string("a\"b\\\n\u{1}").encoded() == #""a\"b\\\n\u0001""#)
  }

  @Test func literalTextReadsBackAsTheSameTensor() throws {
    let t = try Tensor(shape: [2, 2], scalars: [0.1, -2.5e-08, 3, 1.0 / 3])
    let text = literalText(t)
    #expect(text == "[[0.1, -2.5e-08], [3.0, 0.3333333333333333]]")
    let s = Session()
    #expect(s.run("x = " + text).succeeded)
    #expect(s.tensors["x"] == t)
  }
}
