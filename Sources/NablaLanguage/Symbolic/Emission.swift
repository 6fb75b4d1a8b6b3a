/// Terms back into Nabla syntax, as a person would write them, with shared subexpressions
/// bound once.
///
/// A term used more than once (and not tiny) becomes a helper definition printed first,
///
///     df_1(x) = sin(x)
///     df_2(x) = sin(df_1(x))
///     df(x) = cos(df_2(x))*cos(df_1(x))*cos(x)
///
/// so the printed size grows linearly with the function's: every term is written out once,
/// and only terms of height at most 3 and at most 6 nodes are ever repeated.
///
/// Sums put their constant last, unless the first term is negative (`1 - tanh(x)^2`);
/// products put a numeric coefficient first and negative powers in a denominator
/// (`1/(2*sqrt(x))`, `x/2`).
struct Emission {
  /// The terms worth binding among those reachable from `roots`: used more than once, and
  /// of height 4 or more, or more than 6 nodes. In creation order, so each comes after the
  /// terms it uses.
  static func sharedTerms(_ roots: [Term]) -> [Term] {
    var references: [Int: Int] = [:]
    var seen: Set<Int> = []
    var reachable: [Term] = []
    var stack = roots
    for r in roots { references[r.id, default: 0] += 1 }
    while let t = stack.popLast() {
      guard seen.insert(t.id).inserted else { continue }
      reachable.append(t)
      for a in t.args {
        references[a.id, default: 0] += 1
        stack.append(a)
      }
    }
    var chosen: [Int: Term] = [:]
    for t in reachable
    where references[t.id, default: 0] >= 2 && !t.isLeaf && (t.height >= 4 || t.size > 6) {
      // `shape(e)` reads better with e bound than as a helper of its own.
      if t.callName == "shape", let e = t.args.first {
        if !e.isLeaf { chosen[e.id] = e }
      } else {
        chosen[t.id] = t
      }
    }
    return chosen.values.sorted { $0.id < $1.id }
  }

  /// The terms bound to helpers, by id, with the number of each helper.
  let bound: [Int: Int]
  /// How a reference to helper k is written.
  let reference: (Int) -> Expr

  /// `root` as an expression; bound terms inside it (but not `root` itself) are references.
  ///
  /// - Complexity: O(n) in the terms reachable from `root` without passing a bound one;
  ///   iterative, so a deep term does not exhaust the stack.
  func render(_ root: Term) -> Expr {
    var memo: [Int: Expr] = [:]
    var stack: [(Term, Bool)] = [(root, false)]
    while let (t, expanded) = stack.popLast() {
      if memo[t.id] != nil { continue }
      if t !== root, let k = bound[t.id] {
        memo[t.id] = reference(k)
        continue
      }
      if !expanded {
        stack.append((t, true))
        for a in t.args where memo[a.id] == nil { stack.append((a, false)) }
        continue
      }
      memo[t.id] = node(t, memo)
    }
    return memo[root.id]!
  }

  /// One term, its arguments already rendered.
  private func node(_ t: Term, _ memo: [Int: Expr]) -> Expr {
    func e(_ i: Int) -> Expr { memo[t.args[i].id]! }
    switch t.op {
    case .number(let b):
      return Emission.number(numberValue(b))
    case .variable(let name), .tensor(let name), .constant(let name):
      return .name(name)
    case .sum(let k, let coefficients, let constantIndex):
      return sum(
        numberValue(k), constantIndex, zip(coefficients, t.args).map { (numberValue($0), $1) }, memo
      )
    case .product(let k, let exponents):
      return product(numberValue(k), t.args.indices.map { (e($0), numberValue(exponents[$0])) })
    case .power:
      return .binary(.power, e(0), e(1))
    case .call(let name, let labels):
      if name == "broadcast_to", let c = t.args[0].number, bound[t.args[0].id] == nil {
        let shape = e(1)
        if c == 1 { return .call("ones", [shape]) }
        if c == 0 { return .call("zeros", [shape]) }
        return .call("full", [shape, Emission.number(c)])
      }
      return .call(
        name, arguments: labels.enumerated().map { Expr.Argument(label: $1, value: e($0)) })
    case .compare(let op):
      return .binary(op, e(0), e(1))
    case .matmul:
      return .binary(.matmul, e(0), e(1))
    case .literal:
      return .tensor(t.args.indices.map(e))
    case .index(let patterns):
      var next = 1
      func take() -> Expr {
        defer { next += 1 }
        return e(next)
      }
      let items: [IndexItem] = patterns.map { p in
        switch p {
        case .index: return .index(take())
        case .ellipsis: return .ellipsis
        case .slice(let a, let b, let c):
          let start = a ? take() : nil
          let stop = b ? take() : nil
          let step = c ? take() : nil
          return .slice(start: start, stop: stop, step: step)
        }
      }
      return .index(e(0), items)
    }
  }

