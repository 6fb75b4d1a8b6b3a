import Foundation
import NablaCore

/// The constructors of calls and other tensor terms, with the simplifications that apply to
/// them: folding a builtin of a number when the result is a whole number (`cos(0)` → `1`,
/// but `sin(2)` stays), dropping shape operations that do nothing, and pulling constant
/// factors out of sums and means (`sum(3*x^2)` → `3*sum(x^2)`).
extension TermGraph {
  /// A builtin call with its arguments (positional ones unlabelled).
  func call(_ name: String, _ args: [Term], labels: [String?], argOrder: [Int]? = nil) -> Term {
    if let simpler = simplifiedCall(name, args, labels: labels) { return simpler }
    return make(.call(name, labels: labels), args, argOrder: argOrder)
  }

  /// A call with positional arguments only.
  func call(_ name: String, _ args: Term...) -> Term {
    call(name, args, labels: args.map { _ in nil })
  }

  /// A call with positional arguments then keyword ones.
  func call(_ name: String, _ args: [Term], keywords: [(String, Term)]) -> Term {
    call(name, args + keywords.map(\.1), labels: args.map { _ in nil } + keywords.map { $0.0 })
  }

  /// A list literal of whole numbers (`[0, 2]`).
  func list(_ values: [Int]) -> Term {
    make(.literal, values.map { number(Double($0)) })
  }

  /// `a OP b` for a comparison.
  func compare(_ op: BinaryOperator, _ a: Term, _ b: Term) -> Term {
    if let x = a.number, let y = b.number {
      let holds: Bool
      switch op {
      case .equal: holds = x == y
      case .notEqual: holds = x != y
      case .less: holds = x < y
      case .lessEqual: holds = x <= y
      case .greater: holds = x > y
      case .greaterEqual: holds = x >= y
      default: holds = false
      }
      return number(holds ? 1 : 0)
    }
    return make(.compare(op), [a, b])
  }

  /// `a @ b`
  func matmul(_ a: Term, _ b: Term) -> Term {
    make(.matmul, [a, b])
  }

  /// `sum(x, axis: ..., keepdims: ...)` and the other reductions; nil axes for all.
  func reduction(_ name: String, _ x: Term, axes: [Int]?, keepDims: Bool) -> Term {
    var keywords: [(String, Term)] = []
    if let axes {
      keywords.append(("axis", axes.count == 1 ? number(Double(axes[0])) : list(axes)))
    }
    if keepDims { keywords.append(("keepdims", constant("true"))) }
    return call(name, [x], keywords: keywords)
  }

  /// `expand_dims(x, axis: a)`
  func expandDims(_ x: Term, axis: Int) -> Term {
    call("expand_dims", [x], keywords: [("axis", number(Double(axis)))])
  }

  /// `sum_to(x, shape(like))`, or `x` when it has that shape already.
  func sumTo(_ x: Term, like: Term) -> Term {
    if x.shape.isSame(as: like.shape) { return x }
    return call("sum_to", x, shapeTerm(like.shape, witnesses: [like]))
  }

  // MARK: Simplification

