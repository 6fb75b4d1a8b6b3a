import NablaCore
import NablaLanguage

extension Session {
  /// For each command: a few lines on what it prints and its defaults, and examples a person
  /// can type into a fresh session, in order.
  static let commandHelp: [String: (details: [String], examples: [String])] = [
    ":grad": (
      [
        "Prints the value and the gradient with respect to each argument of the call (or only",
        "those named after wrt), with its shape. For an expression such as sum(x^2) the",
        "gradient is with respect to the session tensors it uses.",
        "In expressions, grad(f) is the gradient as a function, as in JAX: grad(f)(x) with",
        "respect to the first parameter, grad(loss, wrt: W)(W, b) to another, grad(grad(f))(x)",
        "the second derivative; f must give one number; df = grad(f) defines df(x). A step by",
        "hand: W = W - 0.1 * grad(loss, wrt: W)(W, b)  (:descend takes many).",
      ],
      [
        "f(x) = x^2 * sin(x)", ":grad f(2.0)",
        "x = [1, 2, 3]", "W = randn(3, 4, seed: 0)", "loss(W, b) = sum(tanh(x @ W + b) ^ 2)",
        ":grad loss(W, zeros(4)) wrt W", ":grad sum(x^2)", "grad(f)(2.0)",
        "W = W - 0.1 * grad(loss, wrt: W)(W, zeros(4))",
      ]
    ),
    ":check": (
      [
        "At a point: autodiff, numerical differentiation (Richardson-extrapolated central",
        "differences) and the symbolic derivative (:diff's) side by side, per argument: the",
        "pairwise errors |auto−num| |auto−sym| |num−sym|, the numerical error estimate and a",
        "verdict. With 'over': the same at random points drawn uniformly from each",
        "parameter's interval (a tensor parameter takes a shape after ^), with central",
        "differences; prints how many passed, the worst errors and point, the time, and up to",
        "3 failing points as :check entries to re-run. Defaults: trials 1000, tol 1e-5, rtol",
        "1e-5, seed 0 (see :help set). An element passes when |auto − num| ≤ tol + rtol·|num|",
        "(allowing for the numerical error estimate) and autodiff agrees with the symbolic",
        "derivative as closely. A point at or near a place where the derivative does not exist",
        "(relu or abs at 0, log at 0, tied maxima) is reported as such, not as a failure.",
      ],
      [
        "f(x) = x^2 * sin(x)", ":check f(2.0)", ":check f over x in [-10, 10] trials 1000 tol 1e-5",
        "h(x) = sum(x^3)", ":check h over x in [-10, 10]^(5,) trials 100 seed 7",
      ]
    ),
    ":time": (
      [
        "Times, %timeit style (mean ± std. dev. over runs of many loops), the forward pass,",
        "forward + backward, and the numerical gradient by central differences (2n",
        "evaluations for n inputs), and prints how much faster backprop is.",
        "Each of the three measurements lasts about 0.2 seconds (see :help set).",
      ],
      [
        "a = arange(1000) + 1", "h2(x) = sum(exp((x * log(a) - 2) / 3) ^ 2)",
        ":time h2(rand(1000, seed: 0))",
      ]
    ),
    ":diff": (
      [
        "The derivative of a session function, by reverse mode over its definition (calls of",
        "other functions inlined), simplified, printed as definitions that paste back as",
        "input: one per parameter (df, or df_dx and df_dy), or the one named with wrt.",
        "Subexpressions used more than once are defined first as helpers (df_1, df_2, ...), so",
        "the text grows linearly with the function. With 'as NAME' the derivative (and its",
        "helpers) are also defined. A tensor parameter's gradient is shaped like it, with",
        "broadcasting summed back explicitly (sum_to); the function is taken to be",
        "scalar-valued, as :grad needs (for an elementwise function, the result is the",
        "elementwise derivative). Notes (# lines) say where the derivative does not exist.",
      ],
      [
        "f(x) = x^2 * sin(x)", ":diff f", ":diff f as df", "df(2.0)",
        "g(s, v) = sum(s * v + s)", ":diff g wrt s",
      ]
    ),
    ":jacobian": (
      [
        "The matrix of ∂output[i]/∂input[j] for each argument, shaped (output shape + input",
        "shape). Meant for small inputs: at most 1000000 elements.",
      ],
      [":jacobian softmax([1, 2, 3])", "f(x) = x^2", ":jacobian f([1, 2])"]
    ),
    ":hessian": (
      [
        "The matrix of second derivatives of a scalar output (computed by differentiating the",
        "backward pass); for several arguments every block, mixed ones too (∂²f/∂x∂y). At",
        "most 1000 elements per argument.",
      ],
      ["f(x) = x^2 * sin(x)", ":hessian f(2.0)", "g(x) = sum(x^3)", ":hessian g([1, 2])"]
    ),
    ":plot": (
      [
        "Draws each function (of one number) and its derivative by autodiff over the range, in",
        "braille dots (ASCII where the locale is not UTF-8), as wide as the lines (linewidth;",
        "the terminal's width in the REPL) and plotheight rows high; each curve is named at its",
        "right end and in the legend. A vector-valued function plots its first 3 components.",
        "'error' plots |finite difference − autodiff| against the step h from 1e-1 to 1e-14,",
        "log–log, for central and forward differences: rounding error grows like ε/h to the",
        "left, truncation error like h² (h for forward) to the right; the step central",
        "differences choose, ∛ε·max(1, |x|) (as :check over does), is marked. In scripts and",
        "--json the plot is text and the numbers are fields.",
      ],
      [
        "f(x) = x^2 * sin(x)", ":plot f over x in [-3, 3]", "g(x) = tanh(x)",
        ":plot f, g over x in [-2, 2]", ":plot error f at 2.0",
      ]
    ),
    ":descend": (
      [
        "Gradient descent on the session tensors the loss is given by name (or those named after",
        "wrt): each step evaluates the loss, backpropagates and moves each tensor by −lr times",
        "its gradient (with momentum μ: v ← μv + gradient, p ← p − lr·v). The tensors are",
        "updated; the loss curve is plotted (log scale when it falls by 100x or more).",
        "Defaults: lr 0.1, steps 100, momentum 0. Ctrl-C, or a loss that becomes nan or inf,",
        "stops it with the tensors at the last good step (and :save records the steps taken).",
      ],
      [
        "w = [0.0, 0.0]", "loss(w) = sum((w - [3, -1])^2)", ":descend loss(w) lr 0.1 steps 50",
        "W = randn(2, 2, seed: 0)", "b = zeros(2)",
        "mse(W, b) = mean(([1, -1] @ W + b - [0.5, 0.25])^2)",
        ":descend mse(W, b) wrt W lr 0.3 steps 100 momentum 0.9",
      ]
    ),
    ":graph": (
      [
        "A full-screen pane on the graph of the call after its backward pass: inputs at the top,",
        "the output at the bottom, each node with its op, label, shape, value and gradient",
        "(colours grade the gradient's size). Arrows or hjkl move along edges, Enter shows a",
        "node in full, b steps through the backward pass, ? lists the keys, q returns. Calls of",
        "your functions can be collapsed into one box. Without a terminal it prints the nodes.",
      ],
      ["f(x) = x^2 * sin(x)", ":graph f(2.0)"]
    ),
    ":dot": (
      [
        "Writes the same graph as Graphviz DOT (PATH ending in .dot), or renders it to .svg,",
        ".png or .pdf with Graphviz's dot when it is installed (apt-get install graphviz).",
        "Calls of your functions become clusters. An existing file is replaced.",
      ],
      ["f(x) = x^2 * sin(x)", ":dot f(2.0) > f.dot", ":dot f(2.0) > f.svg"]
    ),
    ":vars": (
      ["Lists the session's tensors: name, shape and a short value."], ["x = [1, 2, 3]", ":vars"]
    ),
    ":funcs": (
      ["Lists the session's functions as they would be typed."], ["f(x) = x^2 * sin(x)", ":funcs"]
    ),
    ":del": (
      ["Deletes tensors and functions by name; nothing is deleted if one name is unknown."],
      ["x = [1, 2, 3]", "f(x) = x^2", ":del x, f"]
    ),
    ":clear": (["Deletes every tensor and function."], [":clear"]),
    ":help": (
      [
        "Topics: every command and builtin, and operators, indexing, functions, constants, settings."
      ],
      [":help grad", ":help softmax", ":help operators"]
    ),
    ":quit": (["Leaves Nabla (Ctrl-D does too). In a script, stops it there."], [":quit"]),
    ":save": ([], [":save lecture.nabla", ":save! lecture.nabla"]),
    ":load": ([], [":load sessions/intro.nabla"]),
    ":recover": ([], [":recover"]),
    ":set": ([], [":set precision 4", ":set trials 10000"]),
  ]

