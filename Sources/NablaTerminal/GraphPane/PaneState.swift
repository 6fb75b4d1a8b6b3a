import NablaCore
import NablaSession

/// Everything the graph pane shows and what each key does to it. Pure: the terminal feeds
/// keys in and shows `screen()`, so tests drive it without a terminal.
///
///     var pane = PaneState(snapshot, columns: 120, rows: 40)
///     pane.handle(.up)          // to an input of the output
///     pane.handle(.character("b"))
///     pane.screen().lines()
struct PaneState {
  /// A key, as the terminal reports it.
  enum Key: Equatable {
    case up, down, left, right
    case enter, tab, escape, backspace
    case pageUp, pageDown, home, end
    case resize(columns: Int, rows: Int)
    case character(Character)
  }

  enum Mode: Equatable {
    case graph
    /// The selected node's full value, gradient and terms, scrolled by `detailScroll`.
    case detail
    case help
    /// Typing a search after `/`.
    case search
  }

  /// The smallest terminal the pane draws in.
  static let minimumColumns = 40
  static let minimumRows = 12
  /// Graphs with more boxes than this open with composites collapsed (`Composites`).
  static let collapseThreshold = 200
  /// How many boxes a collapsed graph shows at first.
  static let collapsedBudget = 60

  let snapshot: GraphSnapshot
  private(set) var composites: Composites
  private(set) var collapsed: Set<Int>
  private(set) var picture: GraphPicture
  private(set) var summaries = SummaryCache()
  let steps: BackwardSteps
  /// Each node's consumers: (consumer, the input slot it is used in).
  let consumers: [[(node: Int, slot: Int)]]
  private let gradientScale: MagnitudeScale
  private let valueScale: MagnitudeScale

  /// Whether the terminal shows UTF-8; else the pane draws in ASCII (`ASCIIText`).
  let unicode: Bool
  private(set) var columns: Int
  private(set) var rows: Int
  /// A fixed box width (for tests); else it follows the terminal's width.
  private let fixedBoxWidth: Int?
  /// The node whose box (or whose composite's box) is selected.
  private(set) var selectedNode: Int
  /// The top-left of the view, in the picture's cells.
  private(set) var originX = 0
  private(set) var originY = 0
  private(set) var showsGradients = true
  private(set) var showsLiterals = false
  private(set) var mode = Mode.graph
  /// The backward step shown (an index into `steps.order`), while stepping.
  private(set) var step: Int?
  private(set) var detailScroll = 0
  private(set) var searchText = ""
  private(set) var lastSearch = ""
  /// A one-line answer to the last key (not found, nothing above, …).
  private(set) var message: String?
  private(set) var wantsToQuit = false
  /// The inputs or consumers the last `k` or `j` chose among (`h`/`l` step through them).
  private(set) var edgeChoice: EdgeChoice?

  /// - Parameters:
  ///   - boxWidth: a fixed maximum box width; by default a third of the terminal.
  ///   - budget: how many boxes a graph of more than `collapseThreshold` shows at first.
  ///   - unicode: whether the locale is UTF-8; ASCII drawing and labels otherwise.
  init(
    _ snapshot: GraphSnapshot, columns: Int, rows: Int, boxWidth: Int? = nil, budget: Int = PaneState.collapsedBudget,
    unicode: Bool = true
  ) {
    self.snapshot = snapshot
    self.unicode = unicode
    self.columns = columns
    self.rows = rows
    fixedBoxWidth = boxWidth
    let shown = snapshot.nodes.filter { !$0.isLiteral }.count
    composites = Composites(snapshot, budget: shown > PaneState.collapseThreshold ? budget : Int.max)
    collapsed = shown > PaneState.collapseThreshold ? composites.defaultCollapsed(budget: budget) : []
    steps = BackwardSteps(snapshot)
    var consumers = [[(node: Int, slot: Int)]](repeating: [], count: snapshot.nodes.count)
    for (i, node) in snapshot.nodes.enumerated() {
      for (slot, input) in node.inputs.enumerated() { consumers[input].append((i, slot)) }
    }
    self.consumers = consumers
    var summaries = SummaryCache()
    gradientScale = MagnitudeScale(snapshot.nodes.indices.compactMap { summaries.gradient($0, snapshot)?.maxMagnitude })
    valueScale = MagnitudeScale(snapshot.nodes.indices.map { summaries.value($0, snapshot).maxMagnitude })
    selectedNode = snapshot.nodes.count - 1
    // Without a backward pass (a non-scalar output) there are only values to show.
    showsGradients = snapshot.nodes[selectedNode].gradient != nil
    picture = GraphPicture(
      snapshot: snapshot, composites: composites, collapsed: collapsed,
      maximumBoxWidth: PaneState.boxWidth(columns: columns, fixed: boxWidth), terms: steps.terms.map(\.count),
      unicode: unicode, summaries: &summaries)
    self.summaries = summaries
    scrollToSelection()
  }

