import Foundation

/// The simplifying constructors of sums, products and powers. Every term they return is in
/// canonical form, which is what makes the rules a teacher expects happen by construction:
///
/// - constants fold: `2*3*x` → `6*x`, `x + 1 + 2` → `x + 3`;
/// - 0 and 1 vanish: `x + 0` → `x`, `1*x` → `x`, `x^1` → `x`, `x^0` → `1`, `0*x` → `0`;
/// - like factors and terms collect: `x*x` → `x^2`, `x^2*x^3` → `x^5`, `2*x*y + 3*y*x` → `5*x*y`;
/// - cancelling: `x*y/x` → `y`, `a - a` → `0`;
/// - negation is a coefficient: `-(-x)` → `x`, `-(a - b)` → `b - a`, `-2*(x + 1)` → `-2*x - 2`.
///
/// Broadcasting is respected: when cancelling would lose a shape (`x/x` for a vector x is a
/// vector of ones, not `1`), the result is wrapped as `broadcast_to(1, shape(x))`, and such
/// a wrapper disappears again as soon as something of that shape multiplies or adds to it.
extension TermGraph {
  /// One term of a sum: `coefficient * term`, written at `position`.
  struct Addend {
    var coefficient: Double
    var term: Term
    var position: Int
  }

  /// One factor of a product: `base ^ exponent`, written at `position`.
  struct Factor {
    var base: Term
    var exponent: Double
    var position: Int
  }

  // MARK: Conveniences

  /// `a + b + ...`
  func add(_ terms: [Term]) -> Term {
    sum(terms.map { Addend(coefficient: 1, term: $0, position: position) })
  }

  /// `a - b`
  func subtract(_ a: Term, _ b: Term) -> Term {
    sum([
      Addend(coefficient: 1, term: a, position: position),
      Addend(coefficient: -1, term: b, position: position),
    ])
  }

  /// `c * t`
  func scale(_ c: Double, _ t: Term) -> Term {
    sum([Addend(coefficient: c, term: t, position: position)])
  }

  /// `-t`
  func negate(_ t: Term) -> Term { scale(-1, t) }

  /// `a * b * ...`
  func multiply(_ terms: [Term]) -> Term {
    product(terms.map { Factor(base: $0, exponent: 1, position: position) })
  }

  /// `a / b`
  func divide(_ a: Term, _ b: Term) -> Term {
    product([
      Factor(base: a, exponent: 1, position: position),
      Factor(base: b, exponent: -1, position: position),
    ])
  }

  /// `base ^ exponent`.
  func power(_ base: Term, _ exponent: Term) -> Term {
    if let e = exponent.number {
      return product([Factor(base: base, exponent: e, position: position)])
    }
    if base.number == 1 { return withShape(one, of: [base, exponent]) }
    return make(.power, [base, exponent])
  }

  /// `base ^ e` for a number e.
  func power(_ base: Term, _ e: Double) -> Term {
    product([Factor(base: base, exponent: e, position: position)])
  }

  // MARK: Sums

  /// The canonical sum of the addends plus `constant` (written before addend
  /// `constantIndex`, last by default).
  func sum(_ addends: [Addend], constant: Double = 0, constantIndex: Int? = nil) -> Term {
    var constant = constant
    var ids: [Int] = []
    // Where the constant goes among the terms: where the first one came.
    var constantAt: Int? = constant != 0 ? (constantIndex ?? Int.max) : nil
    var entries: [Int: (coefficient: Double, term: Term, position: Int)] = [:]
    func addConstant(_ value: Double) {
      if value != 0 && constantAt == nil { constantAt = ids.count }
      constant += value
    }
    func accumulate(_ c: Double, _ t: Term, _ position: Int) {
      switch t.op {
      case .number(let b):
        addConstant(c * numberValue(b))
      case .sum(let k, let coefficients, let at) where t.args.count <= TermGraph.flatteningLimit:
        for (i, a) in t.args.enumerated() {
          if i == at { addConstant(c * numberValue(k)) }
          accumulate(c * numberValue(coefficients[i]), a, t.argOrder[i])
        }
        if at >= t.args.count { addConstant(c * numberValue(k)) }
      case .product(let k, let exponents)
      where distributes && t.args.count == 1 && numberValue(exponents[0]) == 1
        && t.args[0].args.count <= TermGraph.flatteningLimit
        && numberValue(k) * c == (numberValue(k) * c).rounded():
        // 2*(x + 1) among other terms: 2*x + 2, so that like terms collect.
        if case .sum = t.args[0].op {
          accumulate(c * numberValue(k), t.args[0], position)
        } else {
          fallthrough
        }
      default:
        let (k, monomial) = splitCoefficient(t)
        if var entry = entries[monomial.id] {
          entry.coefficient += c * k
          entries[monomial.id] = entry
        } else {
          ids.append(monomial.id)
          entries[monomial.id] = (c * k, monomial, position)
        }
      }
    }
    let originals = addends.map(\.term)
    let distributes = addends.count > 1 || constant != 0
    for a in addends { accumulate(a.coefficient, a.term, a.position) }
    let parts = ids.compactMap { id -> Addend? in
      let e = entries[id]!
      return e.coefficient == 0
        ? nil : Addend(coefficient: e.coefficient, term: e.term, position: e.position)
    }
    // The constant's place among the terms that remain.
    let kept = Set(parts.map(\.term.id))
    let at =
      constantAt.map { a in ids.prefix(Swift.min(a, ids.count)).filter(kept.contains).count }
      ?? parts.count
    // A broadcast wrapper among terms that already have its shape is not needed; without
    // it, the term may fold with others.
    let unwrapped = unwrapBroadcasts(parts)
    if zip(unwrapped, parts).contains(where: { $0.term !== $1.term }) {
      return withShape(sum(unwrapped, constant: constant, constantIndex: at), of: originals)
    }
    let result: Term
    if parts.isEmpty {
      result = number(constant)
    } else if parts.count == 1 && constant == 0 {
      result = scaled(parts[0].coefficient, parts[0].term)
    } else {
      result = make(
        .sum(
          constant: numberBits(constant), coefficients: parts.map { numberBits($0.coefficient) },
          constantIndex: constant == 0 ? parts.count : at),
        parts.map(\.term), argOrder: parts.map(\.position))
    }
    return withShape(result, of: originals)
  }

