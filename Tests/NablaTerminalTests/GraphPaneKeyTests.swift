import Foundation
import NablaCore
import NablaSession
import Testing

@testable import NablaTerminal

/// The pane's keys, driven through `PaneState` without a terminal.
@Suite struct GraphPaneKeyTests {
  func mlpPane() throws -> PaneState {
    let snapshot = try GraphFixtures.snapshot(GraphFixtures.mlp.0, graph: GraphFixtures.mlp.1)
    return PaneState(snapshot, columns: 120, rows: 40, boxWidth: 30)
  }

  func label(_ pane: PaneState) -> String { pane.snapshot.nodes[pane.selectedNode].label }

  @Test func arrowsAndHJKLMoveAlongEdges() throws {
    var pane = try mlpPane()
    #expect(label(pane) == "mean(tanh(x@W1 + b1)@W2)")  // the output starts selected
    pane.handle(.up)
    #expect(label(pane) == "tanh(x@W1 + b1)@W2")
    pane.handle(.character("k"))
    let above = label(pane)
    #expect(above == "tanh(x@W1 + b1)" || above == "W2")
    // Left and right walk the row: tanh and W2 sit side by side.
    pane.handle(.character("h"))
    pane.handle(.character("h"))
    #expect(label(pane) == "tanh(x@W1 + b1)")
    pane.handle(.right)
    #expect(label(pane) == "W2")
    pane.handle(.character("j"))
    #expect(label(pane) == "tanh(x@W1 + b1)@W2")
    pane.handle(.down)
    pane.handle(.down)
    #expect(pane.message?.contains("is the output") == true)
    // Up to tanh's row, left to tanh, up again to x@W1 + b1, then its right neighbour.
    pane.handle(.character("k"))
    pane.handle(.character("k"))
    pane.handle(.character("h"))
    pane.handle(.character("k"))
    #expect(label(pane) == "x@W1 + b1")
    pane.handle(.up)
    pane.handle(.left)
    #expect(label(pane) == "x@W1")
    pane.handle(.right)
    #expect(label(pane) == "b1")
    pane.handle(.up)
    #expect(pane.message?.contains("has no inputs") == true)
  }

  /// Right after k, h and l step through the other inputs of the node k left: sin(x) is
  /// an input of `*` beside x, in another layer, where h and l along the row miss it.
  @Test func hAndLAfterKCycleThroughTheInputs() throws {
    let snapshot = try GraphFixtures.snapshot(GraphFixtures.sinTimesX.0, graph: GraphFixtures.sinTimesX.1)
    var pane = PaneState(snapshot, columns: 120, rows: 40)
    pane.handle(.character("k"))  // sum → +
    // h or l, whichever goes to the other choice.
    func other(_ pane: inout PaneState) {
      let k = pane.edgeChoice!.items.firstIndex(of: pane.selectedItem)!
      pane.handle(.character(k == 0 ? "l" : "h"))
    }
    pane.handle(.character("k"))  // + → the nearest of sin(x)*x and x
    if label(pane) == "x" { other(&pane) }
    #expect(label(pane) == "sin(x)*x")
    pane.handle(.character("k"))  // * → the nearest of sin(x) and x
    let first = label(pane)
    #expect(pane.edgeChoiceHint?.contains("input") == true)
    #expect(pane.statusLines().last!.text.contains("h/l the others"))
    other(&pane)
    let second = label(pane)
    #expect(Set([first, second]) == ["sin(x)", "x"])
    // Any other key ends the choice; h and l walk the row again.
    pane.handle(.tab)
    #expect(pane.edgeChoiceHint == nil)
  }

  /// From the output, h j k l reach every box, in every fixture.
  @Test(arguments: [GraphFixtures.sinTimesX, GraphFixtures.chain, GraphFixtures.fanOut, GraphFixtures.broadcast, GraphFixtures.mlp, GraphFixtures.calls].indices)
  func everyNodeIsReachableWithTheKeys(_ k: Int) throws {
    let fixture = [GraphFixtures.sinTimesX, GraphFixtures.chain, GraphFixtures.fanOut, GraphFixtures.broadcast, GraphFixtures.mlp, GraphFixtures.calls][k]
    let snapshot = try GraphFixtures.snapshot(fixture.0, graph: fixture.1)
    let start = PaneState(snapshot, columns: 120, rows: 40)
    struct Place: Hashable {
      var node: Int
      var choice: PaneState.EdgeChoice?
    }
    var seen: Set<Place> = [Place(node: start.selectedNode, choice: start.edgeChoice)]
    var queue = [start]
    var reached: Set<Int> = [start.selectedItem]
    while let pane = queue.popLast() {
      for key in "hjkl" {
        var next = pane
        next.handle(.character(key))
        reached.insert(next.selectedItem)
        if seen.insert(Place(node: next.selectedNode, choice: next.edgeChoice)).inserted { queue.append(next) }
      }
    }
    #expect(reached.count == start.picture.visible.items.count, "\(fixture.1)")
  }

