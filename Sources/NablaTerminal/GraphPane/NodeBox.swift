import NablaCore
import NablaSession

/// What one box of the pane says: the op and shape in its top border, the label, the value
/// and the gradient inside, and the call it belongs to (or how many nodes a composite holds)
/// in its bottom border.
///
///     ╭─tanh────(2,4)─╮
///     │ tanh(x@W + b) │
///     │ = -1 … 1  μ 0 │
///     │ ∇ -0.3 … 0.2  │
///     ╰─in f(x)─┬─────╯
struct NodeBox {
  var op: String
  var shape: String
  var label: String
  var value: String
  var gradient: String
  var footer: String?
  var isComposite: Bool
  var width: Int

  static let height = 5
  static let minimumWidth = 14

  /// The box for an item of `graph`; `maximumWidth` bounds it (long text ends in `…`).
  /// `inputs` is how many edges enter the box (each needs a column of the top border) and
  /// `terms` how many gradient terms the node receives (stepping shows `∇ 1/3: …`).
  init(
    item: Int, of graph: VisibleGraph, snapshot: GraphSnapshot, composites: Composites,
    summaries: inout SummaryCache, maximumWidth: Int, inputs: Int = 1, terms: Int = 1, unicode: Bool = true
  ) {
    let node = graph.representative[item]
    let n = snapshot.nodes[node]
    shape = formatCompactShape(n.value.shape)
    // The NaN/Inf counts first: a narrow box cuts its lines' ends off.
    value = "= " + summaries.value(node, snapshot).countsFirstText
    gradient = n.gradient == nil ? "∇ —" : "∇ " + summaries.gradient(node, snapshot)!.countsFirstText
    switch graph.items[item] {
    case .node:
      op = n.op
      label = n.label
      isComposite = false
      // The innermost call around the node (segments are not worth naming).
      footer = composites.ancestors(ofNode: node).first { composites.groups[$0].kind == .call }
        .map { "in " + composites.groups[$0].title }
    case .group(let g):
      let group = composites.groups[g]
      isComposite = true
      switch group.kind {
      case .call: op = group.title.split(separator: "(").first.map(String.init) ?? group.title
      case .segment: op = "nodes"
      }
      label = group.title
      footer = "\(group.nodeCount) nodes"
    }
    if !unicode {
      (op, shape, label) = (ASCIIText.transliterate(op), ASCIIText.transliterate(shape), ASCIIText.transliterate(label))
      (value, gradient) = (ASCIIText.transliterate(value), ASCIIText.transliterate(gradient))
      footer = footer.map(ASCIIText.transliterate)
    }
    let stepping = terms > 1 ? "\(terms)/\(terms): ".count : 0
    let content = max(label.count, value.count, gradient.count + stepping) + 4
    let border = op.count + shape.count + 6 + 2 * inputs
    // The footer sits left of the exit in the middle of the bottom border.
    let bottom = footer.map { 2 * (min($0.count, 10) + 3) + 1 } ?? 0
    width = min(max(NodeBox.minimumWidth, content, border, bottom), max(NodeBox.minimumWidth, maximumWidth))
  }

  /// Top-border columns (relative to the box) free for edges to enter: between the op and
  /// the shape, when there is room for `count` of them.
  var portRange: ClosedRange<Int>? {
    let lo = 2 + min(op.count, width - 6) + 1
    let hi = width - 3 - shape.count - 1
    return hi >= lo ? lo...hi : nil
  }
}

/// Summaries of values and gradients, computed when a box first needs them (a 10,000-node
/// graph shows few boxes at a time).
struct SummaryCache {
  private var values: [Int: TensorSummary] = [:]
  private var gradients: [Int: TensorSummary] = [:]

  mutating func value(_ node: Int, _ snapshot: GraphSnapshot) -> TensorSummary {
    if let s = values[node] { return s }
    let s = TensorSummary(snapshot.nodes[node].value)
    values[node] = s
    return s
  }

  mutating func gradient(_ node: Int, _ snapshot: GraphSnapshot) -> TensorSummary? {
    if let s = gradients[node] { return s }
    guard let g = snapshot.nodes[node].gradient else { return nil }
    let s = TensorSummary(g)
    gradients[node] = s
    return s
  }
}

extension TensorSummary {
  /// `text` with the NaN and Inf counts first, so that a narrow box, which cuts the end
  /// off, always shows them: `1 NaN  -5.21 … 1  μ 0.00807`.
  var countsFirstText: String {
    guard hasNonFinite, single == nil else { return text }
    var parts: [String] = []
    if nans > 0 { parts.append("\(nans) NaN") }
    if infs > 0 { parts.append("\(infs) Inf") }
    if !min.isNaN {
      parts.append(min == max ? "all \(formatCompact(min))" : "\(formatCompact(min)) … \(formatCompact(max))  μ \(formatCompact(mean))")
    }
    return parts.joined(separator: "  ")
  }
}
