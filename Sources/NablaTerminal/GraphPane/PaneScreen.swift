import NablaCore
import NablaSession

/// Drawing the pane's screen from its state: the title bar, the graph through the view, the
/// status lines, and the detail, help and too-small screens.
extension PaneState {
  /// The whole screen, `columns` × `rows`.
  func screen() -> CharacterGrid {
    var grid = CharacterGrid(width: columns, height: rows, ascii: !unicode)
    if isTooSmall {
      drawTooSmall(into: &grid)
      return grid
    }
    if mode == .detail {
      drawDetail(into: &grid)
      return grid
    }
    let status = statusLines()
    let graphTop = 1
    let graphHeight = max(1, rows - 1 - status.count)
    var view = CharacterGrid(width: columns, height: graphHeight, ascii: !unicode)
    view.paste(picture.render(decorations()), x: pictureOffsetX - originX, y: -originY)
    grid.paste(view, x: 0, y: graphTop)
    drawTitle(into: &grid)
    for (k, line) in status.enumerated() {
      let y = rows - status.count + k
      grid.clear(x: 0, y: y, width: columns, height: 1, style: line.style)
      grid.put(line.text, x: 0, y: y, style: line.style, maxWidth: columns)
    }
    if mode == .help { drawHelp(into: &grid) }
    return grid
  }

  private func drawTitle(into grid: inout CharacterGrid) {
    grid.clear(x: 0, y: 0, width: columns, height: 1, style: .bar)
    var title = (unicode ? " ∇" : "") + " graph of \(snapshot.title) · \(snapshot.nodes.count) node\(snapshot.nodes.count == 1 ? "" : "s")"
    let composites = picture.visible.items.filter { if case .group = $0 { true } else { false } }.count
    if composites > 0 { title += " · \(composites) collapsed composite\(composites == 1 ? "" : "s")" }
    title += showsGradients ? " · showing ∇" : " · showing values"
    if let step { title += " · backward step \(step + 1)/\(steps.count)" }
    // Arrows where the graph goes on beyond the view.
    var more = ""
    if originX > 0 { more += "◂" }
    if originX + columns < picture.layout.width { more += "▸" }
    if originY > 0 { more += "▴" }
    if originY + graphRows < picture.layout.height { more += "▾" }
    let right = text((more.isEmpty ? "" : "more \(more)  ") + "? keys  q quit ")
    grid.put(title, x: 0, y: 0, style: .bar, maxWidth: max(0, columns - right.count - 1))
    grid.put(right, x: columns - right.count, y: 0, style: .bar)
  }

  /// The lines under the graph: the selection (or the backward step) and a hint or message.
  func statusLines() -> [(text: String, style: CellStyle)] {
    var lines: [(text: String, style: CellStyle)] = []
    if let step {
      lines += stepLines(step)
    } else {
      lines.append((selectionLine(), .bold))
    }
    if mode == .search {
      lines.append(("/" + searchText + "▏  (Enter finds, Esc cancels)", .plain))
    } else if let message {
      lines.append((" " + message, .warning))
    } else if step != nil {
      lines.append((" b next step  B step back  Esc stop stepping  arrows move  Enter details  q quit", .dim))
    } else if let hint = edgeChoiceHint {
      lines.append((" " + hint + "  · Enter details  ? keys  q quit", .dim))
    } else {
      lines.append((
        " arrows/hjkl move  Enter details  b step backward  Tab values/∇  / search  +/- expand/collapse  ? keys  q quit",
        .dim
      ))
    }
    return lines
  }

  private func selectionLine() -> String {
    let item = selectedItem
    let node = picture.visible.representative[item]
    let n = snapshot.nodes[node]
    var summaries = self.summaries
    var text: String
    if case .group(let g) = picture.visible.items[item] {
      let group = composites.groups[g]
      text = " \(group.title): \(group.nodeCount) nodes in one box (+ expands) · output #\(n.id)"
    } else {
      text = " #\(n.id) \(n.op)  \(n.label)  \(formatCompactShape(n.value.shape))"
    }
    text += "  = " + summaries.value(node, snapshot).countsFirstText
    if let g = summaries.gradient(node, snapshot) { text += "  ∇ " + g.countsFirstText }
    let inputs = n.inputs.filter { !composites.hidden[$0] }.map { "#\(snapshot.nodes[$0].id)" }
    if !inputs.isEmpty { text += "  ← " + inputs.joined(separator: " ") }
    let users = consumers[node].map { "#\(snapshot.nodes[$0.node].id)" }
    if !users.isEmpty { text += "  → " + users.joined(separator: " ") }
    return text
  }