  @Test func enterOpensAScrollableDetailView() throws {
    var pane = try mlpPane()
    pane.handle(.up)
    pane.handle(.up)
    pane.handle(.character("h"))
    pane.handle(.enter)
    #expect(pane.mode == .detail)
    let text = pane.screen().lines().joined(separator: "\n")
    #expect(text.contains("details · #6 tanh(x@W1 + b1)"))
    #expect(text.contains("gradient ∂(mlp(W1, b1, W2))/∂(this)"))
    #expect(text.contains("from #8 @ tanh(x@W1 + b1)@W2: ∇ @ bᵀ"))
    // Gradients come first; Tab puts the value first.
    let lines = pane.detailLines()
    #expect(lines.firstIndex { $0.hasPrefix("gradient") }! < lines.firstIndex { $0.hasPrefix("value") }!)
    pane.handle(.tab)
    let swapped = pane.detailLines()
    #expect(swapped.firstIndex { $0.hasPrefix("value") }! < swapped.firstIndex { $0.hasPrefix("gradient") }!)
    // Scrolling stops at both ends.
    var small = pane
    small.handle(.resize(columns: 60, rows: 12))
    small.handle(.end)
    #expect(small.detailScroll == small.detailLines().count - 10)
    small.handle(.pageDown)
    #expect(small.detailScroll == small.detailLines().count - 10)
    small.handle(.home)
    small.handle(.up)
    #expect(small.detailScroll == 0)
    small.handle(.down)
    #expect(small.detailScroll == 1)
    small.handle(.character("q"))
    #expect(small.mode == .graph)
    #expect(!small.wantsToQuit)
  }

  @Test func tabSwitchesBetweenValuesAndGradients() throws {
    var pane = try mlpPane()
    #expect(pane.showsGradients)
    #expect(pane.screen().lines()[0].contains("showing ∇"))
    pane.handle(.tab)
    #expect(!pane.showsGradients)
    #expect(pane.screen().lines()[0].contains("showing values"))
    // Colours now grade values: the all-zero bias gets level 0.
    let b1 = pane.picture.visible.itemOfNode[pane.snapshot.nodes.firstIndex { $0.label == "b1" }!]!
    #expect(pane.levels()[b1] == 0)
  }

  @Test func slashSearchesLabels() throws {
    var pane = try mlpPane()
    pane.handle(.character("/"))
    #expect(pane.mode == .search)
    for c in "b2" { pane.handle(.character(c)) }
    pane.handle(.backspace)
    pane.handle(.character("1"))
    #expect(pane.screen().lines().last!.hasPrefix("/b1"))
    pane.handle(.enter)
    #expect(label(pane) == "b1")  // the exact label first
    #expect(pane.message == "'b1': match 1 of 5 (n next, N previous)")
    pane.handle(.character("n"))
    #expect(label(pane) == "x@W1 + b1")
    pane.handle(.character("N"))
    #expect(label(pane) == "b1")
    pane.handle(.character("/"))
    for c in "nothing" { pane.handle(.character(c)) }
    pane.handle(.enter)
    #expect(pane.message == "no node matches 'nothing'")
    #expect(label(pane) == "b1")
  }

  @Test func helpQuitAndCtrlC() throws {
    var pane = try mlpPane()
    pane.handle(.character("?"))
    #expect(pane.mode == .help)
    #expect(pane.screen().lines().joined().contains("step the backward pass"))
    pane.handle(.character("q"))  // closes the help, does not quit
    #expect(pane.mode == .graph)
    #expect(!pane.wantsToQuit)
    pane.handle(.character("q"))
    #expect(pane.wantsToQuit)
    var other = try mlpPane()
    other.handle(.character("\u{3}"))
    #expect(other.wantsToQuit)
  }

