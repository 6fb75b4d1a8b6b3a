/// The chain rule of every operator and elementwise builtin: given a node and its adjoint
/// g, what each argument receives. One rule per case, in the spirit of the engine's
/// `GradientRules.swift`; tensor operations are in `DerivativeRules+Tensor.swift`.
extension Differentiator {
  func contributions(of node: Term, adjoint g: Term) throws(SymbolicError) -> [Contribution] {
    let G = graph
    func to(_ i: Int, _ value: Term) -> Contribution {
      Contribution(target: node.args[i], key: node.argOrder[i], value: value)
    }
    /// An elementwise contribution, summed back to the argument's shape.
    func elementwise(_ i: Int, _ value: Term) -> Contribution {
      to(i, reduce(value, from: node, to: node.args[i]))
    }

    switch node.op {
    case .number, .variable, .tensor, .constant:
      return []

    case .sum(_, let coefficients, _):
      // d(Σ cᵢ tᵢ)/dtᵢ = cᵢ
      return node.args.indices.map { i in elementwise(i, G.scale(numberValue(coefficients[i]), g)) }

    case .product(let k, let exponents):
      // d(k Π bⱼ^eⱼ)/dbᵢ = k eᵢ bᵢ^(eᵢ−1) Π_{j≠i} bⱼ^eⱼ
      var result: [Contribution] = []
      for (i, b) in node.args.enumerated() where b.dependencies != 0 {
        let e = numberValue(exponents[i])
        var factors: [TermGraph.Factor] = [.init(base: g, exponent: 1, position: node.order)]
        for (j, other) in node.args.enumerated() {
          let ej = numberValue(exponents[j])
          // A factor b^0 is left out (it would only carry b's shape, which g has anyway).
          if j == i && ej == 1 { continue }
          factors.append(
            .init(base: other, exponent: j == i ? ej - 1 : ej, position: node.argOrder[j]))
        }
        result.append(elementwise(i, G.product(factors, coefficient: numberValue(k) * e)))
        if isPositive(b) {
          // Defined everywhere, and so is the derivative.
        } else if e.rounded() != e && e < 1 {
          note(.pole, "^\(Expr.format(e))", b, site: b)
        } else if e < 0 {
          sitesOnly(.pole, "/", b)
        }
      }
      return result

    case .power:
      // d(a^b)/da = b a^(b−1); d(a^b)/db = a^b log(a)
      let (a, b) = (node.args[0], node.args[1])
      var result: [Contribution] = []
      if a.dependencies != 0 {
        result.append(elementwise(0, G.multiply([g, b, G.power(a, G.subtract(b, G.one))])))
      }
      if b.dependencies != 0 {
        result.append(elementwise(1, G.multiply([g, node, G.call("log", a)])))
        if !isPositive(a) { note(.pole, "^", a, site: a) }
      }
      return result

    case .compare(let op):
      note(.kink, op.symbol, node, site: G.subtract(node.args[0], node.args[1]))
      return []

    case .matmul:
      return try matmulContributions(node, g, name: "@")

    case .literal:
      // [a, b, ...]: element i receives g[i].
      let gf = full(g, node)
      return node.args.indices.map { i in
        to(i, G.make(.index([.index]), [gf, G.number(Double(i))]))
      }

    case .index(let patterns):
      // x[items] scatters g back into zeros shaped like x.
      let base = node.args[0]
      let positions = G.make(
        .index(patterns), [G.call("flat_indices", base)] + node.args.dropFirst())
      return [to(0, G.call("scatter", g, positions, G.shapeTerm(base.shape, witnesses: [base])))]

    case .call(let name, _):
      return try callContributions(node, g, name)
    }
  }

  /// Records a site for `:check` without a note (a division: the function itself is
  /// undefined where the derivative is).
  func sitesOnly(_ kind: SymbolicNote.Kind, _ function: String, _ term: Term) {
    sites.append(SingularSite(kind: kind, function: function, term: term, argument: term))
  }

  // MARK: Elementwise builtins

