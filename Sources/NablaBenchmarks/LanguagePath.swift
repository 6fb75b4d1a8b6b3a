import NablaCore
import NablaLanguage
import NablaSession

/// The "language" path: the five workloads typed as Nabla entries into a `Session`, the way
/// a person would set them up, then differentiated the way the session's commands do it.
///
/// Preparation (untimed) runs the entries that build the inputs and define the functions
/// through `Session.run`, and parses each command (`:grad h2(x)`) once. The timed call then
/// does what `:grad` does after parsing: a fresh `Evaluator` over the session's tensors and
/// functions evaluates the call's arguments, binds leaves labelled with the parameter names,
/// evaluates the function body through the evaluator (recording the graph), and runs
/// `backward`. Formatting the printed output is not part of the timed call.
///
/// The inputs are built with the language (`sin(0.7 * arange(n) + phase)`), so they may
/// differ from `Inputs` in the last bit; the reference checks hold them to 1e-10 all the same.
enum LanguagePath {
  static func prepare(_ id: String) -> (() throws -> Prepared)? {
    switch id {
    case "W1": return w1
    case "W2": return w2
    case "W3": return w3
    case "W4": return w4
    case "W5": return w5
    default: return nil
    }
  }

  /// W1: `h2(x) = sum(exp((x * log(a) - 2) / 3) ^ 2)`; also the numerical gradient as `:time`
  /// computes it (central differences through the evaluator on constants, one working
  /// buffer), with the workload's step 1e-6 instead of `:time`'s default step.
  static func w1() throws -> Prepared {
    let notebook = try Notebook([
      "a = arange(1000) + 1",
      "x = linspace(0, 1, 1000)",
      "h2(x) = sum(exp((x * log(a) - 2) / 3) ^ 2)",
    ])
    let grad = try notebook.gradEntry(":grad h2(x)")
    let numeric = { () throws -> Outcome in
      let (function, arguments) = try grad.target()
      let g = try NumericalDifferentiation.gradient(
        of: { x in
          var evaluator = notebook.evaluator()
          return try evaluator.call(function, arguments: [Variable(x)], at: grad.range).value.scalars[0]
        }, at: arguments[0], method: .central, step: Inputs.eps, estimateTruncation: false)
      return [g.gradient]
    }
    return Prepared(
      call: grad.call,
      secondary: [
        Secondary(
          name: "numeric", call: numeric,
          check: { primary, secondary in maxRelativeDifference(secondary[0], primary[1]) },
          tolerance: 1e-6)
      ])
  }

  /// W2: the MLP, with the max-shifted logsumexp written out through helper functions so
  /// that each intermediate is computed once (arguments are evaluated once per call).
  static func w2() throws -> Prepared {
    let notebook = try Notebook([
      "X = reshape(sin(0.7 * arange(64 * 784)), [64, 784])",
      "Y = concat([eye(10), eye(10), eye(10), eye(10), eye(10), eye(10), eye(10)[0:4]], axis: 0)",
      "W1 = reshape(0.05 * sin(0.7 * arange(784 * 128) + 1), [784, 128])",
      "b1 = 0.1 * sin(0.7 * arange(128) + 2)",
      "W2 = reshape(0.1 * sin(0.7 * arange(128 * 10) + 3), [128, 10])",
      "b2 = 0.1 * sin(0.7 * arange(10) + 4)",
      "xent(z, m) = -sum(Y * (z - (m + log(sum(exp(z - m), axis: 1, keepdims: true))))) / 64",
      "loss_of(z) = xent(z, max(z, axis: 1, keepdims: true))",
      "loss(W1, b1, W2, b2) = loss_of(tanh(X @ W1 + b1) @ W2 + b2)",
    ])
    return Prepared(call: try notebook.gradEntry(":grad loss(W1, b1, W2, b2)").call)
  }

  /// W3: one step as a function, composed 5·5·5·5·4 = 2500 times (the language has no loop).
  static func w3() throws -> Prepared {
    let notebook = try Notebook([
      "step(x) = x * 1.0001 + sin(x) * 1e-3",
      "s5(x) = step(step(step(step(step(x)))))",
      "s25(x) = s5(s5(s5(s5(s5(x)))))",
      "s125(x) = s25(s25(s25(s25(s25(x)))))",
      "s625(x) = s125(s125(s125(s125(s125(x)))))",
      "chain(x) = s625(s625(s625(s625(x))))",
    ])
    return Prepared(call: try notebook.gradEntry(":grad chain(0.5)").call)
  }

