/// Chain rules of the tensor builtins: reductions (gradients broadcast back over the reduced
/// axes), softmax and logsumexp, layout (reshape, transpose, broadcast_to and its adjoint
/// sum_to), concat and stack, scatter and gather, and the matrix product.
extension Differentiator {
  /// Builtins whose value does not depend differentiably on any argument.
  static let constantBuiltins: Set<String> = [
    "zeros", "ones", "full", "arange", "linspace", "eye", "rand", "randn", "shape", "size",
    "flat_indices",
  ]

  func tensorContributions(
    _ node: Term, _ g: Term, _ name: String, arg: (String) -> Term?,
    to: (Term, Term) -> Contribution
  ) throws(SymbolicError) -> [Contribution] {
    let G = graph
    func constantIntegers(_ p: String) throws(SymbolicError) -> [Int]? {
      guard let t = arg(p) else { return nil }
      guard let values = G.integers(of: t) else {
        throw SymbolicError(
          "the \(p) of \(name) must be written as numbers to differentiate symbolically")
      }
      return values
    }

    switch name {
    case "sum", "mean", "max", "min", "logsumexp":
      guard let x = arg("x") else { return [] }
      let axes = try constantIntegers("axis")
      var keepDims = false
      if let k = arg("keepdims") {
        guard let b = G.boolean(of: k) else {
          throw SymbolicError(
            "keepdims of \(name) must be true or false to differentiate symbolically")
        }
        keepDims = b
      }
      let e = try expand(g, node, x, axes: axes, keepDims: keepDims)
      switch name {
      case "sum":
        return [to(x, G.broadcast(e, like: x))]
      case "mean":
        let count =
          arg("axis").map { G.call("size", [x], keywords: [("axis", $0)]) } ?? G.call("size", x)
        return [to(x, G.broadcast(G.divide(e, count), like: x))]
      case "max", "min":
        // Ties share the gradient: (x == max(x)) / sum(x == max(x)).
        let extreme =
          axes == nil || keepDims ? node : G.reduction(name, x, axes: axes, keepDims: true)
        let hits = G.compare(.equal, x, extreme)
        let count =
          axes == nil ? G.call("sum", hits) : G.reduction("sum", hits, axes: axes, keepDims: true)
        note(.tie, name, x, site: count)
        return [to(x, G.multiply([e, G.divide(hits, count)]))]
      default:
        // d logsumexp(x) = softmax(x) along the reduced axes.
        let soft: Term
        if let axes, axes.count == 1 {
          soft = G.call("softmax", [x], keywords: [("axis", G.number(Double(axes[0])))])
        } else if axes == nil || keepDims {
          soft = G.call("exp", G.subtract(x, node))
        } else {
          soft = G.call(
            "exp", G.subtract(x, G.reduction("logsumexp", x, axes: axes, keepDims: true)))
        }
        return [to(x, G.multiply([e, soft]))]
      }

    case "softmax":
      // y ⊙ (g − Σ g ⊙ y) along the axis
      guard let x = arg("x") else { return [] }
      let axis = try constantIntegers("axis") ?? [-1]
      let s = G.reduction("sum", G.multiply([g, node]), axes: axis, keepDims: true)
      return [to(x, G.multiply([node, G.subtract(g, s)]))]

    case "reshape", "expand_dims", "squeeze":
      guard let x = arg("x") else { return [] }
      return [to(x, G.call("reshape", full(g, node), G.shapeTerm(x.shape, witnesses: [x])))]

    case "transpose":
      guard let x = arg("x") else { return [] }
      let gf = full(g, node)
      guard let perm = try constantIntegers("axes") else { return [to(x, G.call("transpose", gf))] }
      let n = perm.count
      var inverse = [Int](repeating: 0, count: n)
      for (i, p) in perm.enumerated() {
        let q = p < 0 ? p + n : p
        if q >= 0 && q < n { inverse[q] = i }
      }
      return [to(x, G.call("transpose", [gf], keywords: [("axes", G.list(inverse))]))]

    case "broadcast_to":
      // Sum in reverse.
      guard let x = arg("x") else { return [] }
      return [to(x, G.sumTo(full(g, node), like: x))]

    case "sum_to":
      guard let x = arg("x") else { return [] }
      return [to(x, G.broadcast(g, like: x))]

    case "concat", "stack":
      guard let list = arg("tensors"), case .literal = list.op else {
        throw SymbolicError(
          "symbolic differentiation of \(name) needs its tensors written as a list",
          help: "as in \(name)([a, b], axis: 0)")
      }
      let axis = try constantIntegers("axis")?.first ?? 0
      let gf = full(g, node)
      /// The index items that select `item` along the axis, everything along the others.
      func patterns(_ item: IndexPattern) -> [IndexPattern] {
        let all = IndexPattern.slice(start: false, stop: false, step: false)
        if axis >= 0 { return Array(repeating: all, count: axis) + [item] }
        return [.ellipsis, item] + Array(repeating: all, count: -axis - 1)
      }
      var result: [Contribution] = []
      var start = G.zero
      for (i, item) in list.args.enumerated() {
        let value: Term
        if name == "stack" {
          value = G.make(.index(patterns(.index)), [gf, G.number(Double(i))])
        } else {
          let stop = G.add([
            start, G.call("size", [item], keywords: [("axis", G.number(Double(axis)))]),
          ])
          let fromStart = start.number == 0
          value = G.make(
            .index(patterns(.slice(start: !fromStart, stop: true, step: false))),
            [gf] + (fromStart ? [] : [start]) + [stop])
          start = stop
        }
        if item.dependencies != 0 {
          result.append(Contribution(target: item, key: list.argOrder[i], value: value))
        }
      }
      return result

    case "matmul", "dot":
      return try matmulContributions(node, g, name: name)

    case "scatter":
      guard let values = arg("values"), let indices = arg("indices") else { return [] }
      return [to(values, G.sumTo(G.call("gather", full(g, node), indices), like: values))]

    case "gather":
      guard let x = arg("x"), let indices = arg("indices") else { return [] }
      return [to(x, G.call("scatter", g, indices, G.shapeTerm(x.shape, witnesses: [x])))]

    default:
      if Differentiator.constantBuiltins.contains(name) { return [] }
      throw SymbolicError("symbolic differentiation does not cover \(name) yet")
    }
  }

