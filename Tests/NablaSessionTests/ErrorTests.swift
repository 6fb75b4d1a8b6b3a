import NablaCore
import NablaLanguage
import Testing

@testable import NablaSession

/// One bad entry: what it says, the help under it, and the column of its caret.
struct ErrorCase: CustomTestStringConvertible, Sendable {
  var entry: String
  var message: String
  var help: String?
  var column: Int
  var testDescription: String { entry }
}

/// Every error path of `Session.run`, after the same setup.
@Suite struct ErrorTests {
  static let setup = [
    "x = [1, 2, 3]", "W = ones(2, 3)", "f(x) = x^2 * sin(x)", "g(x) = sum(x * [1, 2])",
    "h(x) = g(x) + 1",
    "k(x) = log(x) + 1", "a(x) = x + 1", "b(x) = a(x) * 2", "v(x) = 2 * x",
  ]

  static let cases: [ErrorCase] = [
    // unknown names suggest the nearest defined names
    .init(
      entry: "expp(x)", message: "unknown function 'expp'", help: "did you mean 'exp'?", column: 1),
    .init(entry: "xx + 1", message: "unknown name 'xx'", help: "did you mean 'x'?", column: 1),
    .init(entry: "fo(2)", message: "unknown function 'fo'", help: "did you mean 'f'?", column: 1),
    .init(
      entry: "foo + 1", message: "unknown name 'foo'",
      help: "define it first, for example: foo = [1, 2, 3]", column: 1),
    .init(
      entry: ":grad ff(1)", message: "unknown function 'ff'", help: "did you mean 'f'?", column: 7),
    .init(
      entry: "f + 1", message: "'f' is a function, not a value", help: "call it: f(x)", column: 1),
    .init(entry: "x(1)", message: "'x' is a tensor, not a function", column: 1),
    // arity and keywords list what is accepted
    .init(entry: "f(1, 2)", message: "'f' takes 1 argument (x), got 2", column: 1),
    .init(entry: "f()", message: "'f' takes 1 argument (x), got 0", column: 1),
    .init(
      entry: "f(y: 2)", message: "'f' has no parameter 'y'", help: "its parameters are x", column: 3
    ),
    .init(
      entry: "sum(x, axs: 0)", message: "sum has no keyword argument 'axs'",
      help: "sum(x, axis: none, keepdims: false)", column: 8),
    .init(
      entry: "sum(x, 0, 1, 2)", message: "sum takes at most 3 arguments, got 4",
      help: "sum(x, axis: none, keepdims: false)", column: 14),
    .init(
      entry: "softmax()", message: "softmax is missing its argument 'x'",
      help: "softmax(x, axis: -1)", column: 1),
    .init(
      entry: "ones(2, 3, seed: 1)", message: "ones has no keyword argument 'seed'",
      help: "ones(shape)", column: 12),
    .init(
      entry: "sum(x, axis: 0.5)", message: "'axis' of sum must be an integer, got 0.5", column: 14),
    // shape errors name the op and both shapes, at the subexpression
    .init(entry: "[1, 2, 3] + [1, 2]", message: "cannot broadcast (3,) with (2,) in +", column: 1),
    .init(
      entry: "1 + W @ [1, 2] * 2",
      message: "cannot multiply (2, 3) by (2,) in @: inner dimensions differ", column: 5),
    .init(
      entry: "reshape(x, [2, 2])", message: "cannot reshape (3,) (3 elements) to (2, 2)", column: 1),
    .init(entry: "x[3]", message: "index 3 is out of range for axis 0 of size 3", column: 1),
    .init(
      entry: "g(x)", message: "in g: cannot broadcast (3,) with (2,) in *",
      help: "g is defined as\n  g(x) = sum(x * [1, 2])\n             ^~~~~~~~~~", column: 1),
    .init(
      entry: "h(x)", message: "in h → g: cannot broadcast (3,) with (2,) in *",
      help: "g is defined as\n  g(x) = sum(x * [1, 2])\n             ^~~~~~~~~~", column: 1),
    .init(entry: "x = x + [1, 2]", message: "cannot broadcast (3,) with (2,) in +", column: 5),
    // ragged literals
    .init(
      entry: "[[1, 2], [3]]",
      message: "ragged tensor literal: element 2 has shape (1,), element 1 has (2,)",
      help: "every element of a tensor literal must have the same shape", column: 10),
    .init(
      entry: "[x, [1, 2]]",
      message: "ragged tensor literal: element 2 has shape (2,), element 1 has (3,)",
      help: "every element of a tensor literal must have the same shape", column: 5),
    // recursion, directly and through another function
    .init(
      entry: "r(x) = r(x) + 1", message: "r would call itself (r → r); recursion is not supported",
      column: 8),
    .init(
      entry: "a(x) = b(x)", message: "a would call itself (a → b → a); recursion is not supported",
      column: 8),
    // definitions are checked when they are made
    .init(
      entry: "c(x) = d(x)", message: "unknown function 'd' in the body of c",
      help: "define d first, for example: d(x) = x^2", column: 8),
    .init(
      entry: "c(x) = x + y", message: "unknown name 'y' in the body of c",
      help: "use a parameter, or define the tensor first, for example: y = [1, 2, 3]", column: 12),
    .init(entry: "c(x) = f(x, 1)", message: "'f' takes 1 argument (x), got 2", column: 8),
    .init(
      entry: "c(x) = sum(x, axs: 1)", message: "sum has no keyword argument 'axs'",
      help: "sum(x, axis: none, keepdims: false)", column: 15),
    .init(
      entry: "x(y) = y", message: "'x' is a tensor; choose another name for the function",
      help: "or delete the tensor first with :del x", column: 1),
    .init(
      entry: "sin = 1", message: "'sin' is a builtin function and cannot be reassigned", column: 1),
    .init(entry: "pi = 3", message: "'pi' is a constant and cannot be reassigned", column: 1),
    .init(
      entry: "f = 2", message: "'f' is a function; delete it first with :del f to reuse the name",
      column: 1),
    .init(
      entry: "log(x) = x", message: "'log' is a builtin function and cannot be redefined", column: 1
    ),
    .init(
      entry: "q(sin) = sin", message: "parameter 'sin' hides the builtin 'sin'",
      help: "choose another name", column: 3),
    // commands
    .init(
      entry: ":grad f([1, 2])",
      message: ":grad needs a scalar output, but f([1, 2]) has shape (2,)",
      help: "use :jacobian f([1, 2]), or reduce it, e.g. sum(f([1, 2]))", column: 7),
    .init(
      entry: ":grad f(1) wrt y", message: "f has no parameter 'y'", help: "its parameters are x",
      column: 16),
    .init(
      entry: ":grad sum(x^2) wrt W", message: "sum(x^2) does not use 'W'",
      help: "it uses the session tensor x", column: 20),
    .init(
      entry: ":grad 2 * 3",
      message:
        ":grad needs a function call such as f(2.0), or an expression of session tensors such as sum(x^2)",
      help: "define a function first, for example: f(x) = x^2 * sin(x)", column: 7),
    .init(
      entry: ":time f", message: ":time needs a call of f with its arguments",
      help: "as in :time f(2.0)", column: 7),
    .init(
      entry: ":check f over y in [0, 1]", message: "f has no parameter 'y'",
      help: "its parameters are x", column: 15),
    .init(
      entry: ":check b over z in [0, 1], x in [0, 1]", message: "b has no parameter 'z'",
      help: "its parameters are x", column: 15),
    .init(
      entry: ":check f over x in [0, 1], x in [0, 2]", message: "'x' has two domains", column: 28),
    .init(
      entry: ":check ff over x in [0, 1]", message: "unknown function 'ff'",
      help: "did you mean 'f'?", column: 8),
    .init(
      entry: ":check v over x in [0, 1]^(3,)",
      message: ":check needs a scalar output, but v gives shape (3,)",
      help: "define a scalar function and check that, e.g. v_sum(x) = sum(v(x))", column: 8),
    .init(
      entry: ":hessian v([1, 2])",
      message: ":hessian needs a scalar output, but v([1, 2]) has shape (2,)",
      help: "use :jacobian v([1, 2]), or reduce it, e.g. sum(v([1, 2]))", column: 10),
    .init(
      entry: ":hessian sum(ones(1001) * 2)",
      message:
        "the Hessian with respect to x would be 1001×1001 (limit 1000 elements per argument)",
      help: ":hessian is for small inputs", column: 10),
    .init(
      entry: ":del nope", message: "nothing named 'nope' to delete",
      help: ":vars and :funcs list what there is", column: 6),
    .init(entry: ":del x x", message: "'x' is named twice", column: 8),
    .init(
      entry: ":help gard", message: "no help on 'gard'", help: "did you mean 'grad'?", column: 7),
    .init(
      entry: ":set foo 1", message: "unknown setting 'foo'",
      help: "settings: precision, threshold, linewidth, trials, tol, rtol, time, plotheight, maxelements, maxnodes, maxsymbolic, maxnesting, maxentry",
      column: 6),
    // parse errors, and an entry that ends inside a bracket
    .init(entry: "1 +", message: "expected an expression after '+'", column: 4),
    .init(
      entry: "y = [1,\n2,", message: "expected an expression after ','",
      help: "the '[' at line 1, column 5 is never closed with ']'", column: 3),
    .init(
      entry: String(repeating: "(", count: 300) + "1" + String(repeating: ")", count: 300),
      message: "expression nested too deeply (limit 200)",
      help: "split it into smaller definitions", column: 201),
  ]

