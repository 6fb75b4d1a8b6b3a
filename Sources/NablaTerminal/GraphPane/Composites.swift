import NablaSession

/// The composite ops of a graph, which the pane can show as one box each: the user-function
/// calls the evaluator recorded, and for graphs too large to draw, runs of consecutive nodes
/// ("segments") in topological order.
///
///     let composites = Composites(snapshot, budget: 60)
///     var collapsed = composites.defaultCollapsed(budget: 60)
///     let graph = VisibleGraph(snapshot, composites, collapsed: collapsed)
struct Composites {
  struct Group {
    enum Kind { case call, segment }
    var kind: Kind
    /// `f(2*x)`, or `#101…#200` for a segment.
    var title: String
    /// The group this one is inside.
    var parent: Int?
    /// The node whose value and gradient the collapsed box shows (the last in order).
    var output: Int
    /// Every node inside, at any depth.
    var nodeCount: Int
  }

  var groups: [Group] = []
  /// Each node's innermost group.
  var groupOfNode: [Int?]
  /// Whether each node is hidden as a folded literal (`2` in `x^2`).
  var hidden: [Bool]

  /// Groups for `snapshot`: its calls, then segments over the top level when more than
  /// `budget` boxes would remain with every call collapsed.
  /// - Complexity: O(nodes × call nesting).
  init(_ snapshot: GraphSnapshot, budget: Int = 60, showLiterals: Bool = false) {
    let nodes = snapshot.nodes
    groupOfNode = nodes.map(\.call)
    // A literal shows in its consumer's label already (`x^2`); its box would be clutter.
    hidden = nodes.map { !showLiterals && $0.isLiteral }
    for call in snapshot.calls {
      groups.append(Group(kind: .call, title: call.text, parent: call.parent, output: call.output, nodeCount: 0))
    }
    for (i, g) in groupOfNode.enumerated() where !hidden[i] {
      var group = g
      while let c = group {
        groups[c].nodeCount += 1
        group = groups[c].parent
      }
    }
    addSegments(snapshot, budget: max(2, budget))
  }

  /// The items with every group collapsed, in order: top-level nodes and top-level groups,
  /// each with its key (its last node), as `segment` groups them.
  private func topLevelItems(count: Int) -> [(key: Int, item: VisibleGraph.Item)] {
    var items: [(Int, VisibleGraph.Item)] = []
    for i in 0..<count where !hidden[i] && groupOfNode[i] == nil { items.append((i, .node(i))) }
    for (g, group) in groups.enumerated() where group.parent == nil && group.nodeCount > 0 {
      items.append((group.output, .group(g)))
    }
    return items.sorted { $0.0 < $1.0 }
  }

  /// Splits a too-long top level into segments (and segments of segments) of consecutive items.
  private mutating func addSegments(_ snapshot: GraphSnapshot, budget: Int) {
    var level = topLevelItems(count: snapshot.nodes.count)
    while level.count > budget {
      let size = max(2, (level.count + budget - 1) / budget)
      var next: [(key: Int, item: VisibleGraph.Item)] = []
      var start = 0
      while start < level.count {
        let chunk = level[start..<min(level.count, start + size)]
        start += size
        if chunk.count == 1 {
          next.append(chunk.first!)
          continue
        }
        let g = groups.count
        var count = 0
        var firstNode = Int.max, lastNode = 0
        for (_, item) in chunk {
          switch item {
          case .node(let i):
            groupOfNode[i] = g
            count += 1
            firstNode = min(firstNode, i)
          case .group(let h):
            groups[h].parent = g
            count += groups[h].nodeCount
            firstNode = min(firstNode, firstNodeIndex(h, snapshot.nodes.count))
          }
          lastNode = max(lastNode, chunk.last!.key)
        }
        let title = "#\(snapshot.nodes[firstNode].id)…#\(snapshot.nodes[lastNode].id)"
        groups.append(Group(kind: .segment, title: title, parent: nil, output: lastNode, nodeCount: count))
        next.append((lastNode, .group(g)))
      }
      level = next
    }
  }

  /// The smallest node index inside group `g`.
  private func firstNodeIndex(_ g: Int, _ count: Int) -> Int {
    for i in 0..<count where !hidden[i] && isInside(node: i, group: g) { return i }
    return groups[g].output
  }

