/// An expression that denotes a function rather than a tensor: a function's name, or
/// `grad` applied to one, any number of times.
///
///     f                        FunctionExpression(name: "f", gradients: [])
///     grad(f)                  ... gradients: [nil]               (first parameter)
///     grad(loss, wrt: W)       ... gradients: ["W"]
///     grad(grad(f))            ... gradients: [nil, nil]          (innermost first)
///
/// Only a call of such an expression is a value: `grad(f)(2.0)`. The shape of the
/// expression is checked here, once, for the evaluator and for definitions; whether the
/// names exist is checked by them.
public struct FunctionExpression: Sendable {
  /// The function at the core.
  public var name: String
  public var nameRange: SourceRange
  /// Each `grad` around it, innermost first, with the parameter its `wrt:` names (nil for the
  /// first parameter).
  public var gradients: [Located<String>?]
  /// The whole expression, as written.
  public var range: SourceRange

  /// The names that build functions out of functions.
  public static let transforms: Set<String> = ["grad"]

  /// Reads `expr` as a function, or says what is wrong with it.
  public init(_ expr: Expr) throws(Diagnostic) {
    range = expr.range
    var layers: [Located<String>?] = []
    var current = expr
    while true {
      switch current.kind {
      case .name(let name):
        self.name = name
        self.nameRange = current.range
        self.gradients = layers.reversed()
        return
      case .call("grad", _, let arguments):
        var function: Expr?
        var wrt: Located<String>?
        for argument in arguments {
          switch argument.label {
          case nil:
            guard function == nil else {
              throw Diagnostic.error(
                "grad takes one function", at: argument.value.range,
                help: "as in grad(loss, wrt: W)(W, b)")
            }
            function = argument.value
          case "wrt":
            guard case .name(let parameter) = argument.value.kind else {
              throw Diagnostic.error(
                "wrt: takes a parameter name", at: argument.value.range,
                help: "as in grad(loss, wrt: W)(W, b)")
            }
            wrt = Located(parameter, range: argument.value.range)
          case let label?:
            throw Diagnostic.error(
              "grad has no keyword argument '\(label)'",
              at: argument.labelRange ?? argument.value.range, help: "grad(f, wrt: x)")
          }
        }
        guard let function else {
          throw Diagnostic.error(
            "grad needs a function", at: current.range, help: "as in grad(f)(2.0)")
        }
        layers.append(wrt)
        current = function
      default:
        throw Diagnostic.error(
          "only a function can be called", at: current.range,
          help: "a function is a name or grad(f), as in grad(f)(2.0)")
      }
    }
  }

  /// `grad(f)`, `grad(loss, wrt: W)`: how the function reads in messages.
  public var description: String {
    var text = name
    for wrt in gradients {
      text = wrt.map { "grad(\(text), wrt: \($0.value))" } ?? "grad(\(text))"
    }
    return text
  }
}
