import NablaCore

/// Reverse-mode differentiation over the term graph of a function body: the adjoint of the
/// output is 1; nodes are visited parents before children, each node's adjoint is the sum of
/// the contributions its uses sent it, and its rule (`DerivativeRules*.swift`) sends
/// contributions on to its arguments. As in the engine, a node used twice gets both.
///
/// Shapes: an adjoint may be smaller than its node (`1` for a vector output's node is read
/// as ones); a contribution to an argument that was broadcast is summed back to the
/// argument's shape explicitly with `sum_to` (or `sum`), unless the shapes surely agree.
///
/// The function is taken to be scalar-valued, as `:grad` and `:check` need. So a node whose
/// single element the output's single element implies (the output, and everything reached
/// from it through elementwise operations) holds one element, and needs no reduction; a
/// parameter used there is a scalar. For an elementwise function of vectors the result is
/// then the elementwise derivative, as a textbook writes it.
final class Differentiator {
  let graph: TermGraph
  /// Terms known to hold one element.
  let oneElement: Set<Int>
  /// What the derivative assumes or cannot do everywhere, in the order found.
  var notes: [SymbolicNote] = []
  /// Places where the derivative does not exist or is a convention, for `:check`.
  var sites: [SingularSite] = []
  /// Asked now and then; true stops the differentiation with `SymbolicError.cancelled`.
  var isCancelled: (() -> Bool)? = nil
  /// The signs of terms found so far (`SignAnalysis.swift`).
  private var signs: [Int: TermSign] = [:]

  /// Whether `t` is positive wherever it is defined (so a log or a root of it, or a
  /// division by it, has a derivative everywhere).
  func isPositive(_ t: Term) -> Bool {
    graph.sign(of: t, memo: &signs) == .positive
  }

  init(graph: TermGraph, root: Term) {
    self.graph = graph
    self.oneElement = Differentiator.oneElementTerms(root)
  }

  /// One contribution to a term's adjoint: where it comes from (a source position) and what.
  struct Contribution {
    var target: Term
    var key: Int
    var value: Term
  }

  /// The adjoint of each parameter in `wrt`.
  func gradients(of root: Term, wrt: [String]) throws(SymbolicError) -> [Term] {
    let wanted = wrt.reduce(UInt64(0)) { $0 | graph.mask(of: $1) }
    var pending: [Int: [(key: Int, value: Term)]] = [root.id: [(0, graph.one)]]
    var adjoints: [Int: Term] = [:]
    for (k, node) in Differentiator.topologicalOrder(root).reversed().enumerated() {
      if k & 255 == 255, isCancelled?() == true { throw SymbolicError.cancelled }
      guard let parts = pending.removeValue(forKey: node.id) else { continue }
      graph.position = node.order
      let sorted = parts.enumerated().sorted {
        ($0.element.key, $0.offset) < ($1.element.key, $1.offset)
      }
      let g = graph.sum(
        sorted.map { .init(coefficient: 1, term: $0.element.value, position: $0.element.key) })
      adjoints[node.id] = g
      if case .variable = node.op { continue }
      guard node.dependencies & wanted != 0, !isZero(g) else { continue }
      graph.position = node.order
      for c in try contributions(of: node, adjoint: g) where c.target.dependencies & wanted != 0 {
        pending[c.target.id, default: []].append((c.key, c.value))
      }
    }
    return wrt.map { name in
      let x = graph.variable(name)
      graph.position = x.order
      // A parameter the output does not depend on has derivative 0.
      guard let g = adjoints[x.id] else { return graph.zero }
      // Shaped like the argument: a constant gradient of a tensor parameter is broadcast.
      if !oneElement.contains(x.id) && g.shape.isOneElement && !x.shape.isOneElement {
        return graph.broadcast(g, like: x)
      }
      return g
    }
  }

  private func isZero(_ t: Term) -> Bool {
    if t.number == 0 { return true }
    return t.callName == "broadcast_to" && t.args[0].number == 0
  }

  // MARK: Shapes of contributions

