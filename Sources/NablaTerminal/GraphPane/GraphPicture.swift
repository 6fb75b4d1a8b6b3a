import NablaCore
import NablaSession

/// One drawing of a graph: the visible items for a set of collapsed composites, their boxes,
/// and the layout. `render(_:)` draws it into a character grid with the pane's decorations
/// (selection, colours, the current backward step).
struct GraphPicture {
  let visible: VisibleGraph
  let boxes: [NodeBox]
  let layout: GraphLayout
  /// Whether the picture may use Unicode (else ASCII only: `ASCIIText`).
  let unicode: Bool

  /// What changes from one frame to the next.
  struct Decorations {
    /// The selected item.
    var selected: Int?
    /// Whether colours and emphasis follow gradients (else values).
    var showsGradients = true
    /// Colour level per item (see `MagnitudeScale`), or nil for no colour.
    var levels: [Int?] = []
    /// Edges and items the current backward step touches.
    var highlightedEdges: Set<Int> = []
    var highlightedItems: Set<Int> = []
    /// Replacement gradient lines (the partial sums while stepping).
    var gradientText: [Int: String] = [:]
    /// Items drawn dim (not reached yet while stepping).
    var dimmed: Set<Int> = []
  }

  /// - Complexity: the layout's, plus a summary per box.
  /// `terms` is how many gradient terms each node receives in the backward pass.
  init(
    snapshot: GraphSnapshot, composites: Composites, collapsed: Set<Int>, maximumBoxWidth: Int,
    terms: [Int] = [], unicode: Bool = true, summaries: inout SummaryCache
  ) {
    let visible = VisibleGraph(snapshot, composites, collapsed: collapsed)
    var inputs = [Int](repeating: 0, count: visible.items.count)
    for edge in visible.edges { inputs[edge.to] += 1 }
    var boxes: [NodeBox] = []
    boxes.reserveCapacity(visible.items.count)
    for item in visible.items.indices {
      let node = visible.representative[item]
      boxes.append(
        NodeBox(
          item: item, of: visible, snapshot: snapshot, composites: composites, summaries: &summaries,
          maximumWidth: maximumBoxWidth, inputs: inputs[item], terms: node < terms.count ? terms[node] : 1,
          unicode: unicode))
    }
    // An edge carries a reduction when it stands for exactly one broadcasting input.
    var labels: [String?] = []
    var shortLabels: [String?] = []
    for list in visible.underlying {
      let reductions = Set(list.compactMap { edge -> String? in
        let node = snapshot.nodes[edge.node]
        return edge.slot < node.reductions.count ? node.reductions[edge.slot] : nil
      })
      let text = reductions.count == 1 ? reductions.first : nil
      var short = text.flatMap { t in t.split(separator: "←").dropFirst().first.map { $0.trimmingSpaces() } }
      if !unicode { short = short.map(ASCIIText.transliterate) }
      labels.append(unicode ? text : text.map(ASCIIText.transliterate))
      shortLabels.append(short)
    }
    let input = GraphLayout.Input(
      sizes: boxes.map { ($0.width, NodeBox.height) }, edges: visible.edges,
      portRanges: boxes.map(\.portRange), labels: labels, shortLabels: shortLabels, fallbackLabel: unicode ? "Σ" : "S")
    self.visible = visible
    self.boxes = boxes
    self.unicode = unicode
    self.layout = GraphLayout(input)
  }

  /// The picture as a grid, as large as the layout.
  func render(_ decorations: Decorations) -> CharacterGrid {
    var grid = CharacterGrid(width: layout.width, height: layout.height, ascii: !unicode)
    // Edges first, highlighted ones last so they win where lines share a cell.
    for path in layout.paths where !path.edges.contains(where: decorations.highlightedEdges.contains) {
      grid.drawPath(path.points, style: .plain, openStart: true, openEnd: true)
    }
    for path in layout.paths where path.edges.contains(where: decorations.highlightedEdges.contains) {
      grid.drawPath(path.points, style: .highlight, openStart: true, openEnd: true)
    }
    for label in layout.labels {
      let style: CellStyle = decorations.highlightedEdges.contains(label.edge) ? .highlight : .edgeLabel
      grid.put(label.text, x: label.x, y: label.y, style: style)
    }
    for (item, box) in layout.boxes.enumerated() {
      drawBox(item, box, into: &grid, decorations)
    }
    for port in layout.ports {
      let style: CellStyle = port.edges.contains(where: decorations.highlightedEdges.contains) ? .highlight : .plain
      grid.set("▼", x: port.x, y: port.y, style: style)
    }
    return grid
  }

