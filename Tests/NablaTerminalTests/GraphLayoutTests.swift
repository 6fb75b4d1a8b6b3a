import Foundation
import NablaSession
import Testing

@testable import NablaTerminal

/// The layout's invariants on real graphs, and its pieces on small inputs.
@Suite struct GraphLayoutTests {
  static let fixtures = [
    GraphFixtures.chain, GraphFixtures.fanOut, GraphFixtures.broadcast, GraphFixtures.mlp, GraphFixtures.calls,
  ]

  /// Boxes never overlap, edges run downwards, and every drawn cell is inside the picture.
  @Test(arguments: fixtures.indices)
  func layoutInvariants(_ k: Int) throws {
    let snapshot = try GraphFixtures.snapshot(Self.fixtures[k].0, graph: Self.fixtures[k].1)
    let pane = PaneState(snapshot, columns: 120, rows: 40, boxWidth: 30)
    try checkInvariants(pane.picture)
  }

  @Test func largeGraphLayoutInvariants() throws {
    let pane = PaneState(try GraphFixtures.largeSnapshot(), columns: 120, rows: 40)
    try checkInvariants(pane.picture)
  }

  func checkInvariants(_ picture: GraphPicture) throws {
    let layout = picture.layout
    let boxes = layout.boxes
    for (i, a) in boxes.enumerated() {
      #expect(a.x >= 0 && a.y >= 0 && a.x + a.width <= layout.width && a.y + a.height <= layout.height)
      for b in boxes[(i + 1)...] {
        let apart = a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y
        #expect(apart, "boxes overlap: \(a) \(b)")
      }
    }
    for edge in picture.visible.edges {
      #expect(boxes[edge.from].y + boxes[edge.from].height <= boxes[edge.to].y)
    }
    for path in layout.paths {
      for (x, y) in path.points {
        #expect(x >= 0 && x < layout.width && y >= 0 && y < layout.height)
        // Lines run between boxes, never through one.
        #expect(!boxes.contains { x >= $0.x && x < $0.x + $0.width && y >= $0.y && y < $0.y + $0.height })
      }
    }
    for port in layout.ports {
      #expect(boxes.contains { $0.y == port.y && port.x > $0.x && port.x < $0.x + $0.width - 1 })
    }
    for label in layout.labels {
      #expect(!boxes.contains { label.y >= $0.y && label.y < $0.y + $0.height && label.x < $0.x + $0.width && $0.x < label.x + label.text.count })
    }
  }

  /// Two edges that would cross in the given order are uncrossed.
  @Test func barycentreUncrossesEdges() {
    let input = GraphLayout.Input(sizes: Array(repeating: (14, 5), count: 4), edges: [(0, 3), (1, 2)])
    let layout = GraphLayout(input)
    let b = layout.boxes
    #expect((b[0].x < b[1].x) == (b[3].x < b[2].x))
  }

  /// An edge that skips layers runs through dummies, as one vertical line.
  @Test func longEdgesGoAroundBoxes() {
    // 0 → 1 → 2 → 3 and 0 → 3.
    let input = GraphLayout.Input(sizes: Array(repeating: (14, 5), count: 4), edges: [(0, 1), (1, 2), (2, 3), (0, 3)])
    let layout = GraphLayout(input)
    #expect(layout.layers.map(\.count) == [1, 1, 1, 1])
    #expect(layout.ports.filter { $0.y == layout.boxes[3].y }.count == 2)
  }

  @Test func inversionsCountCrossings() {
    #expect(GraphLayout.inversions([0, 1, 2], bound: 3) == 0)
    #expect(GraphLayout.inversions([2, 1, 0], bound: 3) == 3)
    #expect(GraphLayout.inversions([1, 0, 1, 0], bound: 2) == 3)
  }

  @Test func isotonicRegressionPoolsViolators() {
    #expect(GraphLayout.isotonic([1, 3, 2, 4]) == [1, 2.5, 2.5, 4])
    #expect(GraphLayout.isotonic([3, 2, 1]) == [2, 2, 2])
    #expect(GraphLayout.isotonic([0, 1]) == [0, 1])
  }
}

@Suite struct GraphGridTests {
  @Test func linesJoinWhereTheyMeet() {
    var grid = CharacterGrid(width: 5, height: 3)
    grid.drawPath([(0, 1), (4, 1)])
    grid.drawPath([(2, 0), (2, 2)])
    grid.drawPath([(4, 1), (4, 2)])
    #expect(grid.lines() == ["  │", "──┼─╮", "  │ │"])
  }

  @Test func openEndsJoinBordersAboveAndBelow() {
    var grid = CharacterGrid(width: 3, height: 2)
    grid.drawPath([(0, 0), (0, 1), (2, 1)], openStart: true)
    #expect(grid.lines() == ["│", "╰──"])
  }

  @Test func textIsClippedWithAnEllipsis() {
    var grid = CharacterGrid(width: 8, height: 1)
    grid.put("tanh(x@W + b)", x: 1, y: 0, maxWidth: 6)
    #expect(grid.lines() == [" tanh(…"])
    #expect(CharacterGrid.truncated("abc", to: 3) == "abc")
  }
}