  static func boxWidth(columns: Int, fixed: Int?) -> Int {
    fixed ?? min(36, max(18, (columns - 2) / 3))
  }

  var isTooSmall: Bool { columns < PaneState.minimumColumns || rows < PaneState.minimumRows }

  /// The selected item of the picture.
  var selectedItem: Int {
    picture.visible.itemOfNode[selectedNode] ?? picture.visible.items.count - 1
  }

  // MARK: - Keys

  mutating func handle(_ key: Key) {
    if case .resize(let c, let r) = key {
      resize(columns: c, rows: r)
      return
    }
    if isTooSmall {
      if key == .character("q") || key == .character("\u{3}") || key == .escape { wantsToQuit = true }
      return
    }
    message = nil
    switch mode {
    case .graph: handleGraph(key)
    case .detail: handleDetail(key)
    case .help: mode = .graph
    case .search: handleSearch(key)
    }
  }

  private mutating func handleGraph(_ key: Key) {
    switch key {
    case .up, .down, .left, .right, .character("k"), .character("j"), .character("h"), .character("l"): break
    default: edgeChoice = nil
    }
    switch key {
    case .up, .character("k"): move(.up)
    case .down, .character("j"): move(.down)
    case .left, .character("h"): move(.left)
    case .right, .character("l"): move(.right)
    case .enter:
      mode = .detail
      detailScroll = 0
    case .tab:
      showsGradients.toggle()
      message = showsGradients ? "showing gradients: colours grade |∇|" : "showing values: colours grade |value|"
    case .character("b"): stepBackward(by: 1)
    case .character("B"): stepBackward(by: -1)
    case .escape:
      if step != nil {
        step = nil
        message = "left the backward pass"
      }
    case .character("/"):
      mode = .search
      searchText = ""
    case .character("n"): search(lastSearch, forward: true)
    case .character("N"): search(lastSearch, forward: false)
    case .character("+"), .character("="): expandSelected()
    case .character("-"), .character("_"): collapseAroundSelected()
    case .character("c"):
      showsLiterals.toggle()
      rebuildComposites()
      message = showsLiterals ? "showing literal constants" : "literal constants folded into their labels"
    case .character("?"): mode = .help
    case .character("q"), .character("\u{3}"): wantsToQuit = true
    case .character("H"): pan(dx: -max(4, columns / 3), dy: 0)
    case .character("L"): pan(dx: max(4, columns / 3), dy: 0)
    case .character("K"): pan(dx: 0, dy: -max(2, graphRows / 3))
    case .character("J"): pan(dx: 0, dy: max(2, graphRows / 3))
    case .pageUp: pan(dx: 0, dy: -max(1, graphRows - 2))
    case .pageDown: pan(dx: 0, dy: max(1, graphRows - 2))
    case .home:
      originX = 0
      originY = 0
    case .end:
      selectedNode = snapshot.nodes.count - 1
      scrollToSelection()
    default:
      message = "? shows the keys"
    }
  }