  /// A number as the parser reads it back: `-2` is `-(2)`, and a long decimal that is a
  /// simple fraction prints as one (`1/3`, `2/3`).
  static func number(_ x: Double) -> Expr {
    if x < 0 || (x == 0 && x.sign == .minus) { return .unary(.negate, number(-x)) }
    if x.isFinite && x.rounded() != x && Expr.format(x).count > 6 {
      for q in 2...64 {
        let p = x * Double(q)
        if p.rounded() >= 1, p.rounded() <= 1e6, Swift.abs(p - p.rounded()) <= 1e-12 * p {
          return .binary(.divide, .number(p.rounded()), .number(Double(q)))
        }
      }
    }
    return .number(x)
  }

  // MARK: Sums and products

  /// `coefficient * term`, with its sign when `signed` (else its magnitude).
  private func scaled(_ coefficient: Double, _ t: Term, _ memo: [Int: Expr]) -> Expr {
    if bound[t.id] == nil, case .product(let k, let exponents) = t.op {
      return product(
        coefficient * numberValue(k),
        t.args.enumerated().map { (memo[$1.id]!, numberValue(exponents[$0])) })
    }
    if coefficient == 1 { return memo[t.id]! }
    return product(coefficient, [(memo[t.id]!, 1)])
  }

  /// The coefficient of a term as it is written in a sum (a monomial's own coefficient too).
  private func effectiveCoefficient(_ c: Double, _ t: Term) -> Double {
    if bound[t.id] == nil, case .product(let k, _) = t.op { return c * numberValue(k) }
    return c
  }

  private func sum(
    _ constant: Double, _ constantIndex: Int, _ terms: [(Double, Term)], _ memo: [Int: Expr]
  ) -> Expr {
    // (signed coefficient, term or nil for the constant)
    var items: [(Double, Term?)] = terms.map { ($0.0, $0.1) }
    if constant != 0 {
      items.insert((constant, nil), at: Swift.min(Swift.max(0, constantIndex), items.count))
    }
    func negative(_ item: (Double, Term?)) -> Bool {
      item.1.map { effectiveCoefficient(item.0, $0) < 0 } ?? (item.0 < 0)
    }
    if let first = items.first, negative(first), let j = items.firstIndex(where: { !negative($0) })
    {
      items.insert(items.remove(at: j), at: 0)
    }
    func render(_ item: (Double, Term?), signed: Bool) -> Expr {
      let (c, t) = item
      guard let t else { return Emission.number(signed ? c : Swift.abs(c)) }
      if signed { return scaled(c, t, memo) }
      let sign: Double = effectiveCoefficient(c, t) < 0 ? -1 : 1
      return scaled(c * sign, t, memo)
    }
    var result = render(items[0], signed: true)
    for item in items.dropFirst() {
      result = .binary(negative(item) ? .subtract : .add, result, render(item, signed: false))
    }
    return result
  }

  /// `coefficient * Π base^exponent`: the coefficient first, negative powers as a
  /// denominator, a coefficient 1/n as n in the denominator.
  private func product(_ coefficient: Double, _ factors: [(Expr, Double)]) -> Expr {
    func power(_ base: Expr, _ e: Double) -> Expr {
      e == 1 ? base : .binary(.power, base, .number(e))
    }
    var magnitude = Swift.abs(coefficient)
    var numerator: [Expr] = []
    var denominator: [Expr] = []
    // A simple fraction p/q prints as p*…/(q*…): 1/(2*sqrt(x)), 2*x/3.
    if magnitude.rounded() != magnitude && magnitude.isFinite {
      for q in 2...64 {
        let p = magnitude * Double(q)
        if p.rounded() >= 1, p.rounded() <= 1e6, Swift.abs(p - p.rounded()) <= 1e-12 * p {
          denominator.append(.number(Double(q)))
          magnitude = p.rounded()
          break
        }
      }
    }
    if magnitude != 1 { numerator.append(.number(magnitude)) }
    for (base, e) in factors {
      if e > 0 {
        numerator.append(power(base, e))
      } else if e < 0 {
        denominator.append(power(base, -e))
      }
    }
    if coefficient < 0 {
      if numerator.isEmpty { numerator = [.number(1)] }
      numerator[0] = .unary(.negate, numerator[0])
    }
    func chain(_ list: [Expr]) -> Expr {
      list.dropFirst().reduce(list[0]) { .binary(.multiply, $0, $1) }
    }
    let top = numerator.isEmpty ? Expr.number(1) : chain(numerator)
    return denominator.isEmpty ? top : .binary(.divide, top, chain(denominator))
  }
}