  @Test(arguments: cases)
  func errorSaysWhatAndWhere(_ c: ErrorCase) throws {
    let s = try session(Self.setup)
    let r = s.run(c.entry)
    let error = try #require(r.error, "\(c.entry) did not fail: \(r.text())")
    #expect(error.message == c.message)
    #expect(error.help == c.help)
    #expect(column(of: error, in: r) == c.column)
    #expect(r.output.isEmpty)
  }

  /// A failing entry leaves the tensors, functions, settings and history as they were.
  @Test(
    arguments: cases.map(\.entry) + [":set precision 99", ":del x, nope", "x = [1, 2] @ [1, 2, 3]"])
  func failingEntryChangesNothing(_ entry: String) throws {
    let s = try session(Self.setup)
    let tensors = s.tensors
    let functions = s.functions.mapValues(\.definition)
    let history = s.history
    let precision = s.settings.format.precision
    #expect(!s.run(entry).succeeded)
    #expect(s.tensors.keys.sorted() == tensors.keys.sorted())
    #expect(s.tensors.allSatisfy { tensors[$0.key] == $0.value })
    #expect(s.functions.mapValues(\.definition) == functions)
    #expect(s.history == history)
    #expect(s.settings.format.precision == precision)
  }

  @Test(arguments: [
    ("log(-1)", "log produced nan", "log is nan below 0 and -inf at 0"),
    ("0/0", "'/' produced nan", "x/0 is ±inf and 0/0 is nan"),
    ("1/0", "'/' produced inf", "x/0 is ±inf and 0/0 is nan"),
    ("-1/0", "'/' produced -inf", "x/0 is ±inf and 0/0 is nan"),
    ("sqrt([-4, 4])", "sqrt produced nan in 1 of 2 elements", "sqrt is nan below 0"),
    ("exp(1000)", "exp produced inf", "exp overflows to inf above about 709.78"),
    (
      "(-8)^(1/3)", "'^' produced nan",
      "a negative base to a non-integer power is nan, and 0 to a negative power is inf"
    ),
    (
      "k(-1)", "in k: log produced nan",
      "k is defined as\n  k(x) = log(x) + 1\n         ^~~~~~\nlog is nan below 0 and -inf at 0"
    ),
  ])
  func nanAndInfAreWarningsNamingTheOp(_ entry: String, _ message: String, _ help: String) throws {
    let s = try session(Self.setup)
    let r = s.run(entry)
    #expect(r.succeeded)
    #expect(r.diagnostics.count == 1)
    #expect(r.diagnostics.first?.severity == .warning)
    #expect(r.diagnostics.first?.message == message)
    #expect(r.diagnostics.first?.help == help)
  }