  private mutating func handleDetail(_ key: Key) {
    let page = max(1, rows - 3)
    switch key {
    case .up, .character("k"): detailScroll -= 1
    case .down, .character("j"): detailScroll += 1
    case .pageUp, .character("u"): detailScroll -= page
    case .pageDown, .character(" "), .character("d"): detailScroll += page
    case .home, .character("g"): detailScroll = 0
    case .end, .character("G"): detailScroll = Int.max / 2
    case .tab:
      showsGradients.toggle()
      detailScroll = 0
    case .character("q"), .escape, .enter, .backspace: mode = .graph
    case .character("\u{3}"): wantsToQuit = true
    default: break
    }
    detailScroll = max(0, min(detailScroll, detailLines().count - (rows - 2)))
  }

  private mutating func handleSearch(_ key: Key) {
    switch key {
    case .enter:
      mode = .graph
      if !searchText.isEmpty { lastSearch = searchText }
      search(lastSearch, forward: true, restart: true)
    case .escape, .character("\u{3}"):
      mode = .graph
    case .backspace:
      if searchText.isEmpty { mode = .graph } else { searchText.removeLast() }
    case .character(let c) where c != "\n" && c != "\t":
      searchText.append(c)
    default: break
    }
  }

  // MARK: - Moving

  private enum Direction { case up, down, left, right }

  /// The edges the last `k` or `j` chose among: the inputs (or consumers) of `anchor`, left
  /// to right. While it lasts, `h` and `l` step through them (stopping at either end), so
  /// every input and consumer is reachable, not only the nearest; any other key ends it.
  struct EdgeChoice: Hashable {
    enum Kind: Hashable { case inputs, consumers }
    var anchor: Int
    var kind: Kind
    var items: [Int]
  }

  private mutating func move(_ direction: Direction) {
    let visible = picture.visible
    let layout = picture.layout
    let item = selectedItem
    let box = layout.boxes[item]
    let centre = box.x + box.width / 2
    func centreOf(_ i: Int) -> Int { layout.boxes[i].x + layout.boxes[i].width / 2 }
    func leftToRight(_ items: [Int]) -> [Int] {
      Array(Set(items)).sorted { (centreOf($0), layout.boxes[$0].y, $0) < (centreOf($1), layout.boxes[$1].y, $1) }
    }
    func nearest(_ candidates: [Int]) -> Int? {
      candidates.min { a, b in
        (abs(centreOf(a) - centre), layout.boxes[a].x) < (abs(centreOf(b) - centre), layout.boxes[b].x)
      }
    }
    var target: Int?
    var choice: EdgeChoice?
    switch direction {
    case .up, .down:
      let up = direction == .up
      let candidates = leftToRight(visible.edges.filter { (up ? $0.to : $0.from) == item }.map { up ? $0.from : $0.to })
      target = nearest(candidates)
      if target == nil { message = up ? "\(describe(item)) has no inputs" : "\(describe(item)) is the output" }
      if candidates.count > 1 { choice = EdgeChoice(anchor: item, kind: up ? .inputs : .consumers, items: candidates) }
    case .left, .right:
      let step = direction == .left ? -1 : 1
      // Along the last k/j's choice first, then along the row.
      if let current = edgeChoice, let k = current.items.firstIndex(of: item) {
        if current.items.indices.contains(k + step) {
          target = current.items[k + step]
        } else {
          let what = current.kind == .inputs ? "inputs" : "consumers"
          message = "no more \(what) of \(describe(current.anchor)) to the \(step < 0 ? "left" : "right") (Esc: h/l along the row)"
        }
        choice = current
        break
      }
      let row = layout.layers[box.layer]
      if let k = row.firstIndex(of: item), row.indices.contains(k + step) { target = row[k + step] }
    }
    edgeChoice = choice
    if let target {
      selectedNode = visible.representative[target]
      scrollToSelection()
    }
  }

