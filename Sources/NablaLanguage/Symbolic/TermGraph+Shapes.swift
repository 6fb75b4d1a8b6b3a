import NablaCore

/// Shape inference for terms, and reading a call's arguments by parameter name.
extension TermGraph {
  /// Builtins that apply elementwise (with broadcasting) to all their tensor arguments.
  static let elementwiseBuiltins: Set<String> = [
    "exp", "log", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "sqrt", "abs", "sign",
    "maximum", "minimum", "where", "clip", "pow",
  ]
  /// Reductions with `axis:` and `keepdims:`.
  static let reductionBuiltins: Set<String> = ["sum", "mean", "max", "min", "logsumexp"]

  /// The argument of a call for a builtin's parameter, by the builtin's signature.
  static func argument(_ parameter: String, of name: String, labels: [String?], args: [Term])
    -> Term?
  {
    guard let builtin = Builtin.all[name] else { return nil }
    var position = 0
    for (i, label) in labels.enumerated() {
      if let label {
        if label == parameter { return args[i] }
      } else {
        if position < builtin.parameters.count && builtin.parameters[position].name == parameter {
          return args[i]
        }
        position += 1
      }
    }
    return nil
  }

  /// The argument of a call term for a builtin's parameter.
  func argument(_ parameter: String, of term: Term) -> Term? {
    guard case .call(let name, let labels) = term.op else { return nil }
    return TermGraph.argument(parameter, of: name, labels: labels, args: term.args)
  }

  /// The shape a shape argument stands for: a list of sizes, or `shape(e)`.
  func shape(denotedBy term: Term) -> SymbolicShape? {
    if let sizes = integers(of: term) {
      return sizes.allSatisfy({ $0 >= 0 }) ? .concrete(sizes) : nil
    }
    if term.callName == "shape", let e = term.args.first { return e.shape }
    return nil
  }

  /// The shape of a new term (`id` stands for it when nothing more is known).
  func inferShape(_ op: TermOp, _ args: [Term], id: Int) -> SymbolicShape {
    func opaque(_ rank: Int?) -> SymbolicShape {
      SymbolicShape(atoms: ["t:\(id)"], known: [], rank: rank)
    }
    func elementwise(_ terms: [Term]) -> SymbolicShape {
      var s = SymbolicShape.scalar
      for t in terms {
        guard let b = s.broadcast(with: t.shape) else { return opaque(nil) }
        s = b
      }
      return s
    }
    switch op {
    case .number, .constant:
      return .scalar
    case .variable(let name):
      if scalarParameters.contains(name) { return .scalar }
      return SymbolicShape(atoms: ["p:" + name], known: [], rank: parameterRanks[name])
    case .tensor(let name):
      return .concrete(tensors[name]?.shape ?? [])
    case .sum, .product, .power, .compare:
      return elementwise(args)
    case .matmul:
      return matmulShape(args[0].shape, args[1].shape)
        ?? opaque(matmulRank(args[0].shape, args[1].shape))
    case .literal:
      let shapes = args.map(\.shape)
      if let first = shapes.first?.concreteShape, shapes.allSatisfy({ $0.concreteShape == first }) {
        return .concrete([args.count] + first)
      }
      return opaque(shapes.first?.rank.map { $0 + 1 })
    case .index(let items):
      var resolved: [TensorIndex] = []
      var next = 1
      var consumed = 0
      var constant = true
      for item in items {
        func value() -> Int? {
          defer { next += 1 }
          return integers(of: args[next]).flatMap { $0.count == 1 ? $0[0] : nil }
        }
        switch item {
        case .ellipsis:
          resolved.append(.ellipsis)
        case .index:
          consumed += 1
          if let v = value() { resolved.append(.index(v)) } else { constant = false }
        case .slice(let a, let b, let c):
          let start = a ? value() : nil
          let stop = b ? value() : nil
          let step = c ? value() : nil
          if (a && start == nil) || (b && stop == nil) || (c && step == nil) { constant = false }
          resolved.append(.slice(start: start, stop: stop, step: step))
        }
      }
      if constant, let base = args[0].shape.concreteShape,
        let view = try? Tensor.view(of: base, indexedBy: resolved)
      {
        return .concrete(view.shape)
      }
      // More indices than axes (an error when evaluated) leaves the rank unknown, never negative.
      return opaque(args[0].shape.rank.flatMap { $0 >= consumed ? $0 - consumed : nil })
    case .call(let name, let labels):
      func arg(_ p: String) -> Term? { TermGraph.argument(p, of: name, labels: labels, args: args) }
      return callShape(name, arg, args, opaque: opaque)
    }
  }

