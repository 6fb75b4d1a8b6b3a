import NablaCore
import NablaLanguage

extension Session {
  /// `:grad f(args) [wrt a, b]`: the value and the gradient with respect to each argument.
  func grad(_ expr: Expr, wrt: [Located<String>], into result: inout EntryResult) throws {
    let target = try callTarget(expr, source: result.source, command: ":grad")
    let selected = try selectParameters(wrt, of: target)
    let leaves = target.leaves()
    let y = try target.evaluate(self, leaves, warnings: &result.diagnostics)
    guard y.value.count == 1 else {
      throw Diagnostic.error(
        ":grad needs a scalar output, but \(target.text) has shape \(formatShape(y.shape))",
        at: expr.range,
        help: "use :jacobian \(target.text), or reduce it, e.g. sum(\(target.text))")
    }
    let gradients = try backward(from: y)
    result.print(labelled(target.text, y.value))
    var fields: [(String, JSONValue)] = []
    var finite = true
    for i in selected {
      let g = gradients[leaves[i]].value
      let label = target.derivativeLabel(target.parameters[i])
      result.print(labelled(label, g, showShape: true))
      fields.append((target.parameters[i], .tensor(shape: g.shape, scalars: g.scalars)))
      warnIfNotFinite(g, label, at: expr.range, into: &result)
      finite = finite && g.scalars.allSatisfy(\.isFinite)
    }
    noteNonFiniteGradients(target, gradients, selected.map { leaves[$0] }, at: expr.range, into: &result)
    // At a kink or a tie the value printed is a convention (autodiff's), not a derivative.
    // (An infinite or nan gradient, as at log's or sqrt's 0, is flagged above already.)
    let at = finite ? singularitiesAt(target) : []
    if !at.isEmpty {
      result.print(
        "note: the point is at \(SymbolicColumn.describe(at)), where the derivative does not exist; the value is the one autodiff uses there"
      )
    }
    result.fields.append(("value", .tensor(shape: y.shape, scalars: y.value.scalars)))
    result.fields.append(("gradient", .object(fields)))
    if !at.isEmpty {
      result.fields.append(("singularities", .array(at.map { .string($0.description) })))
    }
  }

  /// Flags a derivative with nan or inf, unless the value itself already was.
  func warnIfNotFinite(
    _ t: Tensor, _ label: String, at range: SourceRange, into result: inout EntryResult
  ) {
    guard t.scalars.contains(where: { !$0.isFinite }) else { return }
    let nans = t.scalars.count { $0.isNaN }
    let infs = t.scalars.count { $0.isInfinite }
    var parts: [String] = []
    if nans > 0 { parts.append("nan") }
    if infs > 0 { parts.append("inf") }
    let place = t.count == 1 ? "" : " in \(nans + infs) of \(t.count) elements"
    result.diagnostics.append(
      Diagnostic(
        .warning, "\(label) is \(parts.joined(separator: " and "))\(place)", at: range,
        help: "the derivative does not exist there, or overflowed (sqrt and abs at 0, log at 0, …)")
    )
  }

  /// `name = value` on one line, or `name (shape) =` followed by the value's lines.
  func labelled(_ name: String, _ value: Tensor, showShape: Bool = false) -> String {
    let text = value.formatted(settings.format)
    let shape = showShape && value.rank > 0 ? " \(formatShape(value.shape))" : ""
    if !text.contains("\n")
      && name.count + shape.count + text.count + 3 <= settings.format.lineWidth
    {
      return "\(name)\(shape) = \(text)"
    }
    return "\(name)\(shape) =\n\(text)"
  }

  /// `:jacobian f(args)`: the Jacobian with respect to each argument (small inputs).
  func jacobianCommand(_ expr: Expr, into result: inout EntryResult) throws {
    let target = try callTarget(expr, source: result.source, command: ":jacobian")
    var warnings: [Diagnostic] = []
    let y0 = try target.evaluate(self, target.arguments.map { Variable($0) }, warnings: &warnings)
    for (parameter, argument) in zip(target.parameters, target.arguments) {
      let size = y0.value.count * argument.count
      guard size <= 1_000_000 else {
        throw Diagnostic.error(
          "the Jacobian with respect to \(parameter) would have \(size) elements (limit 1000000)",
          at: expr.range,
          help: ":jacobian is for small inputs; :grad gives the gradient of a scalar output")
      }
    }
    var matrices: [Tensor] = []
    for i in target.parameters.indices {
      if cancellation.isCancelled { throw Cancelled() }
      matrices.append(
        try NablaCore.jacobian(at: target.arguments[i], row: stopOnCancel) {
          (x: Variable) throws(Diagnostic) -> Variable in
          var inputs = target.arguments.map { Variable($0) }
          inputs[i] = x
          return try target.evaluate(self, inputs)
        })
    }
    result.diagnostics += warnings
    result.print(labelled(target.text, y0.value))
    for (parameter, j) in zip(target.parameters, matrices) {
      result.print(labelled(target.matrixLabel("J", parameter), j, showShape: true))
    }
    result.fields.append(("value", .tensor(shape: y0.shape, scalars: y0.value.scalars)))
    result.fields.append(
      (
        "jacobian",
        .object(
          zip(target.parameters, matrices).map {
            ($0, .tensor(shape: $1.shape, scalars: $1.scalars))
          })
      ))
  }

