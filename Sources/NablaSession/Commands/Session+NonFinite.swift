import NablaCore
import NablaLanguage

/// Where a gradient turned NaN or Inf on its way back from the output: the node and the op
/// whose backward rule produced it, so that `:grad` and `:check` say *where* rather than only
/// printing a nan (the evaluator already names the op that makes a forward value NaN).
extension Session {
  /// Adds a note saying where the gradient first became NaN or Inf, when a gradient with
  /// respect to one of `leaves` is not finite; `point` replaces the target's arguments
  /// (`:check … over`). Only one such note is added to an entry.
  func noteNonFiniteGradients(
    _ target: CallTarget, _ gradients: Gradients, _ leaves: [Variable], point: [Tensor]? = nil,
    at range: SourceRange, into result: inout EntryResult
  ) {
    guard Session.anyNonFinite(gradients, of: leaves) else { return }
    noteNonFiniteGradient(target, point: point, at: range, into: &result)
  }

  /// Whether the gradient with respect to one of `leaves` holds NaN or ±∞.
  static func anyNonFinite(_ gradients: Gradients, of leaves: [Variable]) -> Bool {
    leaves.contains { gradients[$0].value.containsNonFinite }
  }

  /// The note of `noteNonFiniteGradients`, once per entry, for a gradient known not finite.
  func noteNonFiniteGradient(
    _ target: CallTarget, point: [Tensor]?, at range: SourceRange, into result: inout EntryResult
  ) {
    guard !result.diagnostics.contains(where: { $0.message.hasPrefix(Session.nonFinitePrefix) }) else { return }
    var target = target
    if let point { target.arguments = point }
    guard var note = nonFiniteGradientNote(target, at: range) else { return }
    if let point {
      let values = zip(target.parameters, point).map { "\($0) = \(literalText($1))" }.joined(separator: ", ")
      note.message += " at the point \(values.count <= 200 ? values : String(values.prefix(197)) + "...")"
    }
    result.diagnostics.append(note)
  }

  static let nonFinitePrefix = "the gradient first becomes "

  /// A note naming the first place, walking back from the output, where a gradient became
  /// NaN or ±Inf, or nil when every gradient is finite.
  ///
  /// The graph is recorded again with labels (the text of each subexpression), which costs
  /// one more forward and backward pass, only when a gradient is not finite.
  /// - Complexity: one forward and one backward pass, and O(nodes + edges).
  func nonFiniteGradientNote(_ target: CallTarget, at range: SourceRange) -> Diagnostic? {
    let leaves = target.leaves()
    guard let y = try? target.evaluate(self, leaves, labels: true), y.value.count == 1,
      let gradients = try? backward(from: y)
    else { return nil }
    let order = gradients.order
    // Inputs come before the nodes made from them, so walking the order backwards meets the
    // nodes in the order the backward pass filled their gradients.
    for i in stride(from: order.count - 1, through: 0, by: -1) {
      let node = order[i]
      guard let g = node.gradient, let bad = g.scalars.firstIndex(where: { !$0.isFinite }) else { continue }
      // Every node after it in the order has a finite gradient: one of its consumers' rules
      // sent the non-finite term.
      for consumer in order[(i + 1)...] where consumer.inputs.contains(where: { $0 === node }) {
        guard let terms = try? consumer.gradientContributions() else { continue }
        for (j, input) in consumer.inputs.enumerated() where input === node {
          guard j < terms.count, let term = terms[j], let k = term.scalars.firstIndex(where: { !$0.isFinite }) else {
            continue
          }
          return note(consumer: consumer, input: node, term: term, element: k, at: range)
        }
      }
      // The node is the output itself (a seed is always finite), or no single term shows it.
      return Diagnostic(
        .note, "the gradient first becomes \(Session.kind(g.scalars[bad])) at \(Session.describe(node))", at: range)
    }
    return nil
  }

  private func note(consumer: Node, input: Node, term: Tensor, element k: Int, at range: SourceRange) -> Diagnostic {
    let kind = Session.kind(term.scalars[k])
    let op = consumer.op.name
    var message = "the gradient first becomes \(kind) passing back through \(op)"
    if let label = consumer.label, label != op { message += " at '\(Session.shortened(label))'" }
    let inputName = input.label.map { "'\(Session.shortened($0))'" } ?? "its input"
    message += ", into \(inputName)"
    if input.value.count == term.count, k < input.value.count {
      let at = input.value.count == 1 ? "" : "[\(Session.multiIndex(k, shape: input.shape).map(String.init).joined(separator: ", "))]"
      message += " (where \(input.label.map(Session.shortened) ?? "it")\(at) = \(formatScalar(input.value.scalars[k])))"
    }
    var hints: [String] = []
    if consumer.value.scalars.contains(where: { !$0.isFinite }) {
      hints.append("the value of \(op) there is already \(Session.kind(consumer.value.scalars.first { !$0.isFinite }!))")
    }
    if let hint = Session.backwardHints[op] { hints.append(hint) }
    return Diagnostic(.note, message, at: range, help: hints.isEmpty ? nil : hints.joined(separator: "; "))
  }

  /// Why each op's derivative may be infinite or NaN where its value is finite.
  static let backwardHints: [String: String] = [
    "sqrt": "the derivative of sqrt, 1/(2·sqrt(x)), is infinite at 0",
    "log": "the derivative of log, 1/x, is infinite at 0",
    "/": "the derivative of a/b divides by b, and by b² for the divisor",
    "^": "the derivative of a^b is b·a^(b−1), infinite at a = 0 when b < 1, and a^b·log(a), nan for a < 0",
    "pow": "the derivative of a^b is b·a^(b−1), infinite at a = 0 when b < 1, and a^b·log(a), nan for a < 0",
    "tan": "the derivative of tan, 1 + tan², is infinite at odd multiples of pi/2",
    "exp": "the derivative of exp is exp itself, infinite above about 709.78",
    "*": "a product's derivative is the other factor: inf there, or 0·inf = nan",
  ]

  static func kind(_ x: Double) -> String { x.isNaN ? "nan" : x > 0 ? "inf" : "-inf" }

  static func describe(_ node: Node) -> String {
    node.label.map { "'\(shortened($0))'" } ?? node.op.name
  }

  static func shortened(_ label: String) -> String {
    label.count <= 60 ? label : String(label.prefix(57)) + "..."
  }

  static func multiIndex(_ flat: Int, shape: [Int]) -> [Int] {
    var index = [Int](repeating: 0, count: shape.count)
    var rest = flat
    for axis in stride(from: shape.count - 1, through: 0, by: -1) where shape[axis] > 0 {
      index[axis] = rest % shape[axis]
      rest /= shape[axis]
    }
    return index
  }
}
