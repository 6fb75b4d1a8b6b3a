import Foundation
import NablaCore
import NablaLanguage
import Testing

@testable import NablaSession

/// The resource limits (Limits.swift): each refuses its input with one clear error before
/// the work starts, leaves the session as it was, and can be changed with `:set` or the
/// environment.
@Suite struct ResourceLimitTests {
  /// Runs `entry` in `s`, which must fail without changing `s`; returns the error. (Each of
  /// these entries would take minutes or all the memory if the work started.)
  func refused(_ entry: String, in s: Session) throws -> Diagnostic {
    let tensors = s.tensors.keys.sorted()
    let functions = s.functions.keys.sorted()
    let history = s.history.count
    let r = s.run(entry)
    #expect(s.tensors.keys.sorted() == tensors && s.functions.keys.sorted() == functions && s.history.count == history)
    return try #require(r.error, "\(entry) did not fail")
  }

  // MARK: Tensor size

  @Test(arguments: [
    ("zeros(100000, 100000)", "zeros would make a tensor of shape (100000, 100000), 10000000000 elements"),
    ("ones([100000, 100000])", "ones would make a tensor of shape (100000, 100000), 10000000000 elements"),
    ("rand(1e6, 1e6, seed: 0)", "rand would make a tensor of shape (1000000, 1000000), 1000000000000 elements"),
    ("eye(100000)", "eye would make a tensor of shape (100000, 100000), 10000000000 elements"),
    ("arange(1e9)", "arange would make a tensor of shape (1000000000,), 1000000000 elements"),
    ("linspace(0, 1, num: 1e9)", "linspace would make a tensor of shape (1000000000,), 1000000000 elements"),
    ("ones(100000, 1) + ones(1, 100000)", "+ would make a tensor of shape (100000, 100000), 10000000000 elements"),
    ("ones(100000, 1) @ ones(1, 100000)", "@ would make a tensor of shape (100000, 100000), 10000000000 elements"),
    ("broadcast_to(1, [100000, 100000])", "broadcast_to would make a tensor of shape (100000, 100000), 10000000000 elements"),
    ("zeros(4294967296, 4294967296)", "zeros would make a tensor of shape (4294967296, 4294967296), more than 9223372036854775807 elements"),
    ("zeros(0, 1e12)", "zeros would make a tensor of shape (0, 1000000000000), with an axis of 1000000000000"),
  ])
  func tensorTooLargeIsRefusedBeforeAllocating(entry: String, message: String) throws {
    let error = try refused(entry, in: Session())
    #expect(error.message == message + "; the limit is 100000000 elements per tensor")
    #expect(error.help == "raise the limit with :set maxelements N (or NABLA_MAX_ELEMENTS)")
  }

  @Test func tensorLimitIsASetting() throws {
    let s = try session(":set maxelements 100")
    #expect(s.run("zeros(10, 10)").succeeded)
    let error = try refused("x = zeros(10, 11)", in: s)
    #expect(error.message == "zeros would make a tensor of shape (10, 11), 110 elements; the limit is 100 elements per tensor")
    // Inside a function and a gradient too.
    try #require(s.run("f(x) = sum(x * ones(101))").succeeded)
    #expect(try refused(":grad f(1.0)", in: s).message.hasPrefix("in f: ones would make a tensor of shape (101,)"))
  }

  @Test func checkOverADomainTooLargeIsRefused() throws {
    let s = try session("f(x) = sum(x)")
    let error = try refused(":check f over x in [0, 1]^(100000, 100000) trials 1", in: s)
    #expect(error.message.hasPrefix("the domain of 'x' would make a tensor of shape (100000, 100000)"))
  }

  // MARK: Graph nodes

  /// f0(x) = x * x, f1(x) = f0(f0(x)), …: each level doubles the work.
  func doubling(_ levels: Int) throws -> Session {
    var entries = ["f0(x) = x * x"]
    for i in 1...levels { entries.append("f\(i)(x) = f\(i - 1)(f\(i - 1)(x))") }
    return try session(entries)
  }

  @Test func exponentialCallsAreRefusedBeforeEvaluating() throws {
    let s = try doubling(40)
    for entry in ["f40(2.0)", ":grad f40(2.0)", "y = f40(1)", ":check f40(0.5)", ":check f40 over x in [0, 1] trials 3"] {
      let error = try refused(entry, in: s)
      #expect(error.message.contains("operations (graph nodes); the limit is 10000000"), "\(entry): \(error.message)")
    }
    #expect(try refused("f40(2.0)", in: s).message == "this would evaluate 6597069766655 operations (graph nodes); the limit is 10000000")
    // Small enough levels run.
    #expect(s.run(":grad f10(1.0)").succeeded)
  }

  @Test func nodeLimitIsASetting() throws {
    let s = try session(":set maxnodes 10")
    #expect(s.run("1 + 2 + 3 + 4 + 5").succeeded)
    let error = try refused("1 + 2 + 3 + 4 + 5 + 6", in: s)
    #expect(error.message == "this would evaluate 11 operations (graph nodes); the limit is 10")
    #expect(error.help == "split it into several entries, or raise the limit with :set maxnodes N (or NABLA_MAX_NODES)")
  }