  private func drawBox(_ item: Int, _ box: GraphLayout.Box, into grid: inout CharacterGrid, _ d: Decorations) {
    let content = boxes[item]
    let selected = d.selected == item
    let (x, y, w, h) = (box.x, box.y, box.width, box.height)
    let border: BorderSet = selected ? .heavy : content.isComposite ? .double : .light
    let level = d.levels.count > item ? d.levels[item] : nil
    var borderStyle: CellStyle = level.map(CellStyle.level) ?? .plain
    if d.dimmed.contains(item) { borderStyle = .dim }
    if d.highlightedItems.contains(item) { borderStyle = .highlight }
    if selected { borderStyle = .selected }

    grid.clear(x: x, y: y, width: w, height: h)
    // Top border: op on the left, shape on the right.
    grid.set(border.topLeft, x: x, y: y, style: borderStyle)
    for c in (x + 1)..<(x + w - 1) { grid.set(border.horizontal, x: c, y: y, style: borderStyle) }
    grid.set(border.topRight, x: x + w - 1, y: y, style: borderStyle)
    let shapeWidth = content.shape.count <= w - 8 ? content.shape.count : 0
    if shapeWidth > 0 { grid.put(content.shape, x: x + w - 2 - shapeWidth, y: y, style: borderStyle) }
    grid.put(content.op, x: x + 2, y: y, style: selected ? .selected : .bold, maxWidth: w - 6 - shapeWidth)
    // Sides and the three lines.
    let lines = [content.label, content.value, d.gradientText[item] ?? content.gradient]
    for (k, text) in lines.enumerated() {
      let row = y + 1 + k
      grid.set(border.vertical, x: x, y: row, style: borderStyle)
      grid.set(border.vertical, x: x + w - 1, y: row, style: borderStyle)
      var style: CellStyle = .plain
      if k == 0 { style = selected ? .bold : .plain }
      if k == 1 { style = d.showsGradients ? .dim : (level.map(CellStyle.level) ?? .plain) }
      if k == 2 { style = d.showsGradients ? (level.map(CellStyle.level) ?? .plain) : .dim }
      if k == 2 && d.highlightedItems.contains(item) { style = .highlight }
      if d.dimmed.contains(item) { style = .dim }
      grid.put(text, x: x + 2, y: row, style: style, maxWidth: w - 4)
    }
    // Bottom border: the call the node is in, and the exit of its edges.
    let bottom = y + h - 1
    grid.set(border.bottomLeft, x: x, y: bottom, style: borderStyle)
    for c in (x + 1)..<(x + w - 1) { grid.set(border.horizontal, x: c, y: bottom, style: borderStyle) }
    grid.set(border.bottomRight, x: x + w - 1, y: bottom, style: borderStyle)
    if let footer = content.footer {
      grid.put(footer, x: x + 2, y: bottom, style: .dim, maxWidth: max(0, box.exitX - x - 3))
    }
    if visible.edges.contains(where: { $0.from == item }) {
      grid.set(border.exit, x: box.exitX, y: bottom, style: borderStyle)
    }
  }
}

/// The characters of a box border.
private struct BorderSet {
  var topLeft, topRight, bottomLeft, bottomRight, horizontal, vertical, exit: Character

  static let light = BorderSet(
    topLeft: "╭", topRight: "╮", bottomLeft: "╰", bottomRight: "╯", horizontal: "─", vertical: "│", exit: "┬")
  static let heavy = BorderSet(
    topLeft: "┏", topRight: "┓", bottomLeft: "┗", bottomRight: "┛", horizontal: "━", vertical: "┃", exit: "┳")
  static let double = BorderSet(
    topLeft: "╔", topRight: "╗", bottomLeft: "╚", bottomRight: "╝", horizontal: "═", vertical: "║", exit: "╦")
}

extension Substring {
  func trimmingSpaces() -> String {
    var s = self
    while s.first == " " { s.removeFirst() }
    while s.last == " " { s.removeLast() }
    return String(s)
  }
}