  /// Topics that are neither commands nor builtins: text, then examples run live.
  static let topicHelp: [String: (text: [String], examples: [String])] = [
    "operators": (
      [
        "operators, loosest first:",
        "  == != < <= > >=   comparisons, 1 or 0 (they do not chain)",
        "  + -               add, subtract (numpy broadcasting)",
        "  * / @             multiply, divide elementwise; @ is the matrix product",
        "  -x                negation",
        "  ^                 power, right-associative: 2^3^2 is 2^9, -2^2 is -4",
        "  f(x)  x[i]        calls and indexing",
      ],
      ["[[1, 2], [3, 4]] @ [1, 1] + 2^-1", "[1, 2, 3] * [[1], [2]]"]
    ),
    "indexing": (
      [
        "x[i] picks along the first axis (negative i counts from the end), W[i, j] one element,",
        "W[:, 1:3] a slice (start:stop:step, each part optional), x[::-1] reverses, x[..., 0]",
        "fills the middle axes. Indexing is differentiable: the gradient flows back to the",
        "picked elements.",
      ],
      ["W = reshape(arange(6), [2, 3])", "W[:, 1:3]", "W[-1, ::-1]"]
    ),
    "functions": (
      [
        "f(x, y) = body defines a function; the body may use its parameters, session tensors,",
        "builtins and other functions (not itself, directly or through others). Redefining",
        "replaces it. Calls take arguments by position or by name: f(1, y: 2).",
        "grad(f) is f's gradient as a function: grad(f)(x), grad(f, wrt: y)(x, y).",
      ],
      ["f(x, y) = x * sum(y^2)", "f(2, y: [1, 2])", "grad(f, wrt: y)(2, [1, 2])"]
    ),
    "constants": (["pi e inf nan true false; true is 1 and false is 0."], ["cos(pi)", "log(e)"]),
  ]