  /// What step `step` does: the node whose rule runs, then each term it adds to an input.
  private func stepLines(_ step: Int) -> [(text: String, style: CellStyle)] {
    let i = steps.order[step]
    let node = snapshot.nodes[i]
    var summaries = self.summaries
    var lines: [(text: String, style: CellStyle)] = []
    let gradient = summaries.gradient(i, snapshot)?.text ?? "—"
    lines.append((
      " step \(step + 1)/\(steps.count): #\(node.id) \(node.op)  \(node.label)  has its final ∇ \(gradient); its rule adds:",
      .highlight
    ))
    var shown = 0
    for (slot, input) in node.inputs.enumerated() {
      guard let term = node.contributions[slot] else { continue }
      if shown == 4 {
        lines.append(("   … and \(node.inputs.count - slot) more inputs (Enter shows them all)", .dim))
        break
      }
      shown += 1
      let target = snapshot.nodes[input]
      var rule = BackwardSteps.rule(op: node.op, slot: slot)
      if let reduction = node.reductions[slot] { rule += ", then " + reduction }
      let received = steps.received(by: input, atStep: step)
      let total = steps.terms[input].count
      let sum: String
      if total == 1 {
        sum = "its only term"
      } else if received == total {
        sum = "term \(received) of \(total): ∇ complete, " + (summaries.gradient(input, snapshot)?.text ?? "")
      } else {
        let partial = steps.partialGradient(of: input, terms: received).map { TensorSummary($0).text } ?? ""
        sum = "term \(received) of \(total): ∇ so far " + partial
      }
      lines.append(("   → #\(target.id) \(target.label):  += \(rule) = \(TensorSummary(term).text)   (\(sum))", .plain))
    }
    return lines
  }

  // MARK: Detail