  /// A contribution `c` (no larger than `node`) for argument `arg` of an elementwise node,
  /// summed back over the axes along which `arg` was broadcast.
  func reduce(_ c: Term, from node: Term, to arg: Term) -> Term {
    if oneElement.contains(arg.id) || arg.shape.isSame(as: node.shape)
      || arg.shape.covers(node.shape)
    {
      return c
    }
    if arg.shape.isSame(as: .scalar) {
      return graph.call("sum", full(c, node))
    }
    // Axes where c is 1 but node is not are axes where arg is not 1 either (arg carries the
    // atoms that c lacks), so c need not be broadcast first.
    let atoms = Set(c.shape.atoms).union(arg.shape.atoms)
    let knownOK =
      (try? broadcastShapes(c.shape.known, arg.shape.known, op: "shape")) == node.shape.known
    let source = atoms.isSuperset(of: node.shape.atoms) && knownOK ? c : full(c, node)
    return graph.sumTo(source, like: arg)
  }

  /// `g` with exactly `node`'s shape.
  func full(_ g: Term, _ node: Term) -> Term {
    if oneElement.contains(node.id) && g.shape.isOneElement { return g }
    return graph.broadcast(g, like: node)
  }

  // MARK: Notes

  func note(_ kind: SymbolicNote.Kind, _ function: String, _ argument: Term, site: Term? = nil) {
    let note = SymbolicNote(kind: kind, function: function, argument: argument)
    let known = notes.contains { n in
      n.kind == kind && n.function == function
        && (n.argument === argument || { if case .assumption = kind { false } else { true } }())
    }
    if !known { notes.append(note) }
    if let site {
      sites.append(SingularSite(kind: kind, function: function, term: site, argument: argument))
    }
  }

  // MARK: Graph walks

  /// Every term reachable from `root`, arguments before the terms that use them.
  static func topologicalOrder(_ root: Term) -> [Term] {
    var order: [Term] = []
    var seen: Set<Int> = [root.id]
    var stack: [(Term, Int)] = [(root, 0)]
    while let (t, next) = stack.popLast() {
      if next < t.args.count {
        stack.append((t, next + 1))
        let child = t.args[next]
        if seen.insert(child.id).inserted { stack.append((child, 0)) }
      } else {
        order.append(t)
      }
    }
    return order
  }

  /// Terms that hold one element when `root` does: the root, and what elementwise
  /// operations (and reshapes) lead to from it.
  static func oneElementTerms(_ root: Term) -> Set<Int> {
    var result: Set<Int> = [root.id]
    for t in topologicalOrder(root).reversed() where result.contains(t.id) {
      switch t.op {
      case .sum, .product, .power, .compare:
        for a in t.args { result.insert(a.id) }
      case .call(let name, _):
        if TermGraph.elementwiseBuiltins.contains(name) {
          for a in t.args { result.insert(a.id) }
        } else if ["softmax", "reshape", "transpose", "expand_dims", "squeeze", "broadcast_to"]
          .contains(name),
          let x = t.args.first
        {
          result.insert(x.id)
        }
      case .literal where t.args.count == 1:
        result.insert(t.args[0].id)
      default:
        break
      }
    }
    return result
  }
}

/// Something a reader of a derivative should know: where it does not exist, or what it
/// assumed.
struct SymbolicNote {
  enum Kind: Equatable {
    /// Not differentiable at isolated points (abs, relu, maximum ties, steps).
    case kink
    /// The derivative is infinite or undefined at a point (log, sqrt, fractional powers).
    case pole
    /// Several elements tie (max/min reductions).
    case tie
    /// An assumption about shapes.
    case assumption(String)
  }
  var kind: Kind
  var function: String
  var argument: Term
}

/// A place where the derivative does not exist: where `term` is 0 (a kink or a pole), or,
/// for a tie, where `term` (a count of tied elements) exceeds 1.
struct SingularSite {
  var kind: SymbolicNote.Kind
  var function: String
  var term: Term
  /// What the site is about, for its description (`x` of `max(x)`).
  var argument: Term
}