  private func callContributions(_ node: Term, _ g: Term, _ name: String) throws(SymbolicError)
    -> [Contribution]
  {
    let G = graph
    func arg(_ p: String) -> Term? { G.argument(p, of: node) }
    func index(of t: Term) -> Int { node.args.firstIndex { $0 === t }! }
    func to(_ t: Term, _ value: Term) -> Contribution {
      Contribution(target: t, key: node.argOrder[index(of: t)], value: value)
    }
    func elementwise(_ t: Term, _ value: Term) -> Contribution {
      to(t, reduce(value, from: node, to: t))
    }
    /// The share of maximum(a, b)'s gradient that a gets: (a > b) + (a == b)/2.
    func larger(_ a: Term, _ b: Term) -> Term {
      G.add([G.compare(.greater, a, b), G.scale(0.5, G.compare(.equal, a, b))])
    }
    func smaller(_ a: Term, _ b: Term) -> Term {
      G.add([G.compare(.less, a, b), G.scale(0.5, G.compare(.equal, a, b))])
    }

    if let x = arg("x"), TermGraph.elementwiseBuiltins.contains(name), node.args.count == 1 {
      let local: Term
      switch name {
      case "exp":  // exp(x)
        local = node
      case "log":  // 1/x
        if !isPositive(x) { note(.pole, name, x, site: x) }
        local = G.power(x, -1)
      case "sin":  // cos(x)
        local = G.call("cos", x)
      case "cos":  // -sin(x)
        local = G.negate(G.call("sin", x))
      case "tan":  // 1 + tan(x)^2
        local = G.add([G.one, G.power(node, 2)])
      case "tanh":  // 1 - tanh(x)^2
        local = G.subtract(G.one, G.power(node, 2))
      case "sigmoid":  // σ(x)(1 - σ(x))
        local = G.multiply([node, G.subtract(G.one, node)])
      case "relu":  // (x > 0)
        note(.kink, name, x, site: x)
        local = G.compare(.greater, x, G.zero)
      case "sqrt":  // 1/(2 sqrt(x))
        if !isPositive(x) { note(.pole, name, x, site: x) }
        local = G.product([.init(base: node, exponent: -1, position: node.order)], coefficient: 0.5)
      case "abs":  // sign(x)
        note(.kink, name, x, site: x)
        local = G.call("sign", x)
      case "sign":
        note(.kink, name, x, site: x)
        return []
      default:
        throw SymbolicError("symbolic differentiation does not cover \(name) yet")
      }
      return [elementwise(x, G.multiply([g, local]))]
    }

    switch name {
    case "maximum", "minimum":
      guard let a = arg("a"), let b = arg("b") else { return [] }
      note(.kink, name, node, site: G.subtract(a, b))
      let (sa, sb) =
        name == "maximum" ? (larger(a, b), larger(b, a)) : (smaller(a, b), smaller(b, a))
      var result: [Contribution] = []
      if a.dependencies != 0 { result.append(elementwise(a, G.multiply([g, sa]))) }
      if b.dependencies != 0 { result.append(elementwise(b, G.multiply([g, sb]))) }
      return result

    case "clip":
      // clip(x, lo, hi) = minimum(maximum(x, lo), hi)
      guard let x = arg("x"), let lo = arg("lo"), let hi = arg("hi") else { return [] }
      let m = G.call("maximum", x, lo)
      note(.kink, name, node, site: G.subtract(x, lo))
      sitesOnly(.kink, name, G.subtract(m, hi))
      let inner = smaller(m, hi)
      var result: [Contribution] = []
      if x.dependencies != 0 {
        result.append(elementwise(x, G.multiply([g, larger(x, lo), inner])))
      }
      if lo.dependencies != 0 {
        result.append(elementwise(lo, G.multiply([g, larger(lo, x), inner])))
      }
      if hi.dependencies != 0 { result.append(elementwise(hi, G.multiply([g, larger(m, hi)]))) }
      return result

    case "where":
      guard let c = arg("condition"), let a = arg("a"), let b = arg("b") else { return [] }
      if c.dependencies != 0 {
        // A condition a < b (or any comparison) jumps where a - b crosses 0.
        var jump: Term? = nil
        if case .compare = c.op { jump = G.subtract(c.args[0], c.args[1]) }
        note(.kink, name, c, site: jump)
      }
      var result: [Contribution] = []
      if a.dependencies != 0 { result.append(elementwise(a, G.call("where", c, g, G.zero))) }
      if b.dependencies != 0 { result.append(elementwise(b, G.call("where", c, G.zero, g))) }
      return result

    default:
      return try tensorContributions(node, g, name, arg: arg, to: to)
    }
  }
}