  @Test func resizeRelaysOutAndTooSmallSaysSo() throws {
    let snapshot = try GraphFixtures.snapshot(GraphFixtures.mlp.0, graph: GraphFixtures.mlp.1)
    var pane = PaneState(snapshot, columns: 160, rows: 50)
    let wide = pane.picture.layout.width
    pane.handle(.resize(columns: 70, rows: 30))
    #expect(pane.picture.layout.width < wide)
    #expect(pane.screen().lines().allSatisfy { $0.count <= 70 })
    pane.handle(.resize(columns: 30, rows: 8))
    #expect(pane.isTooSmall)
    let text = pane.screen().lines().joined(separator: "\n")
    #expect(text.contains("terminal too small"))
    pane.handle(.up)  // ignored while too small
    #expect(label(pane) == "mean(tanh(x@W1 + b1)@W2)")
    pane.handle(.resize(columns: 100, rows: 30))
    #expect(!pane.isTooSmall)
    #expect(pane.screen().lines()[0].contains("graph of mlp"))
  }

  @Test func panningMovesTheView() throws {
    let snapshot = try GraphFixtures.largeSnapshot()
    var pane = PaneState(snapshot, columns: 80, rows: 24)
    let start = pane.originY
    #expect(start > 0)  // the output is at the bottom
    pane.handle(.pageUp)
    #expect(pane.originY < start)
    pane.handle(.home)
    #expect(pane.originY == 0 && pane.originX == 0)
    pane.handle(.character("J"))
    #expect(pane.originY > 0)
    pane.handle(.end)  // back to the output
    #expect(pane.selectedNode == snapshot.nodes.count - 1)
    #expect(pane.originY == start)
  }

  @Test func minusCollapsesACallAndPlusExpandsIt() throws {
    let snapshot = try GraphFixtures.snapshot(GraphFixtures.calls.0, graph: GraphFixtures.calls.1)
    var pane = PaneState(snapshot, columns: 120, rows: 40, boxWidth: 30)
    #expect(pane.collapsed.isEmpty)
    let before = pane.picture.visible.items.count
    pane.handle(.up)  // into f(2*x)'s x^2*sin(x)
    #expect(pane.snapshot.nodes[pane.selectedNode].call != nil)
    pane.handle(.character("-"))
    #expect(pane.collapsed.count == 1)
    #expect(pane.picture.visible.items.count == before - 2)  // three boxes become one
    guard case .group(let g) = pane.picture.visible.items[pane.selectedItem] else {
      Issue.record("the collapsed call is not selected")
      return
    }
    #expect(pane.composites.groups[g].title.hasPrefix("f("))
    #expect(pane.statusLines()[0].text.contains("3 nodes in one box (+ expands)"))
    // Unselected, a composite is a double box.
    #expect(pane.picture.render(GraphPicture.Decorations()).lines().joined(separator: "\n").contains("╔═f═"))
    pane.handle(.character("+"))
    #expect(pane.collapsed.isEmpty)
    #expect(pane.picture.visible.items.count == before)
    pane.handle(.end)
    pane.handle(.character("-"))
    #expect(pane.message?.contains("not inside a function call") == true)
    pane.handle(.character("+"))
    #expect(pane.message?.contains("expands a composite") == true)
  }

  @Test func searchOpensTheCompositesAroundAMatch() throws {
    let snapshot = try GraphFixtures.largeSnapshot()
    var pane = PaneState(snapshot, columns: 120, rows: 40)
    let hidden = pane.picture.visible.itemOfNode[1].map { pane.picture.visible.items[$0] }
    #expect(hidden != .node(1))  // node #2 starts inside a collapsed composite
    pane.handle(.character("/"))
    for c in "#2" { pane.handle(.character(c)) }
    pane.handle(.enter)
    #expect(pane.selectedNode == 1)
    #expect(pane.picture.visible.items[pane.selectedItem] == .node(1))
  }

  @Test func aGraphOfOneNodeDraws() throws {
    let snapshot = try GraphFixtures.snapshot(["x = [1, 2]"], graph: "x")
    var pane = PaneState(snapshot, columns: 60, rows: 20)
    #expect(snapshot.nodes.count == 1)
    for key: PaneState.Key in [.up, .down, .left, .right, .character("b"), .enter, .escape, .character("-")] {
      pane.handle(key)
    }
    #expect(pane.screen().lines().joined(separator: "\n").contains("┃ x"))  // selected: heavy box
  }