  /// The detail view's text for the selected box: everything about its node, in full.
  func detailLines() -> [String] {
    let width = max(20, columns - 2)
    let item = selectedItem
    let i = picture.visible.representative[item]
    let node = snapshot.nodes[i]
    var lines: [String] = []
    if case .group(let g) = picture.visible.items[item] {
      let group = composites.groups[g]
      lines.append("\(group.title): \(group.nodeCount) nodes shown as one box (+ in the graph expands it)")
      lines.append("its output:")
    }
    lines += wrap("#\(node.id) \(node.op)   \(node.label)", width)
    var facts = "shape \(formatShape(node.value.shape))"
    if let call = composites.ancestors(ofNode: i).first(where: { composites.groups[$0].kind == .call }) {
      facts += "   inside \(composites.groups[call].title)"
    }
    lines.append(facts)
    if !node.inputs.isEmpty {
      lines.append("inputs:")
      for (slot, input) in node.inputs.enumerated() {
        let n = snapshot.nodes[input]
        var line = "  \(slot == 0 ? "a" : slot == 1 ? "b" : "#\(slot)") = #\(n.id) \(n.op) \(n.label) \(formatCompactShape(n.value.shape))"
        if let reduction = node.reductions[slot] { line += "   broadcast: ∇ \(reduction)" }
        lines += wrap(line, width)
      }
    }
    if !consumers[i].isEmpty {
      lines.append("used by:")
      for use in consumers[i] {
        let n = snapshot.nodes[use.node]
        lines += wrap("  #\(n.id) \(n.op) \(n.label)", width)
      }
    }
    let format = TensorFormat(threshold: 20_000, lineWidth: width)
    func tensorBlock(_ title: String, _ t: Tensor) -> [String] {
      ["", title + "   " + TensorSummary(t).text] + t.formatted(format).split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }
    }
    let value = tensorBlock("value", node.value)
    var gradient: [String] = []
    if let g = node.gradient {
      gradient = tensorBlock("gradient ∂(\(snapshot.title))/∂(this)", g)
    } else {
      gradient = ["", node.op == "const" ? "gradient: none (a constant)" : "gradient: none (no backward pass)"]
    }
    lines += showsGradients ? gradient + value : value + gradient
    let received = steps.terms[i]
    if received.count > 0 {
      lines.append("")
      lines.append("the backward pass added \(received.count) term\(received.count == 1 ? "" : "s") to this gradient:")
      for term in received {
        let from = snapshot.nodes[term.from]
        guard let t = from.contributions[term.slot] else { continue }
        var rule = BackwardSteps.rule(op: from.op, slot: term.slot)
        if let reduction = from.reductions[term.slot] { rule += ", then " + reduction }
        lines += tensorBlock("from #\(from.id) \(from.op) \(from.label): \(rule)", t)
      }
    }
    lines.append("")
    lines.append("(Tab puts \(showsGradients ? "values" : "gradients") first · ↑↓ PgUp PgDn scroll · q back to the graph)")
    return lines
  }

  private func drawDetail(into grid: inout CharacterGrid) {
    let lines = detailLines()
    grid.clear(x: 0, y: 0, width: columns, height: 1, style: .bar)
    let title = " details · \(describe(selectedItem))"
    let position = text(" \(min(lines.count, detailScroll + 1))–\(min(lines.count, detailScroll + rows - 2)) of \(lines.count)  q back ")
    grid.put(title, x: 0, y: 0, style: .bar, maxWidth: max(0, columns - position.count - 1))
    grid.put(position, x: max(0, columns - position.count), y: 0, style: .bar)
    for (k, line) in lines.dropFirst(detailScroll).prefix(rows - 2).enumerated() {
      grid.put(" " + line, x: 0, y: 1 + k, maxWidth: columns)
    }
    grid.clear(x: 0, y: rows - 1, width: columns, height: 1, style: .dim)
    grid.put(" ↑↓ scroll  PgUp/PgDn page  g/G top/bottom  Tab values/∇ first  q back", x: 0, y: rows - 1, style: .dim, maxWidth: columns)
  }

  /// `string` as the terminal can show it: ASCII when the locale is not UTF-8.
  func text(_ string: String) -> String { unicode ? string : ASCIIText.transliterate(string) }

  private func wrap(_ text: String, _ width: Int) -> [String] {
    var lines: [String] = []
    var rest = Substring(text)
    while rest.count > width {
      lines.append(String(rest.prefix(width)))
      rest = "    " + rest.dropFirst(width)
    }
    lines.append(String(rest))
    return lines
  }

  // MARK: Help and too small

  static let helpLines = [
    "The graph pane",
    "",
    "inputs at the top, the output at the bottom; each box shows",
    "its op and shape, its label, = value and ∇ gradient",
    "(min … max  μ mean for tensors, with NaN/Inf counts)",
    "colours grade |∇| (Tab: |value|) from blue (small) to red",
    "",
    "↑ k  to an input (the nearest)   ↓ j  to a consumer",
    "← h  → l  after k or j: the other inputs (consumers)",
    "          of the node left; else (and after Esc) the row",
    "H J K L  PgUp PgDn  pan",
    "Enter  details: full value, gradient and terms",
    "b  step the backward pass   B  step back   Esc  stop",
    "Tab  values / gradients     / search   n N  next, previous",
    "+  expand a composite (double box)",
    "-  collapse the call the node is in",
    "c  show literal constants   End  the output  Home  top left",
    "q  back to the REPL",
    "",
    "any key closes this",
  ]

  private func drawHelp(into grid: inout CharacterGrid) {
    let lines = PaneState.helpLines.map(text)
    let w = min(columns - 2, (lines.map(\.count).max() ?? 0) + 4)
    let h = min(rows - 2, lines.count + 2)
    let x = max(0, (columns - w) / 2), y = max(0, (rows - h) / 2)
    grid.clear(x: x, y: y, width: w, height: h)
    grid.drawPath([(x, y), (x + w - 1, y), (x + w - 1, y + h - 1), (x, y + h - 1), (x, y)], style: .selected)
    for (k, line) in lines.prefix(h - 2).enumerated() {
      grid.put(line, x: x + 2, y: y + 1 + k, style: k == 0 ? .bold : .plain, maxWidth: w - 4)
    }
  }

  private func drawTooSmall(into grid: inout CharacterGrid) {
    let lines = [
      "terminal too small",
      "\(columns)×\(rows); the graph pane needs \(PaneState.minimumColumns)×\(PaneState.minimumRows)",
      "enlarge the window, or press q",
    ]
    let top = max(0, (rows - lines.count) / 2)
    for (k, line) in lines.enumerated() where top + k < rows {
      grid.put(line, x: max(0, (columns - line.count) / 2), y: top + k, style: k == 0 ? .warning : .plain, maxWidth: columns)
    }
  }
}
