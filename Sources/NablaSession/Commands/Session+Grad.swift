import NablaCore
import NablaLanguage

extension Session {
  /// `:grad f(args) [wrt a, b]`: the value and the gradient with respect to each argument.
  func grad(_ expr: Expr, wrt: [Located<String>], into result: inout EntryResult) throws {
    let target = try callTarget(expr, source: result.source, command: ":grad")
    let selected = try selectParameters(wrt, of: target)
    let leaves = target.leaves()
    let y = try target.evaluate(self, leaves)
    guard y.value.count == 1 else {
      throw Diagnostic.error(
        ":grad needs a scalar output, but \(target.text) has shape \(formatShape(y.shape))", at: expr.range,
        help: "use :jacobian \(target.text), or reduce it, e.g. sum(\(target.text))")
    }
    let gradients = try backward(from: y)
    result.print(labelled(target.text, y.value))
    var fields: [(String, JSONValue)] = []
    for i in selected {
      let g = gradients[leaves[i]].value
      result.print(labelled("∂\(target.name)/∂\(target.parameters[i])", g, showShape: true))
      fields.append((target.parameters[i], .tensor(shape: g.shape, scalars: g.scalars)))
    }
    result.fields.append(("value", .tensor(shape: y.shape, scalars: y.value.scalars)))
    result.fields.append(("gradient", .object(fields)))
  }

  /// `name = value` on one line, or `name (shape) =` followed by the value's lines.
  func labelled(_ name: String, _ value: Tensor, showShape: Bool = false) -> String {
    let text = value.formatted(settings.format)
    let shape = showShape && value.rank > 0 ? " \(formatShape(value.shape))" : ""
    if !text.contains("\n") && name.count + shape.count + text.count + 3 <= settings.format.lineWidth {
      return "\(name)\(shape) = \(text)"
    }
    return "\(name)\(shape) =\n\(text)"
  }

  /// `:jacobian f(args)`: the Jacobian with respect to each argument (small inputs).
  func jacobianCommand(_ expr: Expr, into result: inout EntryResult) throws {
    let target = try callTarget(expr, source: result.source, command: ":jacobian")
    let y0 = try target.evaluate(self, target.arguments.map { Variable($0) })
    result.print(labelled(target.text, y0.value))
    var fields: [(String, JSONValue)] = []
    for (i, parameter) in target.parameters.enumerated() {
      let size = y0.value.count * target.arguments[i].count
      guard size <= 1_000_000 else {
        throw Diagnostic.error(
          "the Jacobian with respect to \(parameter) would have \(size) elements (limit 1000000)", at: expr.range)
      }
      let j = try NablaCore.jacobian(at: target.arguments[i]) { (x: Variable) throws(Diagnostic) -> Variable in
        var inputs = target.arguments.map { Variable($0) }
        inputs[i] = x
        return try target.evaluate(self, inputs)
      }
      result.print(labelled("J[\(target.name), \(parameter)]", j, showShape: true))
      fields.append((parameter, .tensor(shape: j.shape, scalars: j.scalars)))
    }
    result.fields.append(("value", .tensor(shape: y0.shape, scalars: y0.value.scalars)))
    result.fields.append(("jacobian", .object(fields)))
  }

  /// `:hessian f(args)`: the Hessian of a scalar function with respect to each argument.
  func hessianCommand(_ expr: Expr, into result: inout EntryResult) throws {
    let target = try callTarget(expr, source: result.source, command: ":hessian")
    let y0 = try target.evaluate(self, target.arguments.map { Variable($0) })
    guard y0.value.count == 1 else {
      throw Diagnostic.error(
        ":hessian needs a scalar output, but \(target.text) has shape \(formatShape(y0.shape))", at: expr.range)
    }
    result.print(labelled(target.text, y0.value))
    var fields: [(String, JSONValue)] = []
    for (i, parameter) in target.parameters.enumerated() {
      let n = target.arguments[i].count
      guard n <= 1000 else {
        throw Diagnostic.error(
          "the Hessian with respect to \(parameter) would be \(n)×\(n) (limit 1000 elements per argument)",
          at: expr.range)
      }
      let h = try NablaCore.hessian(at: target.arguments[i]) { (x: Variable) throws(Diagnostic) -> Variable in
        var inputs = target.arguments.map { Variable($0) }
        inputs[i] = x
        return try target.evaluate(self, inputs)
      }
      result.print(labelled("H[\(target.name), \(parameter)]", h, showShape: true))
      fields.append((parameter, .tensor(shape: h.shape, scalars: h.scalars)))
    }
    result.fields.append(("value", .tensor(shape: y0.shape, scalars: y0.value.scalars)))
    result.fields.append(("hessian", .object(fields)))
  }
}