  /// What the hint line says about the current edge choice:
  /// `input 1 of 2 of #3 sin(x)*x: h/l the others, Esc the row`.
  var edgeChoiceHint: String? {
    guard let choice = edgeChoice, let k = choice.items.firstIndex(of: selectedItem) else { return nil }
    let what = choice.kind == .inputs ? "input" : "consumer"
    return "\(what) \(k + 1) of \(choice.items.count) of \(describe(choice.anchor)): h/l the others, Esc the row"
  }

  /// `#5 x@W + b`, or a composite's title.
  func describe(_ item: Int) -> String {
    switch picture.visible.items[item] {
    case .node(let i): "#\(snapshot.nodes[i].id) \(snapshot.nodes[i].label)"
    case .group(let g): composites.groups[g].title
    }
  }

  // MARK: - The backward pass

  private mutating func stepBackward(by delta: Int) {
    guard steps.count > 0 else {
      message = snapshot.nodes.last!.gradient == nil
        ? "no backward pass: the output is not a single number" : "nothing to step through"
      return
    }
    let next = (step ?? -1) + delta
    if next < 0 {
      step = nil
      message = "before the backward pass (b starts it)"
      return
    }
    if next >= steps.count {
      step = steps.count - 1
      message = "the backward pass is complete: every gradient is final (Esc leaves stepping)"
      return
    }
    step = next
    selectedNode = steps.order[next]
    scrollToSelection()
  }

  // MARK: - Searching

  /// Nodes matching a search, best first: the label exactly, then the label's start, then
  /// anywhere in the label, the op's name or `#id`; in graph order within each.
  func matches(_ text: String) -> [Int] {
    let needle = text.lowercased()
    var ranked: [(Int, Int)] = []
    for (i, node) in snapshot.nodes.enumerated() where !composites.hidden[i] {
      let label = node.label.lowercased()
      let rank =
        label == needle ? 0
        : label.hasPrefix(needle) ? 1
        : label.contains(needle) || node.op.lowercased() == needle || "#\(node.id)" == needle ? 2 : -1
      if rank >= 0 { ranked.append((rank, i)) }
    }
    return ranked.sorted { $0 < $1 }.map(\.1)
  }

  /// Selects the best match of a new search (`restart`), else the next or previous one.
  private mutating func search(_ text: String, forward: Bool, restart: Bool = false) {
    guard !text.isEmpty else {
      message = "/ starts a search"
      return
    }
    let found = matches(text)
    guard !found.isEmpty else {
      message = "no node matches '\(text)'"
      return
    }
    var k = 0
    if !restart, let current = found.firstIndex(of: selectedNode) {
      k = (current + (forward ? 1 : found.count - 1)) % found.count
    }
    let node = found[k]
    // Open the composites the match is inside.
    let ancestors = Set(composites.ancestors(ofNode: node))
    if !ancestors.isDisjoint(with: collapsed) {
      collapsed.subtract(ancestors)
      rebuildPicture()
    }
    selectedNode = node
    scrollToSelection()
    message = "'\(text)': match \(k + 1) of \(found.count)" + (found.count > 1 ? " (n next, N previous)" : "")
  }

  // MARK: - Composites

  private mutating func expandSelected() {
    guard case .group(let g) = picture.visible.items[selectedItem] else {
      message = "+ expands a composite (a double box); - collapses the call this node is in"
      return
    }
    collapsed.remove(g)
    rebuildPicture()
    message = "expanded \(composites.groups[g].title)"
  }

  private mutating func collapseAroundSelected() {
    let item = picture.visible.items[selectedItem]
    let start: Int?
    switch item {
    case .node(let i): start = composites.groupOfNode[i]
    case .group(let g): start = composites.groups[g].parent
    }
    guard let g = start else {
      message = "\(describe(selectedItem)) is not inside a function call to collapse"
      return
    }
    collapsed.insert(g)
    rebuildPicture()
    message = "collapsed \(composites.groups[g].title) (+ expands it)"
  }

