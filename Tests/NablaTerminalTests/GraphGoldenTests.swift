import Foundation
import NablaCore
import NablaSession
import Testing

@testable import NablaTerminal

/// The graph pane's drawings as text, compared with `GraphGoldens/*.txt`
/// (`NABLA_UPDATE_GOLDEN=1 swift test --filter GraphGolden` rewrites them).
@Suite struct GraphGoldenTests {
  /// The whole picture of a graph, every box expanded, 30-column boxes.
  func picture(_ fixture: ([String], String)) throws -> String {
    let snapshot = try GraphFixtures.snapshot(fixture.0, graph: fixture.1)
    let pane = PaneState(snapshot, columns: 120, rows: 40, boxWidth: 30)
    return pane.picture.render(pane.decorations()).lines().joined(separator: "\n") + "\n"
  }

  @Test func chain() throws {
    try Golden.check(picture(GraphFixtures.chain), "chain.txt")
  }

  @Test func fanOut() throws {
    try Golden.check(picture(GraphFixtures.fanOut), "fanout.txt")
  }

  @Test func broadcastEdgesCarryTheirReduction() throws {
    let text = try picture(GraphFixtures.broadcast)
    #expect(text.contains("(3,1) ← Σ axis 1 ← (3,4)"))
    try Golden.check(text, "broadcast.txt")
  }

  @Test func matmulMLP() throws {
    let text = try picture(GraphFixtures.mlp)
    #expect(text.contains("(5,) ← Σ axis 0 ← (4,5)"))
    try Golden.check(text, "mlp.txt")
  }

  /// The screen a person sees first: title bar, the graph centred, the status lines.
  @Test func mlpScreen() throws {
    let snapshot = try GraphFixtures.snapshot(GraphFixtures.mlp.0, graph: GraphFixtures.mlp.1)
    let pane = PaneState(snapshot, columns: 120, rows: 40, boxWidth: 30)
    try Golden.check(pane.screen().lines().joined(separator: "\n") + "\n", "mlp-screen.txt")
  }

  /// Stepping the backward pass into the fan-out: x has received one of its three terms.
  @Test func fanOutBackwardStep() throws {
    let snapshot = try GraphFixtures.snapshot(GraphFixtures.fanOut.0, graph: GraphFixtures.fanOut.1)
    var pane = PaneState(snapshot, columns: 100, rows: 36, boxWidth: 30)
    for _ in 0..<2 { pane.handle(.character("b")) }
    let text = pane.screen().lines().joined(separator: "\n") + "\n"
    #expect(text.contains("∇ 1/3: "))
    try Golden.check(text, "fanout-step.txt")
  }

  /// Calls are composites; the two calls of f here are expanded (the graph is small).
  @Test func functionCalls() throws {
    try Golden.check(picture(GraphFixtures.calls), "calls.txt")
  }

  /// More than 10,000 nodes: collapsed to composites, the output's neighbourhood on screen.
  @Test func collapsedLargeGraph() throws {
    let snapshot = try GraphFixtures.largeSnapshot()
    #expect(snapshot.nodes.count > 10_000)
    let pane = PaneState(snapshot, columns: 120, rows: 40)
    #expect(pane.picture.visible.items.count <= PaneState.collapsedBudget)
    #expect(!pane.collapsed.isEmpty)
    try Golden.check(pane.screen().lines().joined(separator: "\n") + "\n", "large-collapsed.txt")
  }

  /// Without user functions a large graph is cut into segments of consecutive nodes.
  @Test func largeGraphWithoutCallsIsSegmented() throws {
    let sum = (1...1200).map { "sin(x*\($0))" }.joined(separator: " + ")
    let snapshot = try GraphFixtures.snapshot(["x = 0.3"], graph: sum)
    let pane = PaneState(snapshot, columns: 120, rows: 40)
    #expect(pane.picture.visible.items.count <= PaneState.collapsedBudget)
    #expect(pane.composites.groups.allSatisfy { $0.kind == .segment })
    let text = pane.screen().lines().joined(separator: "\n")
    #expect(text.contains("nodes"))
  }

  /// Under a locale that is not UTF-8: ASCII boxes and lines, `grad` for ∇.
  @Test func asciiScreen() throws {
    let snapshot = try GraphFixtures.snapshot(GraphFixtures.mlp.0, graph: GraphFixtures.mlp.1)
    var pane = PaneState(snapshot, columns: 120, rows: 40, boxWidth: 30, unicode: false)
    pane.handle(.up)
    let text = pane.screen().lines().joined(separator: "\n") + "\n"
    let ascii = text.unicodeScalars.allSatisfy { $0.isASCII }
    #expect(ascii)
    #expect(text.contains("grad "))
    #expect(text.contains("sum axis 0"))
    try Golden.check(text, "mlp-ascii.txt")
    pane.handle(.character("?"))
    let help = pane.screen().lines().joined()
    #expect(help.unicodeScalars.allSatisfy { $0.isASCII }, "\(help)")
    pane.handle(.escape)
    pane.handle(.enter)
    let detail = pane.screen().lines().joined()
    #expect(detail.unicodeScalars.allSatisfy { $0.isASCII }, "\(detail)")
  }

  /// A narrow box cuts its lines' ends: the NaN count comes first so that it shows.
  @Test func nanCountsComeFirstInNarrowBoxes() throws {
    let snapshot = try GraphFixtures.snapshot(GraphFixtures.withNaN.0, graph: GraphFixtures.withNaN.1)
    let pane = PaneState(snapshot, columns: 60, rows: 30, boxWidth: 18)
    let text = pane.picture.render(pane.decorations()).lines().joined(separator: "\n")
    #expect(text.contains("∇ 1 NaN"), "\(text)")
    #expect(text.contains("= 1 NaN") || text.contains("= 1 Inf") || text.contains("∇ 1 Inf"))
  }

  @Test func dotExport() throws {
    let snapshot = try GraphFixtures.snapshot(GraphFixtures.mlp.0, graph: GraphFixtures.mlp.1)
    try Golden.check(snapshot.dot(), "mlp.dot")
    let calls = try GraphFixtures.snapshot(GraphFixtures.calls.0, graph: GraphFixtures.calls.1)
    try Golden.check(calls.dot(), "calls.dot")
  }
}