  @Test func nestingAHundredThousandDeepIsAnError() throws {
    let s = Session()
    for (open, close) in [("(", ")"), ("[", "]"), ("f(", ")")] {
      let text =
        String(repeating: open, count: 100_000) + "1" + String(repeating: close, count: 100_000)
      let r = s.run(text)
      #expect(r.error?.message == "expression nested too deeply (limit 200)")
    }
    #expect(
      s.run(String(repeating: "-", count: 100_000) + "1").error?.message
        == "expression nested too deeply (limit 200)")
    // A chain of operators is not nesting: it evaluates however long it is.
    let chain = Array(repeating: "1", count: 100_000).joined(separator: "+")
    #expect(s.run(chain).output == ["100000.0"])
    #expect(s.run("1 + 1").output == ["2.0"])
  }

  @Test func redefiningAFunctionWarnsItsCallersOfANewArity() throws {
    let s = try session("h(x, y) = x * y", "u(x) = h(x, 1)")
    let r = s.run("h(x) = x")
    #expect(r.succeeded)
    #expect(r.diagnostics.map(\.message) == ["u calls h with 2 arguments, but h now takes 1"])
  }

  @Test func gradientsWithNanOrInfAreFlagged() throws {
    let s = try session("s(x) = sqrt(x)")
    let r = s.run(":grad s(0)")
    #expect(r.output == ["s(0) = 0.0", "∂s/∂x = inf"])
    #expect(
      r.diagnostics.map(\.message) == [
        "∂s/∂x is inf",
        "the gradient first becomes inf passing back through sqrt at 'sqrt(x)', into 'x' (where x = 0.0)",
      ])
  }
}
