/// Printing trees back as Nabla source with as few parentheses as re-parsing needs.
///
///     2*x*sin(x) + x^2*cos(x)     a - (b - c)     (-x)^2     -x^2     2^3^4     (2^3)^4
///
/// Style: spaces around `+`, `-` and comparisons, none around `*`, `/`, `@` and `^`, a space
/// after each comma and keyword colon. Numbers print in their shortest round-trip form,
/// integers without `.0`; `inf` and `nan` print as those names.
extension Expr: CustomStringConvertible {
  /// The expression as Nabla source that parses back to an equal tree.
  ///
  /// - Complexity: O(n) in the number of nodes, without recursion.
  public var description: String {
    var output = ""
    var pending: [Piece] = [.expr(self)]
    var pieces: [Piece] = []
    while let piece = pending.popLast() {
      switch piece {
      case .text(let text):
        output += text
      case .expr(let expr):
        // Push in reverse: the last piece pushed is printed first.
        expr.appendPieces(to: &pieces)
        pending.append(contentsOf: pieces.reversed())
        pieces.removeAll(keepingCapacity: true)
      }
    }
    return output
  }

  /// `value` as a literal: `2`, `0.5`, `1e-05`, `-3`, `inf`, `nan`.
  public static func format(_ value: Double) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value < 0 ? "-inf" : "inf" }
    if value == 0 { return value.sign == .minus ? "-0" : "0" }
    if value.rounded() == value, abs(value) < 1e16 { return String(Int64(value)) }
    return value.description
  }

  private enum Piece {
    case text(String)
    case expr(Expr)
  }

  /// The pieces that print this node, children left as `.expr`.
  private func appendPieces(to pieces: inout [Piece]) {
    func child(_ expr: Expr, parenthesized: Bool) {
      if parenthesized {
        pieces.append(.text("("))
        pieces.append(.expr(expr))
        pieces.append(.text(")"))
      } else {
        pieces.append(.expr(expr))
      }
    }
    func list(_ exprs: [Expr]) {
      for (index, expr) in exprs.enumerated() {
        if index > 0 { pieces.append(.text(", ")) }
        pieces.append(.expr(expr))
      }
    }

    switch kind {
    case .number(let value):
      pieces.append(.text(Expr.format(value)))
    case .name(let name):
      pieces.append(.text(name))
    case .tensor(let elements):
      pieces.append(.text("["))
      list(elements)
      pieces.append(.text("]"))
    case .unary(let op, let operand):
      pieces.append(.text(op.symbol))
      child(operand, parenthesized: operand.precedence < .prefix)
    case .binary(let op, let lhs, let rhs):
      let level = op.precedence
      let (leftParens, rightParens): (Bool, Bool) =
        switch level {
        case .comparison: (lhs.precedence <= level, rhs.precedence <= level)
        case .power: (lhs.precedence <= level, rhs.precedence < .prefix)
        default: (lhs.precedence < level, rhs.precedence <= level)
        }
      let spaced = level == .comparison || level == .additive
      child(lhs, parenthesized: leftParens)
      pieces.append(.text(spaced ? " \(op.symbol) " : op.symbol))
      child(rhs, parenthesized: rightParens)
    case .call(let name, _, let arguments):
      pieces.append(.text(name + "("))
      for (index, argument) in arguments.enumerated() {
        if index > 0 { pieces.append(.text(", ")) }
        if let label = argument.label { pieces.append(.text(label + ": ")) }
        pieces.append(.expr(argument.value))
      }
      pieces.append(.text(")"))
    case .apply(let callee, let arguments):
      pieces.append(.expr(callee))
      pieces.append(.text("("))
      for (index, argument) in arguments.enumerated() {
        if index > 0 { pieces.append(.text(", ")) }
        if let label = argument.label { pieces.append(.text(label + ": ")) }
        pieces.append(.expr(argument.value))
      }
      pieces.append(.text(")"))
    case .index(let base, let items):
      child(base, parenthesized: base.precedence < .postfix)
      pieces.append(.text("["))
      for (index, item) in items.enumerated() {
        if index > 0 { pieces.append(.text(", ")) }
        switch item {
        case .index(let position):
          pieces.append(.expr(position))
        case .slice(let start, let stop, let step):
          if let start { pieces.append(.expr(start)) }
          pieces.append(.text(":"))
          if let stop { pieces.append(.expr(stop)) }
          if let step {
            pieces.append(.text(":"))
            pieces.append(.expr(step))
          }
        case .ellipsis:
          pieces.append(.text("..."))
        }
      }
      pieces.append(.text("]"))
    }
  }
}
