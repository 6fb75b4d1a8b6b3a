/// One gradient rule per primitive op, written with the same differentiable operations as
/// the forward pass. The backward pass normally calls a rule with detached inputs, so it
/// costs only its kernels; with `createGraph` the inputs are attached and the rule's own
/// operations are recorded, which gives higher derivatives for free.

extension Variable {
  /// A constant mask computed from values (masks carry no gradient).
  private static func mask(_ t: Tensor) -> Variable { Variable(t) }

  /// A rule's expression in `g` and `y` as one fused kernel, when nothing is recorded and
  /// `g` broadcasts to `y` (the usual backward pass); nil when the written-out form must run.
  private static func unrecorded(
    _ g: Variable, _ y: Variable, _ kernel: (Tensor, Tensor) -> Tensor
  ) -> Variable? {
    guard !g.requiresGradient && !y.requiresGradient && (g.shape == y.shape || g.value.broadcasts(to: y.shape))
    else { return nil }
    return Variable(kernel(g.value, y.value))
  }

  /// The gradients of `op`'s inputs given the output `y` and its gradient `g`.
  /// `needs[i]` says whether input i wants one; a nil entry means zero.
  ///
  /// With `unexpanded`, the backward pass takes contributions of any shape that broadcasts to
  /// the input's, and may pass an elementwise op a `g` of such a shape: a sum's gradient then
  /// stays one number instead of a tensor of copies (see `backward`).
  static func gradients(
    of op: Op, inputs x: RuleInputs, output y: Variable, gradient g: Variable, needs: Needs,
    unexpanded: Bool = false
  ) throws(TensorError) -> Contributions {
    switch op {
    case .leaf, .constant:
      return .none

    case .unary(let f):
      let a = x[0]
      switch f {
      case .negate: return .one(-g)
      case .exp: return .one(try g * y)
      case .log: return .one(try g / a)
      case .sin: return .one(try g * cos(a))
      case .cos: return .one(-(try g * sin(a)))
      case .tan: return .one(try g * (1 + y * y))
      case .tanh:
        if let fused = unrecorded(g, y, Tensor.tanhGradient) { return .one(fused) }
        return .one(try g * (1 - y * y))
      case .sigmoid:
        if let fused = unrecorded(g, y, Tensor.sigmoidGradient) { return .one(fused) }
        return .one(try g * (y * (1 - y)))
      case .relu: return .one(try g * mask(a.value.map(.positive)))
      case .sqrt: return .one(try g / (2 * y))
      case .abs: return .one(try g * mask(a.value.map(.sign)))
      case .square: return .one(try g * (2 * a))
      case .reciprocal: return .one(-(try g * (y * y)))
      case .sign, .positive, .nonzero, .finiteOrZero: return .one(nil)
      }

    case .binary(let f):
      let (a, b) = (x[0], x[1])
      // Every binary op broadcasts, so every contribution v (a tensor of the output's shape,
      // possibly unexpanded) is summed back to its input's shape.
      func reduced(_ v: Variable?, _ i: Int) throws(TensorError) -> Variable? {
        guard needs[i], let v else { return nil }
        let shape = x[i].shape
        if shape == y.shape {
          // The input was not broadcast: v is its gradient, left unexpanded if it may be.
          if v.shape == shape || unexpanded { return v }
          return try broadcast(v, to: shape)
        }
        // The input was broadcast: every copy of it gets its share, v's elements summed
        // over the broadcast axes (an unexpanded v is expanded first, to count its copies).
        return try sumToShape(v.shape == y.shape ? v : broadcast(v, to: y.shape), shape)
      }

      switch f {
      case .add:
        return .two(try reduced(g, 0), try reduced(g, 1))
      case .subtract:
        return .two(try reduced(g, 0), try reduced(-g, 1))
      case .multiply:
        // g ⊙ other summed back to a broadcast input's shape, fused when nothing is recorded.
        func product(_ other: Variable, _ i: Int) throws(TensorError) -> Variable? {
          guard needs[i] else { return nil }
          if !g.requiresGradient && !other.requiresGradient && x[i].shape != y.shape {
            return Variable(try Tensor.productSummed(g.value, other.value, to: x[i].shape, shape: y.shape))
          }
          return try reduced(g * other, i)
        }
        return .two(try product(b, 0), try product(a, 1))
      case .divide:
        return .two(
          try reduced(needs[0] ? g / b : nil, 0),
          try reduced(needs[1] ? -(try g * y / b) : nil, 1))
      case .power:
        // d(a^b)/da = b·a^(b−1), taken as 0 where a = b = 0 (a^0 is constant even at 0;
        // the base is replaced by 1 there so that no 0·∞ appears, at any order);
        // d(a^b)/db = a^b·log(a), taken as 0 where a = 0.
        var da: Variable? = nil
        if needs[0] && !needs[1] && b.value.scalar == 2 && !g.requiresGradient && !a.requiresGradient
          && a.shape == y.shape && (g.shape == a.shape || g.value.broadcasts(to: a.shape))
        {
          // a^2, the common case: g ⊙ (2a) in one pass.
          da = Variable(Tensor.squareGradient(g.value, a.value))
        } else if needs[0] {
          var base = a
          if b.value.withUnsafeBufferPointer({ $0.contains(0) }) {
            let live = try b.value.map(.nonzero).combined(.maximum, with: a.value.map(.nonzero))
            base = try select(mask(live), a, 1)
          }
          da = try g * (b * pow(base, b - 1))
        }
        var db: Variable? = nil
        if needs[1] {
          let zero = mask(a.value.map(.nonzero))
          let safeLog = try select(zero, log(select(zero, a, 1)), 0)
          db = try g * (y * safeLog)
        }
        return .two(try reduced(da, 0), try reduced(db, 1))
      case .maximum, .minimum:
        // Ties share the gradient equally.
        let share = mask(
          f == .maximum
            ? try a.value.combined(.maximumShare, with: b.value)
            : try b.value.combined(.maximumShare, with: a.value))
        return .two(
          try reduced(needs[0] ? g * share : nil, 0),
          try reduced(needs[1] ? g * (1 - share) : nil, 1))
      case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual, .maximumShare:
        return .two(nil, nil)
      }

    case .reduce(let r, let axes, let keepDims):
      let a = x[0]
      let keptShape = Tensor.reducedShape(a.shape, axes: axes, keepDims: true)
      let gk = try reshape(g, keptShape)
      switch r {
      case .sum:
        return .one(unexpanded ? gk : try broadcast(gk, to: a.shape))
      case .mean:
        let n = Double(axes.reduce(1) { $0 * a.shape[$1] })
        let share = try gk / Variable(Tensor(n))
        return .one(unexpanded ? share : try broadcast(share, to: a.shape))
      case .max, .min:
        let yk = try y.value.reshaped(to: keptShape)
        let hits = try a.value.combined(.equal, with: yk)
        let count = try hits.reduce(.sum, axes: axes, keepDims: true)
        let share = try hits.combined(.divide, with: count)
        _ = keepDims
        return .one(try broadcast(gk, to: a.shape) * mask(share))
      }

    case .reshape:
      return .one(try reshape(g, x[0].shape))
    case .transpose(let perm):
      return .one(try transpose(g, Tensor.inversePermutation(perm)))
    case .broadcast:
      return .one(try sumToShape(g, x[0].shape))
    case .sumToShape:
      return .one(try broadcast(g, to: x[0].shape))
    case .index(let view):
      return .one(indexAdjoint(g, view, shape: x[0].shape))
    case .indexAdjoint(let view):
      return .one(indexed(g, view))

    case .concat(let axis):
      var start = 0
      var result: [Variable?] = []
      for (i, input) in x.enumerated() {
        let size = input.shape[axis]
        if needs[i] {
          var items = [TensorIndex](repeating: .slice(start: nil, stop: nil, step: nil), count: axis)
          items.append(.slice(start: start, stop: start + size, step: 1))
          result.append(try index(g, items))
        } else {
          result.append(nil)
        }
        start += size
      }
      return .many(result)

    case .matmul:
      let (a, b) = (x[0], x[1])
      let (pa, pb, _) = try Tensor.matmulShapes(a.shape, b.shape)
      // Work in the promoted (≥ 2-d) shapes, where the output is (…, m, n).
      var outShape = try broadcastShapes(Array(pa.dropLast(2)), Array(pb.dropLast(2)), op: "@")
      outShape += [pa[pa.count - 2], pb[pb.count - 1]]
      let g2 = try reshape(g, outShape)
      let a2 = try reshape(a, pa)
      let b2 = try reshape(b, pb)
      func swapLast(_ v: Variable) throws(TensorError) -> Variable {
        var perm = Array(0..<v.value.rank)
        perm.swapAt(perm.count - 1, perm.count - 2)
        return try transpose(v, perm)
      }
      // g @ bᵀ and aᵀ @ g. Unrecorded, BLAS reads the transposes in place (no copies);
      // recorded, they are the primitives transpose and matmul.
      func product(_ l: Variable, _ r: Variable, transposing left: Bool) throws(TensorError) -> Variable {
        if l.requiresGradient || r.requiresGradient {
          return try left ? matmul(swapLast(l), r) : matmul(l, swapLast(r))
        }
        return Variable(try l.value.matmul(r.value, transposingSelf: left, transposingOther: !left))
      }
      let da = needs[0] ? try reshape(sumToShape(product(g2, b2, transposing: false), pa), a.shape) : nil
      let db = needs[1] ? try reshape(sumToShape(product(a2, g2, transposing: true), pb), b.shape) : nil
      return .two(da, db)

    case .softmax(let axis):
      // y ⊙ (g − Σ g⊙y)
      let s = try sum(g * y, axes: [axis], keepDims: true)
      return .one(try y * (g - s))

    case .logsumexp(let axes, _):
      let a = x[0]
      let keptShape = Tensor.reducedShape(a.shape, axes: axes, keepDims: true)
      let softmax = try exp(a - reshape(y, keptShape))
      return .one(try broadcast(reshape(g, keptShape), to: a.shape) * softmax)

    case .select:
      let condition = x[0]
      let zero = Variable(Tensor(0))
      return .many([
        nil,
        needs[1] ? try sumToShape(select(condition, g, zero), x[1].shape) : nil,
        needs[2] ? try sumToShape(select(condition, zero, g), x[2].shape) : nil,
      ])
    }
  }
}
