import NablaCore
import NablaLanguage

/// A computation graph after a forward and backward pass, detached from the engine: what
/// the graph pane and the DOT export draw.
public struct GraphSnapshot: Sendable {
  /// One node: its op, label, value and gradient, and the indices of its inputs.
  public struct Node: Sendable {
    public var id: Int
    public var op: String
    public var label: String
    public var value: Tensor
    public var gradient: Tensor?
    public var inputs: [Int]
  }

  /// Nodes in topological order (inputs first); the last one is the output.
  public var nodes: [Node]
  /// The expression the graph was made from.
  public var title: String

  init(root: NablaCore.Node, title: String) {
    self.title = title
    // Iterative post-order over every input (constants too), so inputs come first.
    var order: [NablaCore.Node] = []
    var index: [ObjectIdentifier: Int] = [:]
    var stack: [(NablaCore.Node, Int)] = [(root, 0)]
    var seen: Set<ObjectIdentifier> = [ObjectIdentifier(root)]
    while !stack.isEmpty {
      let (node, next) = stack[stack.count - 1]
      if next < node.inputs.count {
        stack[stack.count - 1].1 += 1
        let input = node.inputs[next]
        if seen.insert(ObjectIdentifier(input)).inserted { stack.append((input, 0)) }
      } else {
        stack.removeLast()
        index[ObjectIdentifier(node)] = order.count
        order.append(node)
      }
    }
    nodes = order.enumerated().map { i, node in
      Node(
        id: i + 1, op: node.op.name, label: node.label ?? (node.op == .constant ? formatScalarOrShape(node.value) : node.op.name),
        value: node.value, gradient: node.requiresGradient ? node.gradient : nil,
        inputs: node.inputs.map { index[ObjectIdentifier($0)]! })
    }
  }

  /// A plain-text listing, one node per line: what `:graph` prints without a terminal.
  public func listing() -> [String] {
    var lines = ["graph of \(title): \(nodes.count) node\(nodes.count == 1 ? "" : "s"), output last"]
    let labelWidth = min(24, nodes.map(\.label.count).max() ?? 4)
    for node in nodes {
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
    let y = try target.evaluate(self, target.leaves(), labels: true)
    guard let root = y.node else {
      throw Diagnostic.error("\(target.text) does not depend on its arguments; there is no graph to show", at: expr.range)
    }
    if y.value.count == 1 { _ = try backward(from: y) }
    root.label = root.label ?? target.text
    return GraphSnapshot(root: root, title: target.text)
  }

  /// `:graph f(args)`: the pane on a terminal; a listing otherwise.
  func graph(_ expr: Expr, into result: inout EntryResult) throws {
    let snapshot = try graphSnapshot(expr, source: result.source, command: ":graph")
    for line in snapshot.listing() { result.print(line) }
    result.action = .showGraph(snapshot)
  }
}