  /// An example for each constant.
  static let constantExamples: [String: String] = [
    "pi": "cos(pi)", "e": "log(e)", "inf": "exp(-inf)", "nan": "nan == nan", "true": "true + true",
    "false": "where(false, 1, 2)",
  ]

  func help(_ topic: Located<String>?, into result: inout EntryResult) throws(Diagnostic) {
    guard let topic, !topic.value.isEmpty else {
      result.print(
        "Type an expression to evaluate it, x = expr to name a tensor, f(x) = expr to define a function."
      )
      result.print(
        "An entry continues on the next line while a ( or [ is open; # starts a comment.")
      result.print("")
      result.print("commands:")
      let width = Command.catalog.map(\.name.count).max() ?? 8
      for syntax in Command.catalog {
        result.print("  " + pad(syntax.name, width) + "  " + syntax.summary)
      }
      result.print("")
      result.print("builtins:")
      for category in Builtin.Category.allCases {
        let names = Builtin.all.values.filter { $0.category == category }.map(\.name).sorted()
        for line in wrapWords(names, first: "  \(category.rawValue): ", indent: "    ", width: helpWidth) {
          result.print(line)
        }
      }
      result.print("constants: pi e inf nan true false")
      result.print(
        "operators: + - * / ^ @ (matrix product), comparisons == != < <= > >=, x[i], W[:, 1:3]")
      result.print("")
      result.print(":help TOPIC shows one command or builtin, e.g. :help grad, :help softmax;")
      result.print("other topics: operators, indexing, functions, constants, settings")
      return
    }
    let word = String(topic.value.trimmingPrefix(":"))
    let isCommand = topic.value.hasPrefix(":")
    var found = false
    if let syntax = Command.catalog.first(where: { $0.name == ":" + word }) {
      found = true
      result.print("\(syntax.name) — \(syntax.summary)")
      for usage in syntax.usages { result.print("  " + usage) }
      let help = Session.commandHelp[syntax.name]
      for line in help?.details ?? [] { result.print(line) }
      if syntax.name == ":set" { settingsHelp(into: &result) }
      if let examples = help?.examples, !examples.isEmpty {
        result.print(examples.count == 1 ? "example:" : "examples:")
        for example in examples { result.print("  ∇> " + example) }
      }
    }
    if !isCommand, let builtin = Builtin.all[word] {
      // `dot` is a builtin and a command: show both.
      if found { result.print("") }
      found = true
      result.print("\(builtin.signature) — \(builtin.summary)")
      runExamples([builtin.example], into: &result)
    }
    if !isCommand, !found, let value = Builtin.constants[word] {
      found = true
      result.print(
        "\(word) = \(formatScalar(value)), a constant (the constants are pi e inf nan true false)")
      runExamples([Session.constantExamples[word]!], into: &result)
    }
    if !isCommand, !found, let topic = Session.topicHelp[word] {
      found = true
      for line in topic.text { result.print(line) }
      runExamples(topic.examples, into: &result)
    }
    if !isCommand, !found, word == "settings" {
      found = true
      settingsHelp(into: &result)
    }
    if found { return }
    let candidates =
      Command.catalog.map { String($0.name.dropFirst()) } + Array(Builtin.all.keys)
      + Array(Session.topicHelp.keys)
    let near = nearestNames(to: word, among: candidates)
    throw Diagnostic.error(
      "no help on '\(topic.value)'", at: topic.range,
      help: near.isEmpty
        ? ":help lists every command and builtin"
        : "did you mean " + near.map { "'\($0)'" }.joined(separator: " or ") + "?")
  }