  /// `:hessian f(args)`: the Hessian of a scalar function with respect to each argument.
  func hessianCommand(_ expr: Expr, into result: inout EntryResult) throws {
    let target = try callTarget(expr, source: result.source, command: ":hessian")
    var warnings: [Diagnostic] = []
    let y0 = try target.evaluate(self, target.arguments.map { Variable($0) }, warnings: &warnings)
    guard y0.value.count == 1 else {
      throw Diagnostic.error(
        ":hessian needs a scalar output, but \(target.text) has shape \(formatShape(y0.shape))",
        at: expr.range,
        help: "use :jacobian \(target.text), or reduce it, e.g. sum(\(target.text))")
    }
    for (parameter, argument) in zip(target.parameters, target.arguments)
    where argument.count > 1000 {
      let n = argument.count
      throw Diagnostic.error(
        "the Hessian with respect to \(parameter) would be \(n)×\(n) (limit 1000 elements per argument)",
        at: expr.range, help: ":hessian is for small inputs")
    }
    let blocks = try hessianBlocks(target)
    result.diagnostics += warnings
    result.print(labelled(target.text, y0.value))
    let parameters = target.parameters
    var fields: [(String, JSONValue)] = []
    for (i, p) in parameters.enumerated() {
      for (j, q) in parameters.enumerated() {
        let h = blocks[i][j]
        // One argument: H[f, x]. Several: every block, ∂²f/∂x², ∂²f/∂x∂y, ∂²f/∂y∂x, ∂²f/∂y².
        let label =
          parameters.count == 1
          ? target.matrixLabel("H", p)
          : i == j ? "∂²\(target.name)/∂\(p)²" : "∂²\(target.name)/∂\(p)∂\(q)"
        result.print(labelled(label, h, showShape: true))
        fields.append((i == j ? p : "\(p),\(q)", .tensor(shape: h.shape, scalars: h.scalars)))
      }
    }
    result.fields.append(("value", .tensor(shape: y0.shape, scalars: y0.value.scalars)))
    result.fields.append(("hessian", .object(fields)))
  }

  /// Every block of the Hessian: `blocks[i][j]` is ∂²f/∂xᵢ∂xⱼ, of shape xᵢ's shape + xⱼ's
  /// shape. The gradient is recorded once, then differentiated once per element of each
  /// argument (every argument's second derivatives come from the same backward pass).
  private func hessianBlocks(_ target: CallTarget) throws -> [[Tensor]] {
    let leaves = target.arguments.map { Variable.leaf($0) }
    let y = try target.evaluate(self, leaves)
    let first = try backward(from: y, createGraph: true)
    var blocks: [[Tensor]] = []
    for (i, x) in target.arguments.enumerated() {
      let g = first[leaves[i]]
      var rows = [[Double]](repeating: [], count: leaves.count)
      for k in 0..<x.count {
        if cancellation.isCancelled { throw Cancelled() }
        if g.requiresGradient {
          var seed = [Double](repeating: 0, count: g.value.count)
          seed[k] = 1
          let second = try backward(from: g, seed: try Tensor(shape: g.shape, scalars: seed))
          for (j, leaf) in leaves.enumerated() { rows[j] += second[leaf].value.scalars }
        } else {
          for (j, other) in target.arguments.enumerated() {
            rows[j] += [Double](repeating: 0, count: other.count)
          }
        }
      }
      blocks.append(
        try target.arguments.indices.map { j in
          try Tensor(shape: x.shape + target.arguments[j].shape, scalars: rows[j])
        })
    }
    return blocks
  }

  /// Stops a row-by-row computation (`jacobian`'s and `hessian`'s `row:`) when Ctrl-C was
  /// pressed.
  func stopOnCancel(_: Int, _: Int) throws {
    if cancellation.isCancelled { throw Cancelled() }
  }
}
