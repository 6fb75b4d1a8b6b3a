import NablaCore
import NablaLanguage

/// What a derivative command differentiates: a function, the point it is called at, and the
/// text of each argument. `:grad f(2.0)` targets the session function f; `:grad sin(x)`
/// targets a one-parameter function wrapping the builtin, whose keyword arguments stay fixed.
struct CallTarget {
  /// The function of the tensor arguments.
  var function: UserFunction
  /// The argument values, one per parameter.
  var arguments: [Tensor]
  /// The call as written (`f(2.0)`).
  var text: String
  var range: SourceRange

  var name: String { function.name }
  var parameters: [String] { function.parameters }

  /// Evaluates the function with recording on the given leaves (or constants).
  func evaluate(_ session: Session, _ inputs: [Variable], labels: Bool = false) throws(Diagnostic) -> Variable {
    var evaluator = session.makeEvaluator(labels: labels)
    return try evaluator.call(function, arguments: inputs, at: range)
  }

  /// Leaves for the arguments, labelled with the parameter names.
  func leaves() -> [Variable] {
    zip(arguments, parameters).map { Variable.leaf($0, label: $1) }
  }
}

extension Session {
  /// Resolves `expr`, which must be a call, into a target; `command` names the command in
  /// errors.
  func callTarget(_ expr: Expr, source: SourceText, command: String) throws(Diagnostic) -> CallTarget {
    guard case .call(let name, let nameRange, let arguments) = expr.kind else {
      throw Diagnostic.error(
        "\(command) needs a function call such as f(2.0)", at: expr.range,
        help: "define a function first, for example: f(x) = x^2 * sin(x)")
    }
    var evaluator = makeEvaluator()
    if let function = functions[name] {
      // Evaluate the arguments as constants, in the parameters' order.
      var slots = [Tensor?](repeating: nil, count: function.parameters.count)
      var position = 0
      for argument in arguments {
        let index: Int
        if let label = argument.label {
          guard let i = function.parameters.firstIndex(of: label) else {
            throw Diagnostic.error(
              "'\(name)' has no parameter '\(label)'", at: argument.labelRange ?? expr.range,
              help: "its parameters are \(function.parameters.joined(separator: ", "))")
          }
          index = i
        } else {
          index = position
          position += 1
        }
        guard index < slots.count else {
          throw Diagnostic.error(
            "'\(name)' takes \(slots.count) argument\(slots.count == 1 ? "" : "s") (\(function.parameters.joined(separator: ", "))), got \(arguments.count)",
            at: expr.range)
        }
        slots[index] = try evaluator.evaluate(argument.value).value
      }
      guard slots.allSatisfy({ $0 != nil }) else {
        throw Diagnostic.error(
          "'\(name)' takes \(slots.count) argument\(slots.count == 1 ? "" : "s") (\(function.parameters.joined(separator: ", "))), got \(arguments.count)",
          at: expr.range)
      }
      return CallTarget(
        function: function, arguments: slots.map { $0! }, text: source[expr.range], range: expr.range)
    }
    if let builtin = Builtin.all[name] {
      // Tensor arguments become parameters; everything else stays as written.
      var parameters: [String] = []
      var values: [Tensor] = []
      var newArguments: [Expr.Argument] = []
      var position = 0
      for argument in arguments {
        let parameter: Builtin.Parameter? =
          argument.label.flatMap { l in builtin.parameters.first { $0.name == l } }
          ?? (argument.label == nil && position < builtin.parameters.count ? builtin.parameters[position] : nil)
        if argument.label == nil { position += 1 }
        if let parameter, parameter.kind == .tensor {
          let p = parameter.name
          parameters.append(p)
          values.append(try evaluator.evaluate(argument.value).value)
          newArguments.append(Expr.Argument(label: argument.label, labelRange: nil, value: .name(p)))
        } else {
          newArguments.append(argument)
        }
      }
      guard !parameters.isEmpty else {
        throw Diagnostic.error("\(name)(…) has no tensor argument to differentiate", at: expr.range)
      }
      let body = Expr.call(name, arguments: newArguments)
      let definition = FunctionDefinition(name: name, parameters: parameters, body: body)
      return CallTarget(function: UserFunction(definition), arguments: values, text: source[expr.range], range: expr.range)
    }
    throw Diagnostic.error(
      "unknown function '\(name)'", at: nameRange, help: evaluator.suggestion(for: name, functionsOnly: true))
  }

  /// The indices of the parameters named after `wrt` (all when empty).
  func selectParameters(
    _ wrt: [Located<String>], of target: CallTarget
  ) throws(Diagnostic) -> [Int] {
    if wrt.isEmpty { return Array(target.parameters.indices) }
    var result: [Int] = []
    for name in wrt {
      guard let i = target.parameters.firstIndex(of: name.value) else {
        throw Diagnostic.error(
          "\(target.name) has no parameter '\(name.value)'", at: name.range,
          help: "its parameters are \(target.parameters.joined(separator: ", "))")
      }
      result.append(i)
    }
    return result
  }
}