  private mutating func rebuildComposites() {
    let shown = snapshot.nodes.filter { showsLiterals || !$0.isLiteral }.count
    let big = shown > PaneState.collapseThreshold
    composites = Composites(snapshot, budget: big ? PaneState.collapsedBudget : Int.max, showLiterals: showsLiterals)
    collapsed = big ? composites.defaultCollapsed(budget: PaneState.collapsedBudget) : []
    if composites.hidden[selectedNode] { selectedNode = snapshot.nodes.count - 1 }
    rebuildPicture()
  }

  private mutating func rebuildPicture() {
    edgeChoice = nil
    picture = GraphPicture(
      snapshot: snapshot, composites: composites, collapsed: collapsed,
      maximumBoxWidth: PaneState.boxWidth(columns: columns, fixed: fixedBoxWidth), terms: steps.terms.map(\.count),
      unicode: unicode, summaries: &summaries)
    scrollToSelection()
  }

  // MARK: - The view

  private mutating func resize(columns: Int, rows: Int) {
    let oldWidth = PaneState.boxWidth(columns: self.columns, fixed: fixedBoxWidth)
    self.columns = columns
    self.rows = rows
    if PaneState.boxWidth(columns: columns, fixed: fixedBoxWidth) != oldWidth {
      rebuildPicture()
    } else {
      scrollToSelection()
    }
    detailScroll = max(0, min(detailScroll, detailLines().count - (rows - 2)))
  }

  /// Rows of the screen the graph gets (between the title bar and the status lines).
  var graphRows: Int { max(1, rows - 1 - statusLines().count) }

  /// Where the picture's left edge sits on the screen: centred when narrower than it.
  var pictureOffsetX: Int { max(0, (columns - picture.layout.width) / 2) }

  private mutating func pan(dx: Int, dy: Int) {
    originX += dx
    originY += dy
    clampOrigin()
  }

  private mutating func clampOrigin() {
    originX = max(0, min(originX, picture.layout.width - columns))
    originY = max(0, min(originY, picture.layout.height - graphRows))
  }

  /// Moves the view the least that shows the selected box whole (or its top-left corner).
  mutating func scrollToSelection() {
    let box = picture.layout.boxes[selectedItem]
    let height = graphRows
    if box.x + box.width + 1 > originX + columns { originX = box.x + box.width + 1 - columns }
    if box.x - 1 < originX { originX = box.x - 1 }
    if box.y + box.height + 1 > originY + height { originY = box.y + box.height + 1 - height }
    if box.y - 1 < originY { originY = box.y - 1 }
    clampOrigin()
  }

  /// The numbers shown for each item, as colour levels.
  func levels() -> [Int?] {
    var cache = summaries
    return picture.visible.representative.map { node in
      if showsGradients {
        return cache.gradient(node, snapshot).map { gradientScale.level(of: $0) }
      }
      return valueScale.level(of: cache.value(node, snapshot))
    }
  }

  /// The decorations of the current frame: selection, colours, the backward step.
  func decorations() -> GraphPicture.Decorations {
    var d = GraphPicture.Decorations()
    d.selected = selectedItem
    d.showsGradients = showsGradients
    d.levels = levels()
    guard let step else { return d }
    let visible = picture.visible
    let current = steps.order[step]
    if let item = visible.itemOfNode[current] { d.highlightedItems.insert(item) }
    for (e, list) in visible.underlying.enumerated() where list.contains(where: { $0.node == current }) {
      d.highlightedEdges.insert(e)
      d.highlightedItems.insert(visible.edges[e].from)
    }
    // Each box's gradient so far: complete, partial (k of n terms) or not reached.
    for (item, node) in visible.representative.enumerated() where snapshot.nodes[node].gradient != nil {
      let total = steps.terms[node].count
      let received = steps.received(by: node, atStep: step)
      if node == snapshot.nodes.count - 1 || received == total { continue }
      if received == 0 {
        d.gradientText[item] = "∇ 0/\(total): not yet"
        d.dimmed.insert(item)
      } else if let partial = steps.partialGradient(of: node, terms: received) {
        d.gradientText[item] = "∇ \(received)/\(total): " + TensorSummary(partial).countsFirstText
      }
    }
    return d
  }
}
