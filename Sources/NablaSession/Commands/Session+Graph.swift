import NablaCore
import NablaLanguage

/// A computation graph after a forward and backward pass, detached from the engine: what
/// the graph pane and the DOT export draw.
///
///     let snapshot = try session.graphSnapshot(expr, source: source, command: ":graph")
///     snapshot.nodes.last!.gradient          // 1, the seed
///     snapshot.nodes[i].contributions[j]     // what node i's rule added to input j's gradient
public struct GraphSnapshot: Sendable {
  /// One node: its op, label, value and gradient, and the indices of its inputs.
  public struct Node: Sendable {
    public var id: Int
    public var op: String
    public var label: String
    public var value: Tensor
    public var gradient: Tensor?
    public var inputs: [Int]
    /// For each input, the term this node's gradient rule added to that input's gradient in
    /// the backward pass; nil where the input takes no gradient.
    public var contributions: [Tensor?] = []
    /// For each input, the sum the backward pass applies because the input was broadcast,
    /// as `(3,1) ← Σ axis 1 ← (3,4)`; nil where there is none.
    public var reductions: [String?] = []
    /// The innermost user-function call (an index into `calls`) the node was computed in.
    public var call: Int?

    /// Whether the node is a one-element constant nobody named (a literal such as the `2`
    /// of `x^2`), which a drawing may fold into its consumer.
    public var isLiteral: Bool {
      op == "const" && value.count == 1 && label == formatScalar(value.scalars[0])
    }
  }

  /// A call of a user function inside the graph: a composite op whose nodes can be shown as
  /// one box.
  public struct Call: Sendable {
    /// The function's name.
    public var name: String
    /// The call as `f(2*x)`, with its arguments' labels.
    public var text: String
    /// The node the call returned.
    public var output: Int
    /// The call this one was made in, if any.
    public var parent: Int?
  }

  /// Nodes in topological order (inputs first); the last one is the output.
  public var nodes: [Node]
  /// The user-function calls, innermost first (a call comes before the calls it is inside).
  public var calls: [Call] = []
  /// The expression the graph was made from.
  public var title: String

  /// Snapshots the graph under `root`; `calls` (from the evaluator) become composites.
  init(root: NablaCore.Node, title: String, calls records: [CallRecord] = []) {
    self.title = title
    // Iterative post-order over every input (constants too), so inputs come first.
    var order: [NablaCore.Node] = []
    var index: [ObjectIdentifier: Int] = [:]
    // `inputs` is computed, so each node's is read once and kept on the stack.
    var orderInputs: [[NablaCore.Node]] = []
    var stack: [(node: NablaCore.Node, inputs: [NablaCore.Node], next: Int)] = [(root, root.inputs, 0)]
    var seen: Set<ObjectIdentifier> = [ObjectIdentifier(root)]
    while let top = stack.last {
      if top.next < top.inputs.count {
        stack[stack.count - 1].next += 1
        let input = top.inputs[top.next]
        if seen.insert(ObjectIdentifier(input)).inserted { stack.append((input, input.inputs, 0)) }
      } else {
        stack.removeLast()
        index[ObjectIdentifier(top.node)] = order.count
        order.append(top.node)
        orderInputs.append(top.inputs)
      }
    }
    nodes = order.enumerated().map { i, node in
      let inputs = orderInputs[i]
      var snapshot = Node(
        id: i + 1, op: node.op.name,
        label: node.label ?? (node.op == .constant ? formatScalarOrShape(node.value) : node.op.name),
        value: node.value, gradient: node.requiresGradient ? node.gradient : nil,
        inputs: inputs.map { index[ObjectIdentifier($0)]! })
      // A rule that fails here failed in the backward pass already; show no terms then.
      snapshot.contributions =
        inputs.isEmpty || node.gradient == nil
        ? inputs.map { _ in nil } : (try? node.gradientContributions()) ?? inputs.map { _ in nil }
      snapshot.reductions = inputs.map { input in
        input.requiresGradient ? broadcastReduction(node.op, input: input.shape, output: node.shape) : nil
      }
      return snapshot
    }
    assignCalls(records, index: index)
  }