  /// W4: 1000 checks of `f(x) = log(x^2 + 1) * sin(x) + exp(-x^2)`; each one a value and
  /// gradient through the evaluator and `backward`, and f at x ± 1e-6 on constants.
  static func w4() throws -> Prepared {
    let notebook = try Notebook(["f(x) = log(x^2 + 1) * sin(x) + exp(-x^2)"])
    let function = try notebook.function("f")
    let eps = Inputs.eps
    return Prepared(call: {
      var sum = 0.0
      var maxDiff = 0.0
      for x in Inputs.xs4 {
        var evaluator = notebook.evaluator()
        let leaf = Variable.leaf(Tensor(x), label: "x")
        let y = try evaluator.call(function, arguments: [leaf])
        let g = try backward(from: y)[leaf].value.scalars[0]
        var constants = notebook.evaluator()
        let fp = try constants.call(function, arguments: [Variable(Tensor(x + eps))]).value.scalars[0]
        let fm = try constants.call(function, arguments: [Variable(Tensor(x - eps))]).value.scalars[0]
        let d = Swift.abs(g - (fp - fm) / (2 * eps))
        guard d < Inputs.tol4 else {
          throw BenchmarkError.gradientCheck(x: x, autodiff: g, difference: d)
        }
        maxDiff = Swift.max(maxDiff, d)
        sum += g
      }
      return [Tensor(sum), Tensor(maxDiff)]
    })
  }

  /// W5: `z(A, b, c) = sum(tanh(A + b) * c)`.
  static func w5() throws -> Prepared {
    let notebook = try Notebook([
      "A = reshape(sin(0.7 * arange(512 * 512) + 5), [512, 512])",
      "b = sin(0.7 * arange(512) + 6)",
      "c = reshape(sin(0.7 * arange(512) + 7), [512, 1])",
      "z(A, b, c) = sum(tanh(A + b) * c)",
    ])
    return Prepared(call: try notebook.gradEntry(":grad z(A, b, c)").call)
  }
}

/// A session set up by typing entries, and what its commands need from it.
struct Notebook {
  let session = Session()

  /// Runs each entry through `Session.run`; any diagnostic is an error.
  init(_ entries: [String]) throws {
    for entry in entries {
      let result = session.run(entry)
      guard result.succeeded else {
        throw LanguagePathError.entryFailed(entry, result.renderedDiagnostics())
      }
    }
  }

  /// A fresh evaluator over the session's names, as each command makes one.
  func evaluator() -> Evaluator {
    Evaluator(tensors: session.tensors, functions: session.functions)
  }

  func function(_ name: String) throws -> UserFunction {
    guard let f = session.functions[name] else { throw LanguagePathError.noFunction(name) }
    return f
  }

  /// Parses a `:grad f(args)` entry once.
  func gradEntry(_ text: String) throws -> GradEntry {
    guard case .command(.grad(let expr, _)) = try Parser.parseEntry(text),
      case .call(let name, _, let arguments) = expr.kind
    else { throw LanguagePathError.notAGradCall(text) }
    return GradEntry(
      notebook: self, function: try function(name), arguments: arguments.map(\.value),
      range: expr.range)
  }
}

/// A parsed `:grad f(args)` of a session function.
struct GradEntry {
  let notebook: Notebook
  let function: UserFunction
  let arguments: [Expr]
  let range: SourceRange

  /// The function and its argument values (the arguments' expressions evaluated as constants).
  func target() throws -> (UserFunction, [Tensor]) {
    var evaluator = notebook.evaluator()
    var values: [Tensor] = []
    for a in arguments { values.append(try evaluator.evaluate(a).value) }
    return (function, values)
  }

  /// What `:grad` computes: the value, then the gradient with respect to each parameter.
  func call() throws -> Outcome {
    let (function, values) = try target()
    let leaves = zip(values, function.parameters).map { Variable.leaf($0, label: $1) }
    var evaluator = notebook.evaluator()
    let y = try evaluator.call(function, arguments: leaves, at: range)
    let gradients = try backward(from: y)
    return [y.value] + leaves.map { gradients[$0].value }
  }
}

enum LanguagePathError: Error, CustomStringConvertible {
  case entryFailed(String, String)
  case noFunction(String)
  case notAGradCall(String)

  var description: String {
    switch self {
    case .entryFailed(let entry, let message): "entry failed: \(entry)\n\(message)"
    case .noFunction(let name): "no session function \(name)"
    case .notAGradCall(let text): "not a :grad of a session function call: \(text)"
    }
  }
}