  /// Whether node `i` is inside group `g` at any depth.
  func isInside(node i: Int, group g: Int) -> Bool {
    var group = groupOfNode[i]
    while let c = group {
      if c == g { return true }
      group = groups[c].parent
    }
    return false
  }

  /// The groups around node `i`, innermost first.
  func ancestors(ofNode i: Int) -> [Int] {
    var result: [Int] = []
    var group = groupOfNode[i]
    while let c = group {
      result.append(c)
      group = groups[c].parent
    }
    return result
  }

  /// The nodes and groups directly inside `g`, counted as boxes.
  func directMemberCounts() -> [Int] {
    var counts = [Int](repeating: 0, count: groups.count)
    for (i, g) in groupOfNode.enumerated() where !hidden[i] {
      if let g { counts[g] += 1 }
    }
    for group in groups { if let p = group.parent { counts[p] += 1 } }
    return counts
  }

  /// Which groups start collapsed: everything, then groups expanded outermost first while
  /// the boxes shown stay within `budget`. Small graphs therefore open fully expanded.
  func defaultCollapsed(budget: Int) -> Set<Int> {
    var collapsed = Set(groups.indices)
    let direct = directMemberCounts()
    var shown = 0
    for (i, g) in groupOfNode.enumerated() where !hidden[i] && g == nil { shown += 1 }
    var queue: [Int] = []
    for (g, group) in groups.enumerated() where group.parent == nil && group.nodeCount > 0 {
      shown += 1
      queue.append(g)
    }
    var children = [[Int]](repeating: [], count: groups.count)
    for (g, group) in groups.enumerated() { if let p = group.parent { children[p].append(g) } }
    var head = 0
    while head < queue.count {
      let g = queue[head]
      head += 1
      let delta = direct[g] - 1
      if shown + delta <= budget {
        collapsed.remove(g)
        shown += delta
        queue += children[g].filter { groups[$0].nodeCount > 0 }
      }
    }
    return collapsed
  }
}

/// The graph as drawn: nodes, with collapsed groups replaced by one item each, and edges
/// between items (an edge stands for one or more edges of the snapshot).
struct VisibleGraph {
  enum Item: Hashable {
    case node(Int)
    case group(Int)
  }

  /// Items in topological order (every edge goes from a lower index to a higher one).
  var items: [Item]
  /// Edges between items, deduplicated.
  var edges: [(from: Int, to: Int)]
  /// For each edge, the snapshot edges it stands for: (consumer node, input slot).
  var underlying: [[(node: Int, slot: Int)]]
  /// The item showing each node (nil for a hidden literal).
  var itemOfNode: [Int?]
  /// The node whose numbers each item shows.
  var representative: [Int]

  /// - Complexity: O((nodes + edges) × nesting).
  init(_ snapshot: GraphSnapshot, _ composites: Composites, collapsed: Set<Int>) {
    let nodes = snapshot.nodes
    // Each node is shown by its outermost collapsed group, or by itself.
    var owner = [Item?](repeating: nil, count: nodes.count)
    var keys: [Item: Int] = [:]
    for i in nodes.indices where !composites.hidden[i] {
      var item = Item.node(i)
      var group = composites.groupOfNode[i]
      while let g = group {
        if collapsed.contains(g) { item = .group(g) }
        group = composites.groups[g].parent
      }
      owner[i] = item
      keys[item] = max(keys[item] ?? -1, i)
    }
    items = keys.sorted { $0.value < $1.value }.map(\.key)
    var index: [Item: Int] = [:]
    for (k, item) in items.enumerated() { index[item] = k }
    itemOfNode = owner.map { $0.flatMap { index[$0] } }
    representative = items.map { item in
      switch item {
      case .node(let i): i
      case .group(let g): composites.groups[g].output
      }
    }
    edges = []
    underlying = []
    var edgeIndex: [Int: Int] = [:]  // from * count + to
    for (n, node) in nodes.enumerated() {
      guard let to = itemOfNode[n] else { continue }
      for (slot, input) in node.inputs.enumerated() {
        guard let from = itemOfNode[input], from != to else { continue }
        let key = from * items.count + to
        if let e = edgeIndex[key] {
          underlying[e].append((n, slot))
        } else {
          edgeIndex[key] = edges.count
          edges.append((from, to))
          underlying.append([(n, slot)])
        }
      }
    }
  }
}