  /// Prints each example after a prompt, with what it gives in a fresh session.
  private func runExamples(_ examples: [String], into result: inout EntryResult) {
    result.print(examples.count == 1 ? "example:" : "examples:")
    let scratch = Session()
    scratch.settings = settings
    for example in examples {
      result.print("  ∇> " + example)
      for line in scratch.run(example).output { result.print("  " + line) }
    }
  }

  /// The width help text wraps to: the tensors' line width, which the REPL sets to the
  /// terminal's.
  private var helpWidth: Int { max(settings.format.lineWidth, 60) }

  /// Every setting with its current value and what it does.
  private func settingsHelp(into result: inout EntryResult) {
    result.print("settings (current value):")
    let width = Settings.names.map(\.count).max() ?? 8
    let values = Settings.names.map { settings.value(of: $0)! }
    let valueWidth = values.map(\.count).max() ?? 4
    for (name, value) in zip(Settings.names, values) {
      result.print(
        "  " + pad(name, width) + "  " + pad(value, valueWidth) + "  " + Settings.help[name]!)
    }
    let variables = Limits.settings.map(\.environment)
    result.print("the max… limits can also be set before start in the environment:")
    result.print("  " + variables.prefix(3).joined(separator: ", ") + ",")
    result.print("  " + variables.dropFirst(3).joined(separator: ", "))
  }
}