  /// Sums and products of at most this many terms are merged into the ones that use them
  /// (`(a + b) + c` → `a + b + c`); larger ones stay whole, so that a term built from itself
  /// over and over (`y = sin(y)*y`, repeated) keeps its sharing and a linear size.
  static let flatteningLimit = 4

  /// `c * monomial` as one product term (no distribution, no collecting).
  private func scaled(_ c: Double, _ t: Term) -> Term {
    if c == 1 { return t }
    if case .product(let k, let exponents) = t.op {
      return make(
        .product(coefficient: numberBits(c * numberValue(k)), exponents: exponents), t.args,
        argOrder: t.argOrder)
    }
    return make(.product(coefficient: numberBits(c), exponents: [numberBits(1)]), [t])
  }

  /// A term as its numeric coefficient and the rest: `-2*x*y` → (-2, x*y).
  func splitCoefficient(_ t: Term) -> (Double, Term) {
    guard case .product(let c, let exponents) = t.op, numberValue(c) != 1 else { return (1, t) }
    if t.args.count == 1 && numberValue(exponents[0]) == 1 { return (numberValue(c), t.args[0]) }
    return (
      numberValue(c),
      make(.product(coefficient: numberBits(1), exponents: exponents), t.args, argOrder: t.argOrder)
    )
  }

  /// Replaces `broadcast_to(a, S)` addends by `a` when the other addends have shape S, and
  /// pulls everything into one wrapper when the others are no larger than S.
  private func unwrapBroadcasts(_ parts: [Addend]) -> [Addend] {
    let wrapped = parts.indices.filter { parts[$0].term.callName == "broadcast_to" }
    guard !wrapped.isEmpty else { return parts }
    var parts = parts
    for i in wrapped {
      let target = parts[i].term.shape
      var others = SymbolicShape.scalar
      for (j, p) in parts.enumerated() where j != i {
        others = others.broadcast(with: p.term.shape) ?? others
      }
      if others.covers(target) { parts[i].term = parts[i].term.args[0] }
    }
    return parts
  }

  // MARK: Products