  @Test func literalsFoldIntoLabelsUntilCShowsThem() throws {
    let snapshot = try GraphFixtures.snapshot(GraphFixtures.chain.0, graph: GraphFixtures.chain.1)
    var pane = PaneState(snapshot, columns: 120, rows: 40)
    #expect(pane.picture.visible.items.count == 4)  // x, x^2, sin, exp: the 2 is folded
    pane.handle(.character("c"))
    #expect(pane.picture.visible.items.count == 5)
  }

  /// 10,000 nodes: `:graph` collapses composites, so the first screen lays out a bounded
  /// number of boxes whatever the graph's size. (How long it takes is measured, not
  /// asserted: about 0.1 s in a release build, see the note of the graph-pane work.)
  @Test func aLargeGraphOpensCollapsed() throws {
    let snapshot = try GraphFixtures.largeSnapshot()
    let pane = PaneState(snapshot, columns: 120, rows: 40)
    #expect(snapshot.nodes.count > 10_000)
    #expect(pane.picture.visible.items.count <= PaneState.collapsedBudget)
    #expect(pane.screen().lines().count == 40)
  }
}

/// The backward pass replayed one node at a time.
@Suite struct GraphBackwardStepTests {
  static let fixtures = [GraphFixtures.chain, GraphFixtures.fanOut, GraphFixtures.broadcast, GraphFixtures.mlp, GraphFixtures.calls]

  /// The terms each node receives add up to the gradient the engine computed.
  @Test(arguments: fixtures.indices)
  func termsAddUpToTheGradient(_ k: Int) throws {
    let snapshot = try GraphFixtures.snapshot(Self.fixtures[k].0, graph: Self.fixtures[k].1)
    let steps = BackwardSteps(snapshot)
    for (i, node) in snapshot.nodes.enumerated() where i != snapshot.nodes.count - 1 {
      guard let gradient = node.gradient else { continue }
      let sum = try #require(steps.partialGradient(of: i, terms: steps.terms[i].count))
      #expect(sum.shape == gradient.shape)
      for (a, b) in zip(sum.scalars, gradient.scalars) {
        #expect(abs(a - b) <= 1e-12 * max(1, abs(b)), "#\(node.id) \(node.label)")
      }
    }
  }

  @Test func bStepsInReverseTopologicalOrderAndShowsPartialSums() throws {
    let snapshot = try GraphFixtures.snapshot(GraphFixtures.fanOut.0, graph: GraphFixtures.fanOut.1)
    var pane = PaneState(snapshot, columns: 120, rows: 40, boxWidth: 30)
    let x = snapshot.nodes.firstIndex { $0.label == "x" }!
    var seen: [Int] = []
    for k in 0..<pane.steps.count {
      pane.handle(.character("b"))
      #expect(pane.step == k)
      #expect(pane.selectedNode == pane.steps.order[k])
      seen.append(pane.selectedNode)
      // Every input of the node stepped comes later in the order (or is a leaf).
      for input in snapshot.nodes[pane.selectedNode].inputs {
        #expect(!seen.contains(input))
      }
    }
    #expect(seen.first == snapshot.nodes.count - 1)
    // x is used three times: the screen counted its terms on the way.
    #expect(pane.steps.terms[x].count == 3)
    pane.handle(.character("b"))
    #expect(pane.message?.contains("complete") == true)
    pane.handle(.character("B"))
    pane.handle(.character("B"))
    #expect(pane.step == pane.steps.count - 3)
    let status = pane.statusLines().map(\.text).joined(separator: "\n")
    #expect(status.contains("step 2/4"))
    #expect(status.contains("→ #1 x:  += −∇·sin a"))
    #expect(status.contains("term 1 of 3"))
    pane.handle(.escape)
    #expect(pane.step == nil)
  }

  @Test func aNonScalarOutputHasNoBackwardPass() throws {
    let snapshot = try GraphFixtures.snapshot(["v(x) = x * 2"], graph: "v([1, 2])")
    var pane = PaneState(snapshot, columns: 100, rows: 30)
    #expect(!pane.showsGradients)
    pane.handle(.character("b"))
    #expect(pane.step == nil)
    #expect(pane.message?.contains("not a single number") == true)
  }
}