  /// Makes `records` composites: each call holds the nodes its output depends on without
  /// passing through an argument. A call whose output is the graph's output holds
  /// everything and is left out.
  /// - Complexity: about O(nodes + edges).
  private mutating func assignCalls(_ records: [CallRecord], index: [ObjectIdentifier: Int]) {
    // Each walk steps over the calls made inside this one (through their arguments), so
    // every node is visited about once.
    var callArguments: [[Int]] = []
    for record in records {
      guard let output = index[ObjectIdentifier(record.output)], output != nodes.count - 1 else { continue }
      let arguments = Set(record.arguments.compactMap { index[ObjectIdentifier($0)] })
      if arguments.contains(output) { continue }  // f(x) = x
      let c = calls.count
      calls.append(Call(name: record.name, text: record.text, output: output, parent: nil))
      callArguments.append(Array(arguments))
      var stack = [output]
      var visited: Set<Int> = [output]
      while let i = stack.popLast() {
        var next = nodes[i].inputs
        if let inner = nodes[i].call {
          var top = inner
          while let p = calls[top].parent { top = p }
          if top == c { continue }
          calls[top].parent = c
          next = callArguments[top]
        } else {
          nodes[i].call = c
        }
        for j in next where !arguments.contains(j) && visited.insert(j).inserted { stack.append(j) }
      }
    }
  }

  /// A plain-text listing, one node per line: what `:graph` prints without a terminal.
  /// Past `limit` nodes it shows the first and last `limit / 2` (`:dot` writes them all).
  public func listing(limit: Int = 200) -> [String] {
    var lines = ["graph of \(title): \(nodes.count) node\(nodes.count == 1 ? "" : "s"), output last"]
    var shown = Array(nodes.indices)
    if nodes.count > limit {
      shown = Array(nodes.indices.prefix(limit / 2)) + [-1] + Array(nodes.indices.suffix(limit / 2))
    }
    let labelWidth = min(24, shown.map { $0 < 0 ? 0 : nodes[$0].label.count }.max() ?? 4)
    for i in shown {
      guard i >= 0 else {
        lines.append("  … \(nodes.count - limit / 2 * 2) nodes not listed (:dot FILE.dot writes them all) …")
        continue
      }
      let node = nodes[i]
      var line = "  #\(node.id) " + pad(String(node.label.prefix(24)), labelWidth) + "  " + pad(node.op, 6)
      line += "  " + pad(formatShape(node.value.shape), 7)
      line += "  value " + node.value.shortDescription(maxWidth: 30)
      if let g = node.gradient { line += "  grad " + g.shortDescription(maxWidth: 30) }
      if !node.inputs.isEmpty {
        line += "  ← " + node.inputs.map { "#\(nodes[$0].id)" }.joined(separator: ", ")
      }
      lines.append(line)
    }
    return lines
  }
}

func formatScalarOrShape(_ t: Tensor) -> String {
  t.count == 1 ? formatScalar(t.scalars[0]) : "const \(formatShape(t.shape))"
}

extension Session {
  /// Evaluates a call with labelled leaves, backpropagates, and snapshots the graph.
  func graphSnapshot(_ expr: Expr, source: SourceText, command: String) throws -> GraphSnapshot {
    let target = try callTarget(expr, source: source, command: command)
    // As `CallTarget.evaluate`, keeping the evaluator for the calls it records.
    var evaluator = makeEvaluator(labels: true)
    let leaves = target.leaves()
    let y: Variable
    if target.isInline {
      let bindings = Dictionary(uniqueKeysWithValues: zip(target.parameters, leaves))
      y = try evaluator.evaluate(target.function.definition.body, bindings: bindings)
    } else {
      y = try evaluator.call(target.function, arguments: leaves, at: target.range)
    }
    guard let root = y.node else {
      throw Diagnostic.error("\(target.text) does not depend on its arguments; there is no graph to show", at: expr.range)
    }
    if y.value.count == 1 { _ = try backward(from: y) }
    root.label = root.label ?? target.text
    return GraphSnapshot(root: root, title: target.text, calls: evaluator.calls)
  }

  /// `:graph f(args)`: the pane on a terminal; a listing otherwise.
  func graph(_ expr: Expr, into result: inout EntryResult) throws {
    let snapshot = try graphSnapshot(expr, source: result.source, command: ":graph")
    for line in snapshot.listing() { result.print(line) }
    result.action = .showGraph(snapshot)
  }
}