  /// The canonical product of the factors times `coefficient`.
  func product(_ factors: [Factor], coefficient: Double = 1) -> Term {
    var coefficient = coefficient
    var ids: [Int] = []
    var entries: [Int: Factor] = [:]
    func accumulate(_ base: Term, _ e: Double, _ position: Int) {
      if e == 0 { return }
      switch base.op {
      case .number(let b):
        coefficient *= Foundation.pow(numberValue(b), e)
      case .product(let k, let exponents)
      where e.rounded() == e && base.args.count <= TermGraph.flatteningLimit:
        coefficient *= Foundation.pow(numberValue(k), e)
        for (i, a) in base.args.enumerated() {
          accumulate(a, numberValue(exponents[i]) * e, base.argOrder[i])
        }
      default:
        if var entry = entries[base.id] {
          entry.exponent += e
          entries[base.id] = entry
        } else {
          ids.append(base.id)
          entries[base.id] = Factor(base: base, exponent: e, position: position)
        }
      }
    }
    let originals = factors.map(\.base)
    for f in factors { accumulate(f.base, f.exponent, f.position) }
    var parts = ids.compactMap { id -> Factor? in
      let f = entries[id]!
      return f.exponent == 0 ? nil : f
    }
    if coefficient == 0 { return withShape(zero, of: originals) }
    // A broadcast wrapper among factors that already have its shape is not needed; without
    // it, the factor may fold with others.
    var unwrapped = false
    for i in parts.indices where parts[i].base.callName == "broadcast_to" && parts[i].exponent == 1
    {
      var others = SymbolicShape.scalar
      for (j, p) in parts.enumerated() where j != i {
        others = others.broadcast(with: p.base.shape) ?? others
      }
      if others.covers(parts[i].base.shape) {
        parts[i].base = parts[i].base.args[0]
        unwrapped = true
      }
    }
    if unwrapped { return withShape(product(parts, coefficient: coefficient), of: originals) }
    // One wrapper left, and the rest no larger than its shape: pull the rest inside.
    let wrappers = parts.indices.filter {
      parts[$0].base.callName == "broadcast_to" && parts[$0].exponent == 1
    }
    if wrappers.count == 1 && (parts.count > 1 || coefficient != 1) {
      let w = parts[wrappers[0]].base
      var others = SymbolicShape.scalar
      for (j, p) in parts.enumerated() where j != wrappers[0] {
        others = others.broadcast(with: p.base.shape) ?? others
      }
      if w.shape.covers(others) {
        var inner = parts
        inner[wrappers[0]].base = w.args[0]
        let body = product(inner, coefficient: coefficient)
        return withShape(
          call("broadcast_to", [body, w.args[1]], labels: [nil, nil]), of: originals)
      }
    }
    // Negation distributes over a sum: -(a - b) → b - a. (Other numbers distribute only
    // where the product meets other terms in a sum, where like terms may then cancel.)
    if parts.count == 1 && parts[0].exponent == 1 && coefficient == -1,
      case .sum(let k, let coefficients, let at) = parts[0].base.op,
      ([k] + coefficients).allSatisfy({
        (coefficient * numberValue($0)).rounded() == coefficient * numberValue($0)
      })
    {
      let base = parts[0].base
      let addends = base.args.enumerated().map { i, a in
        Addend(
          coefficient: coefficient * numberValue(coefficients[i]), term: a,
          position: base.argOrder[i])
      }
      return withShape(
        sum(addends, constant: coefficient * numberValue(k), constantIndex: at), of: originals)
    }
    let result: Term
    if parts.isEmpty {
      result = number(coefficient)
    } else if parts.count == 1 && parts[0].exponent == 1 && coefficient == 1 {
      result = parts[0].base
    } else {
      parts.sort { a, b in
        let (ca, cb) = (displayCategory(a.base), displayCategory(b.base))
        if ca != cb { return ca < cb }
        if a.base.order != b.base.order { return a.base.order < b.base.order }
        return a.base.id < b.base.id
      }
      result = make(
        .product(
          coefficient: numberBits(coefficient), exponents: parts.map { numberBits($0.exponent) }),
        parts.map(\.base), argOrder: parts.map(\.position))
    }
    return withShape(result, of: originals)
  }

  /// Where a factor goes in a printed product: named constants, then parameters, then
  /// session tensors, then everything else, each group in source order.
  private func displayCategory(_ t: Term) -> Int {
    switch t.op {
    case .constant: 0
    case .variable: 1
    case .tensor: 2
    default: 3
    }
  }

  // MARK: Shapes

  /// `result`, broadcast to the shape the elementwise combination of `originals` has, when
  /// simplifying lost some of it (`x - x` → `zeros(shape(x))`).
  func withShape(_ result: Term, of originals: [Term]) -> Term {
    var expected = SymbolicShape.scalar
    for t in originals {
      guard let b = expected.broadcast(with: t.shape) else { return result }
      expected = b
    }
    if result.shape.isSame(as: expected)
      || expected.isOneElement && result.shape.isOneElement
        && result.shape.known.count >= expected.known.count
    {
      return result
    }
    return call(
      "broadcast_to", [result, shapeTerm(expected, witnesses: originals)], labels: [nil, nil])
  }

  /// A term that evaluates to the sizes of `shape`: a list, `shape(x)`, or `shape(e)` of a
  /// witness term with that shape.
  func shapeTerm(_ shape: SymbolicShape, witnesses: [Term]) -> Term {
    if let sizes = shape.concreteShape { return make(.literal, sizes.map { number(Double($0)) }) }
    if shape.known.isEmpty && shape.atoms.count == 1 {
      let atom = shape.atoms[0]
      if atom.hasPrefix("p:") {
        return call("shape", [variable(String(atom.dropFirst(2)))], labels: [nil])
      }
      if atom.hasPrefix("t:"), let id = Int(atom.dropFirst(2)), id < terms.count {
        return call("shape", [terms[id]], labels: [nil])
      }
    }
    if let w = witnesses.first(where: { $0.shape.isSame(as: shape) }) {
      return call("shape", [w], labels: [nil])
    }
    // The plain (unsimplified) elementwise sum of the witnesses has exactly their shape.
    let raw = make(
      .sum(
        constant: numberBits(0), coefficients: witnesses.map { _ in numberBits(1) },
        constantIndex: witnesses.count),
      witnesses)
    return call("shape", [raw], labels: [nil])
  }

  /// A term of shape `like.shape`: `t` itself, or `broadcast_to(t, shape(like))`.
  func broadcast(_ t: Term, like: Term) -> Term {
    if t.shape.isSame(as: like.shape) { return t }
    if like.shape.isOneElement && t.shape.isOneElement
      && t.shape.known.count >= like.shape.known.count
    {
      return t
    }
    return call("broadcast_to", [t, shapeTerm(like.shape, witnesses: [like])], labels: [nil, nil])
  }
}