  /// The adjoint of a reduction, with the reduced axes put back so that it broadcasts
  /// against the input.
  private func expand(_ g: Term, _ node: Term, _ x: Term, axes: [Int]?, keepDims: Bool)
    throws(SymbolicError) -> Term
  {
    guard let axes, !keepDims, !g.shape.isSame(as: .scalar) else { return g }
    var e = full(g, node)
    var order: [Int]
    if let rank = x.shape.rank {
      order = axes.map { $0 < 0 ? $0 + rank : $0 }.sorted()
    } else if axes.allSatisfy({ $0 >= 0 }) {
      order = axes.sorted()
    } else if axes.allSatisfy({ $0 < 0 }) {
      order = axes.sorted(by: >)
    } else {
      throw SymbolicError("axes of mixed signs need a known rank to differentiate symbolically")
    }
    for a in order { e = graph.expandDims(e, axis: a) }
    return e
  }

  /// The matrix product's rule for the ranks of its operands (numpy's 1-d promotion and
  /// batch broadcasting). Where a rank the rule depends on is not known, the derivative is
  /// `matmul_grad_a(a, b, g)` / `matmul_grad_b(a, b, g)`, which are right for every rank;
  /// a matrix operand's known rank is enough for the other's gradient (`transpose(X) @ g`).
  func matmulContributions(_ node: Term, _ g: Term, name: String) throws(SymbolicError)
    -> [Contribution]
  {
    let G = graph
    let (a, b) = (node.args[0], node.args[1])
    func to(_ i: Int, _ value: Term) -> Contribution {
      Contribution(target: node.args[i], key: node.argOrder[i], value: value)
    }
    guard let ra = a.shape.rank, let rb = b.shape.rank else {
      // A known matrix b: d/da = g @ bᵀ for every rank of a ≥ 1; a known matrix a:
      // d/db = aᵀ @ g for every rank of b ≥ 1. (`dot` also takes 0-d operands.)
      let matrixProduct = name != "dot"
      // The gradients broadcast g to the product's shape themselves.
      let gs = g.callName == "broadcast_to" ? g.args[0] : g
      var result: [Contribution] = []
      if a.dependencies != 0 {
        result.append(
          to(
            0,
            matrixProduct && b.shape.rank == 2
              ? G.matmul(full(g, node), G.call("transpose", b))
              : G.call("matmul_grad_a", a, b, gs)))
      }
      if b.dependencies != 0 {
        result.append(
          to(
            1,
            matrixProduct && a.shape.rank == 2
              ? G.matmul(G.call("transpose", a), full(g, node))
              : G.call("matmul_grad_b", a, b, gs)))
      }
      return result
    }
    if ra == 0 || rb == 0 {
      return [
        to(0, reduce(G.multiply([g, b]), from: node, to: a)),
        to(1, reduce(G.multiply([g, a]), from: node, to: b)),
      ]
    }
    let gf = full(g, node)
    /// The operand with its last two axes swapped.
    func swapped(_ t: Term, _ r: Int) -> Term {
      if r == 2 { return G.call("transpose", t) }
      return G.call(
        "transpose", [t], keywords: [("axes", G.list(Array(0..<(r - 2)) + [r - 1, r - 2]))])
    }
    var da: Term
    var db: Term
    switch (ra, rb) {
    case (1, 1):
      (da, db) = (G.multiply([g, b]), G.multiply([g, a]))
    case (1, 2):
      (da, db) = (G.matmul(b, gf), G.multiply([G.expandDims(a, axis: 1), gf]))
    case (2, 1):
      (da, db) = (G.multiply([G.expandDims(gf, axis: 1), b]), G.matmul(swapped(a, 2), gf))
    case (2, 2):
      (da, db) = (G.matmul(gf, swapped(b, 2)), G.matmul(swapped(a, 2), gf))
    case (1, _):
      da = G.sumTo(
        G.reduction(
          "sum", G.multiply([G.expandDims(gf, axis: -2), b]), axes: [-1], keepDims: false), like: a)
      db = G.multiply([G.expandDims(a, axis: -1), G.expandDims(gf, axis: -2)])
    case (_, 1):
      da = G.multiply([G.expandDims(gf, axis: -1), b])
      db = G.sumTo(G.multiply([G.expandDims(gf, axis: -1), a]), like: b)
    default:
      da = G.sumTo(G.matmul(gf, swapped(b, rb)), like: a)
      db = G.sumTo(G.matmul(swapped(a, ra), gf), like: b)
    }
    var result: [Contribution] = []
    if a.dependencies != 0 { result.append(to(0, da)) }
    if b.dependencies != 0 { result.append(to(1, db)) }
    return result
  }
}