  private func simplifiedCall(_ name: String, _ args: [Term], labels: [String?]) -> Term? {
    func arg(_ p: String) -> Term? { TermGraph.argument(p, of: name, labels: labels, args: args) }
    if let folded = folded(name, args) { return folded }
    switch name {
    case "broadcast_to", "sum_to", "reshape":
      guard let x = arg("x"), let s = arg("shape") else { return nil }
      if let target = shape(denotedBy: s), x.shape.isSame(as: target) { return x }
      if name == "broadcast_to", x.callName == "broadcast_to" {
        return call("broadcast_to", [x.args[0], s], labels: [nil, nil])
      }
      if name == "sum_to", let target = shape(denotedBy: s) {
        if target.concreteShape == [] { return call("sum", x) }
        // sum_to(broadcast_to(y, S), T) is sum_to(y, T) when every axis y lacks is one T
        // keeps (T carries what y does not).
        if x.callName == "broadcast_to" {
          let y = x.args[0]
          let atoms = Set(y.shape.atoms).union(target.atoms)
          let known = try? broadcastShapes(y.shape.known, target.known, op: "shape")
          if atoms.isSuperset(of: x.shape.atoms) && known == x.shape.known {
            return call("sum_to", [y, s], labels: [nil, nil])
          }
        }
      }
      return nil
    case "transpose":
      guard let x = arg("x") else { return nil }
      if x.shape.isOneElement && x.shape.known.count <= 1 && (x.shape.rank ?? 2) <= 1 { return x }
      if arg("axes") == nil, x.callName == "transpose", argument("axes", of: x) == nil {
        return x.args[0]
      }
      return nil
    case "sum", "mean", "max", "min", "logsumexp":
      guard let x = arg("x") else { return nil }
      let keepDims = arg("keepdims").flatMap(boolean(of:)) ?? false
      if arg("axis") == nil && !keepDims && x.shape.isSame(as: .scalar) { return x }
      guard name == "sum" || name == "mean" else { return nil }
      // Constant factors come out: sum(3*x^2) → 3*sum(x^2), sum(a*x) → a*sum(x) for a scalar a.
      let (c, rest) = splitCoefficient(x)
      var outside: [Term] = []
      var inside: [Factor] = []
      if case .product(_, let exponents) = rest.op {
        for (i, b) in rest.args.enumerated() {
          let f = Factor(base: b, exponent: numberValue(exponents[i]), position: rest.argOrder[i])
          if b.shape.isSame(as: .scalar) {
            outside.append(power(b, f.exponent))
          } else {
            inside.append(f)
          }
        }
      } else {
        inside = [Factor(base: rest, exponent: 1, position: position)]
      }
      guard c != 1 || !outside.isEmpty, !inside.isEmpty else { return nil }
      let body = product(inside)
      guard body.shape.isSame(as: x.shape) else { return nil }
      let inner = make(.call(name, labels: labels), args.map { $0 === x ? body : $0 })
      return product(
        [Factor(base: inner, exponent: 1, position: position)]
          + outside.map { Factor(base: $0, exponent: 1, position: position) }, coefficient: c)
    case "shape":
      guard let x = arg("x") else { return nil }
      if let sizes = x.shape.concreteShape { return list(sizes) }
      if x.shape.known.isEmpty && x.shape.atoms.count == 1 {
        let atom = x.shape.atoms[0]
        if atom.hasPrefix("p:") {
          let v = variable(String(atom.dropFirst(2)))
          if v !== x { return make(.call("shape", labels: [nil]), [v]) }
        } else if atom.hasPrefix("t:"), let id = Int(atom.dropFirst(2)), id < terms.count,
          terms[id] !== x
        {
          return make(.call("shape", labels: [nil]), [terms[id]])
        }
      }
      return nil
    case "size":
      guard let x = arg("x") else { return nil }
      guard let shape = x.shape.concreteShape else {
        // size(x^2) is size(x): ask the simplest term with the same shape.
        if x.shape.known.isEmpty && x.shape.atoms.count == 1 && x.shape.atoms[0].hasPrefix("p:") {
          let v = variable(String(x.shape.atoms[0].dropFirst(2)))
          if v !== x { return make(.call("size", labels: labels), args.map { $0 === x ? v : $0 }) }
        }
        return nil
      }
      if let a = arg("axis") {
        guard let axes = integers(of: a),
          let n = try? normalizeAxes(axes, rank: shape.count, op: "size")
        else {
          return nil
        }
        return number(Double(n.reduce(1) { $0 * shape[$1] }))
      }
      return number(Double(shape.reduce(1, *)))
    case "where":
      guard let c = arg("condition"), let a = arg("a"), let b = arg("b") else { return nil }
      if a === b { return withShape(a, of: [c, a, b]) }
      if a.number == 1 && b.number == 0, case .compare = c.op { return c }
      if let v = c.number { return withShape(v != 0 ? a : b, of: [c, a, b]) }
      return nil
    default:
      return nil
    }
  }

  /// An elementwise builtin of a number, when the result is a whole number.
  private func folded(_ name: String, _ args: [Term]) -> Term? {
    if name == "log", args.count == 1, args[0].op == .constant("e") { return one }
    guard args.count == 1, let x = args[0].number else { return nil }
    let y: Double
    switch name {
    case "exp": y = Foundation.exp(x)
    case "log": y = Foundation.log(x)
    case "sin": y = Foundation.sin(x)
    case "cos": y = Foundation.cos(x)
    case "tan": y = Foundation.tan(x)
    case "tanh": y = Foundation.tanh(x)
    case "sigmoid": y = 1 / (1 + Foundation.exp(-x))
    case "relu": y = x > 0 ? x : 0
    case "sqrt": y = x.squareRoot()
    case "abs": y = Swift.abs(x)
    case "sign": y = x > 0 ? 1 : x < 0 ? -1 : 0
    default: return nil
    }
    guard y.isFinite, y.rounded() == y, Swift.abs(y) < 1e15 else { return nil }
    return number(y)
  }
}
