import NablaCore
import NablaSession

/// The backward pass replayed one node at a time, in reverse topological order: at each
/// step a node's gradient is complete and its rule adds one term to each input's gradient.
/// An input used twice (fan-out) receives two terms at two steps, which the pane shows as a
/// partial sum until the last one arrives.
///
///     let steps = BackwardSteps(snapshot)
///     steps.order[0]                         // the output
///     steps.received(by: x, atStep: 3)       // terms x has received after step 3
struct BackwardSteps {
  /// The nodes whose rules run, output first.
  let order: [Int]
  /// Per node, the terms it receives: (step, consumer node, the consumer's input slot).
  let terms: [[(step: Int, from: Int, slot: Int)]]
  private let snapshot: GraphSnapshot

  init(_ snapshot: GraphSnapshot) {
    self.snapshot = snapshot
    let nodes = snapshot.nodes
    order = nodes.indices.reversed().filter { i in
      nodes[i].gradient != nil && nodes[i].contributions.contains { $0 != nil }
    }
    var terms = [[(step: Int, from: Int, slot: Int)]](repeating: [], count: nodes.count)
    for (step, i) in order.enumerated() {
      for (slot, input) in nodes[i].inputs.enumerated() where nodes[i].contributions[slot] != nil {
        terms[input].append((step, i, slot))
      }
    }
    self.terms = terms
  }

  var count: Int { order.count }

  /// How many terms `node` has received once step `step` has run.
  func received(by node: Int, atStep step: Int) -> Int {
    terms[node].prefix { $0.step <= step }.count
  }

  /// Whether `node`'s gradient is final once step `step` has run (the output's always is).
  func isComplete(_ node: Int, atStep step: Int) -> Bool {
    node == snapshot.nodes.count - 1 || received(by: node, atStep: step) == terms[node].count
  }

  /// The sum of the first `count` terms `node` receives.
  func partialGradient(of node: Int, terms count: Int) -> Tensor? {
    let list = terms[node].prefix(count)
    guard let first = list.first, var sum = snapshot.nodes[first.from].contributions[first.slot] else { return nil }
    for term in list.dropFirst() {
      guard let t = snapshot.nodes[term.from].contributions[term.slot], t.shape == sum.shape else { continue }
      let added = zip(sum.scalars, t.scalars).map { $0 + $1 }
      sum = (try? Tensor(shape: sum.shape, scalars: added)) ?? sum
    }
    return sum
  }

  /// The rule that makes input `slot`'s term of a node with op `op`, where `∇` is the node's
  /// gradient, `y` its value and `a`, `b` its inputs.
  static func rule(op: String, slot: Int) -> String {
    switch (op, slot) {
    case ("+", _): "∇"
    case ("-", 0): "∇"
    case ("-", _): "−∇"
    case ("*", 0): "∇·b"
    case ("*", _): "∇·a"
    case ("/", 0): "∇/b"
    case ("/", _): "−∇·y/b"
    case ("^", 0): "∇·b·a^(b−1)"
    case ("^", _): "∇·y·log a"
    case ("@", 0): "∇ @ bᵀ"
    case ("@", _): "aᵀ @ ∇"
    case ("neg", _): "−∇"
    case ("exp", _): "∇·y"
    case ("log", _): "∇/a"
    case ("sin", _): "∇·cos a"
    case ("cos", _): "−∇·sin a"
    case ("tan", _): "∇·(1 + y²)"
    case ("tanh", _): "∇·(1 − y²)"
    case ("sigmoid", _): "∇·y·(1 − y)"
    case ("relu", _): "∇·[a > 0]"
    case ("sqrt", _): "∇/(2y)"
    case ("abs", _): "∇·sign a"
    case ("square", _): "∇·2a"
    case ("reciprocal", _): "−∇·y²"
    case ("sum", _): "∇ broadcast back"
    case ("mean", _): "∇/n broadcast back"
    case ("max", _), ("min", _): "∇ to the extreme elements"
    case ("maximum", 0), ("minimum", 0): "∇ where a wins"
    case ("maximum", _), ("minimum", _): "∇ where b wins"
    case ("reshape", _): "∇ reshaped"
    case ("transpose", _): "∇ transposed back"
    case ("broadcast_to", _): "Σ ∇ over broadcast axes"
    case ("sum_to_shape", _): "∇ broadcast back"
    case ("index", _): "∇ scattered into zeros"
    case ("index_adjoint", _): "∇ indexed"
    case ("concat", _): "∇'s slice"
    case ("softmax", _): "y·(∇ − Σ ∇·y)"
    case ("logsumexp", _): "∇·softmax(a)"
    case ("where", _): "∇ where chosen"
    default: "∂\(op)"
    }
  }
}