  @Test func operationCountInlinesCallsOncePerCall() throws {
    let f = try Parser.parseEntry("f(x) = x * x + 1")
    let g = try Parser.parseEntry("g(x) = f(f(x)) * f(x)")
    guard case .definition(let fd) = f, case .definition(let gd) = g else { Issue.record("not definitions"); return }
    var counter = OperationCount(functions: ["f": UserFunction(fd), "g": UserFunction(gd)])
    #expect(counter.operations(ofFunction: "f") == 5)
    // g's own nodes: *, three calls, two x.
    #expect(counter.operations(ofFunction: "g") == 6 + 3 * 5)
    #expect(counter.operations(in: try Parser.parseExpression("g(1) + g(2)")) == 5 + 2 * 21)
  }

  @Test func longChainsOfFunctionsAreCountedWithoutRecursion() throws {
    var functions: [String: UserFunction] = [:]
    for i in 0..<20_000 {
      let body = i == 0 ? "x + 1" : "f\(i - 1)(x) + 1"
      guard case .definition(let d) = try Parser.parseEntry("f\(i)(x) = \(body)") else { continue }
      functions[d.name] = UserFunction(d)
    }
    var counter = OperationCount(functions: functions)
    #expect(counter.operations(ofFunction: "f19999") == 3 + 19_999 * 4)
  }

  // MARK: Nesting and length

  @Test func nestingLimitIsASetting() throws {
    let s = try session(":set maxnesting 3")
    #expect(s.run("(((1)))").succeeded)
    #expect(try refused("((((1))))", in: s).message == "expression nested too deeply (limit 3)")
    // Deeper than a debug build's stack allows is not a value :set takes.
    #expect(s.run(":set maxnesting 1000").error?.message == "maxnesting must be a whole number from 1 to 500, got '1000'")
  }

  @Test func theDeepestNestingAllowedRuns() throws {
    let s = try session(":set maxnesting 500")
    for (open, close) in [("(", ")"), ("[", "]"), ("sum(", ")")] {
      let entry = String(repeating: open, count: 500) + "1" + String(repeating: close, count: 500)
      let r = s.run(entry)
      #expect(r.succeeded, "\(open): \(r.error?.message ?? "")")
      #expect(s.run(open + entry + close).error?.message == "expression nested too deeply (limit 500)")
    }
  }

  @Test func entryLengthIsASetting() throws {
    let s = try session(":set maxentry 10")
    #expect(s.run("1 + 2").succeeded)
    let error = try refused("1 + 2 + 3 + 4", in: s)
    #expect(error.message == "this entry is 13 bytes long; the limit is 10")
    #expect(error.help == "split it into several entries, or raise the limit with :set maxentry N (or NABLA_MAX_ENTRY)")
  }

  @Test func megabyteEntryOverTheLimitIsRefusedAtOnce() throws {
    let s = try session(":set maxentry 1000000")
    let entry = "x = " + String(repeating: "1", count: 2_000_000)
    let error = try refused(entry, in: s)
    #expect(error.message == "this entry is 2000004 bytes long; the limit is 1000000")
  }

  // MARK: Settings and the environment

  @Test func limitsAreSettingsLikeTheOthers() throws {
    let s = Session()
    for name in Limits.names {
      #expect(Settings.names.contains(name))
      #expect(Settings.help[name] != nil)
    }
    #expect(s.run(":set maxelements 1e6").output == ["maxelements = 1000000"])
    #expect(s.settings.limits.maximumElements == 1_000_000)
    #expect(s.run(":set maxelements 0").error?.message == "maxelements must be a whole number from 1 to 2000000000, got '0'")
    #expect(s.run(":set maxnodes 2.5").error?.message == "maxnodes must be a whole number from 1 to 1000000000000, got '2.5'")
    #expect(s.run(":set maxsymbolic 50").output == ["maxsymbolic = 50"])
  }

  @Test func environmentSetsTheLimits() {
    let environment = [
      "NABLA_MAX_ELEMENTS": "1000", "NABLA_MAX_NODES": " 2e6 ", "NABLA_MAX_NESTING": "501",
      "NABLA_MAX_ENTRY": "many",
    ]
    let (limits, warnings) = Limits.reading { environment[$0] }
    #expect(limits.maximumElements == 1000)
    #expect(limits.maximumNodes == 2_000_000)
    #expect(limits.maximumNesting == 200)
    #expect(limits.maximumEntryLength == 10_000_000)
    #expect(limits.maximumSymbolicSize == 100_000)
    #expect(warnings == [
      "NABLA_MAX_NESTING='501' is not a whole number from 1 to 500; using 200",
      "NABLA_MAX_ENTRY='many' is not a whole number from 1 to 1000000000; using 10000000",
    ])
  }

  @Test func environmentReachesAProcess() throws {
    // The limits of the process this test runs in come from its environment.
    let expected = Limits.reading { ProcessInfo.processInfo.environment[$0] }.limits
    #expect(Session().settings.limits == expected)
  }

  @Test func limitsApplyToTheCoreOnlyInsideTheSession() throws {
    #expect(throws: TensorError.tooLarge(op: "zeros", shape: [11], limit: 10)) {
      try TensorLimits.$maximumElementCount.withValue(10) { try Tensor.zeros([11]) }
    }
    #expect(try Tensor.zeros([11]).count == 11)
  }
}