  private func callShape(
    _ name: String, _ arg: (String) -> Term?, _ args: [Term], opaque: (Int?) -> SymbolicShape
  ) -> SymbolicShape {
    let x = arg("x")
    if TermGraph.elementwiseBuiltins.contains(name) {
      var s = SymbolicShape.scalar
      for t in args {
        guard let b = s.broadcast(with: t.shape) else { return opaque(nil) }
        s = b
      }
      return s
    }
    if TermGraph.reductionBuiltins.contains(name), let x {
      let axes = arg("axis").flatMap(integers(of:))
      let keepDims = arg("keepdims").flatMap(boolean(of:)) ?? false
      if arg("axis") == nil && !keepDims { return .scalar }
      if let shape = x.shape.concreteShape,
        let normalized = try? normalizeAxes(
          arg("axis") == nil ? nil : axes, rank: shape.count, op: name)
      {
        var result: [Int] = []
        for (i, n) in shape.enumerated() {
          if normalized.contains(i) {
            if keepDims { result.append(1) }
          } else {
            result.append(n)
          }
        }
        return .concrete(result)
      }
      let removed = arg("axis") == nil ? x.shape.rank : axes?.count
      return opaque(keepDims ? x.shape.rank : x.shape.rank.flatMap { r in removed.map { r - $0 } })
    }
    switch name {
    case "softmax", "flat_indices":
      return x?.shape ?? opaque(nil)
    case "reshape":
      guard let target = arg("shape") else { return opaque(nil) }
      if let sizes = integers(of: target), let from = x?.shape.concreteShape {
        if let resolved = try? Tensor(repeating: 0, shape: from).reshaped(to: sizes).shape {
          return .concrete(resolved)
        }
      }
      if let s = shape(denotedBy: target) { return s }
      return opaque(integers(of: target)?.count)
    case "broadcast_to", "sum_to", "zeros", "ones", "full", "rand", "randn", "scatter":
      if let target = arg("shape"), let s = shape(denotedBy: target) { return s }
      return opaque(arg("shape").flatMap(integers(of:))?.count)
    case "gather":
      return arg("indices")?.shape ?? opaque(nil)
    case "transpose":
      guard let x else { return opaque(nil) }
      if x.shape.isOneElement && x.shape.known.count <= 1 { return x.shape }
      if let shape = x.shape.concreteShape {
        let perm = arg("axes").flatMap(integers(of:)) ?? Array((0..<shape.count).reversed())
        if perm.count == shape.count {
          let normalized = perm.map { $0 < 0 ? $0 + shape.count : $0 }
          if Set(normalized) == Set(0..<shape.count) {
            return .concrete(normalized.map { shape[$0] })
          }
        }
      }
      return opaque(x.shape.rank)
    case "expand_dims":
      guard let x else { return opaque(nil) }
      if let shape = x.shape.concreteShape, let a = arg("axis").flatMap(integers(of:)),
        a.count == 1,
        let axis = try? normalizeAxis(a[0], rank: shape.count + 1, op: name)
      {
        var s = shape
        s.insert(1, at: axis)
        return .concrete(s)
      }
      return opaque(x.shape.rank.map { $0 + 1 })
    case "squeeze":
      guard let x else { return opaque(nil) }
      if let shape = x.shape.concreteShape {
        if let a = arg("axis") {
          if let axes = integers(of: a),
            let n = try? normalizeAxes(axes, rank: shape.count, op: name)
          {
            return .concrete(shape.enumerated().filter { !n.contains($0.offset) }.map(\.element))
          }
        } else {
          return .concrete(shape.filter { $0 != 1 })
        }
      }
      return opaque(nil)
    case "matmul_grad_a", "matmul_grad_b":
      let operand = arg(name == "matmul_grad_a" ? "a" : "b")
      return operand?.shape ?? opaque(nil)
    case "matmul", "dot":
      guard let a = arg("a"), let b = arg("b") else { return opaque(nil) }
      if name == "dot" && (a.shape.rank == 0 || b.shape.rank == 0) {
        return a.shape.broadcast(with: b.shape) ?? opaque(nil)
      }
      return matmulShape(a.shape, b.shape) ?? opaque(matmulRank(a.shape, b.shape))
    case "shape":
      if let r = x?.shape.rank { return .concrete([r]) }
      return opaque(1)
    case "size":
      return .scalar
    case "arange", "linspace":
      return opaque(1)
    case "eye":
      return opaque(2)
    case "concat":
      if let list = arg("tensors"), case .literal = list.op {
        return opaque(list.args.first?.shape.rank)
      }
      return opaque(nil)
    case "stack":
      if let list = arg("tensors"), case .literal = list.op {
        return opaque(list.args.first?.shape.rank.map { $0 + 1 })
      }
      return opaque(nil)
    default:
      return opaque(nil)
    }
  }

  /// numpy's matmul result shape, for concrete operands.
  private func matmulShape(_ a: SymbolicShape, _ b: SymbolicShape) -> SymbolicShape? {
    guard let x = a.concreteShape, let y = b.concreteShape, !x.isEmpty, !y.isEmpty else {
      return nil
    }
    let pa = x.count == 1 ? [1] + x : x
    let pb = y.count == 1 ? y + [1] : y
    guard pa[pa.count - 1] == pb[pb.count - 2],
      var out = try? broadcastShapes(Array(pa.dropLast(2)), Array(pb.dropLast(2)), op: "@")
    else { return nil }
    if x.count > 1 { out.append(pa[pa.count - 2]) }
    if y.count > 1 { out.append(pb[pb.count - 1]) }
    return .concrete(out)
  }

  private func matmulRank(_ a: SymbolicShape, _ b: SymbolicShape) -> Int? {
    guard let ra = a.rank, let rb = b.rank else { return nil }
    switch (ra, rb) {
    case (1, 1): return 0
    case (1, _): return rb - 1
    case (_, 1): return ra - 1
    default: return Swift.max(ra, rb)
    }
  }
}
