import NablaCore
import NablaLanguage

extension Session {
  /// An example a person can type, for each command.
  static let commandExamples: [String: [String]] = [
    ":grad": [":grad f(2.0)", ":grad loss(W, b) wrt W"],
    ":check": [":check f(2.0)", ":check f over x in [-10, 10] trials 1000 tol 1e-5", ":check h over x in [-10, 10]^(5,) trials 100"],
    ":time": [":time h2(rand(1000, seed: 0))"],
    ":diff": [":diff f", ":diff f as df"],
    ":jacobian": [":jacobian softmax([1, 2, 3])"],
    ":hessian": [":hessian f(2.0)"],
    ":graph": [":graph f(2.0)"],
    ":dot": [":dot f(2.0) > f.dot"],
    ":vars": [":vars"],
    ":funcs": [":funcs"],
    ":del": [":del x f"],
    ":clear": [":clear"],
    ":help": [":help grad", ":help softmax"],
    ":quit": [":quit"],
    ":save": [":save lecture.nabla", ":save! lecture.nabla"],
    ":load": [":load sessions/intro.nabla"],
    ":recover": [":recover"],
    ":set": [":set precision 4", ":set trials 10000"],
  ]

  func help(_ topic: Located<String>?, into result: inout EntryResult) throws(Diagnostic) {
    guard let topic, !topic.value.isEmpty else {
      result.print("Type an expression to evaluate it, x = expr to name a tensor, f(x) = expr to define a function.")
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
        result.print("  \(category.rawValue): " + names.joined(separator: " "))
      }
      result.print("constants: pi e inf nan true false")
      result.print("operators: + - * / ^ @ (matrix product), comparisons == != < <= > >=, x[i], W[:, 1:3]")
      result.print("")
      result.print(":help TOPIC shows one command or builtin, e.g. :help grad, :help softmax")
      return
    }
    let word = topic.value.trimmingPrefix(":")
    if let syntax = Command.catalog.first(where: { $0.name == ":" + word }) {
      result.print("\(syntax.name) — \(syntax.summary)")
      for usage in syntax.usages { result.print("  " + usage) }
      if let examples = Session.commandExamples[syntax.name] {
        result.print("examples:")
        for example in examples { result.print("  " + example) }
      }
      return
    }
    if let builtin = Builtin.all[String(word)] {
      result.print("\(builtin.signature) — \(builtin.summary)")
      result.print("example:")
      result.print("  " + builtin.example)
      return
    }
    let candidates = Command.catalog.map { String($0.name.dropFirst()) } + Array(Builtin.all.keys)
    let near = nearestNames(to: String(word), among: candidates)
    throw Diagnostic.error(
      "no help on '\(topic.value)'", at: topic.range,
      help: near.isEmpty ? ":help lists every command and builtin" : "did you mean " + near.map { "'\($0)'" }.joined(separator: " or ") + "?")
  }
}
