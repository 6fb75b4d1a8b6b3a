import Foundation
import NablaCore
import NablaLanguage
import Testing

@testable import NablaSession

/// Plots as text: golden renderings (`NABLA_UPDATE_GOLDEN=1 swift test` rewrites them in
/// `PlotGoldens/`), the pieces they are drawn with, and `:plot`'s errors.
@Suite struct PlotTests {
  /// A name, the setup entries and the plotting entry; rendered 72 wide and 12 high.
  static let goldens: [(name: String, setup: [String], entry: String, unicode: Bool)] = [
    ("x2sinx", ["f(x) = x^2 * sin(x)"], ":plot f over x in [-3, 3]", true),
    ("x2sinx_ascii", ["f(x) = x^2 * sin(x)"], ":plot f over x in [-3, 3]", false),
    ("error_ascii", ["c(x) = x^3"], ":plot error c at 1.5", false),
    ("tanh_sigmoid", ["g(x) = tanh(x)"], ":plot g, sigmoid over x in [-4, 4]", true),
    ("vector", ["v(x) = [x, x^2]"], ":plot v over t in [0, 2]", true),
    ("error_cube", ["c(x) = x^3"], ":plot error c at 1.5", true),
    (
      "descent", ["w = [0.0, 0.0]", "loss(w) = sum((w - [3, -1])^2)"],
      ":descend loss(w) lr 0.05 steps 60", true
    ),
  ]

  static var directory: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
      "PlotGoldens")
  }

  @Test(arguments: goldens.map(\.name))
  func goldenRendering(_ name: String) throws {
    let golden = try #require(PlotTests.goldens.first { $0.name == name })
    let s = try session(golden.setup)
    s.settings.format.lineWidth = 72
    s.settings.plotHeight = 12
    s.settings.unicode = golden.unicode
    let r = s.run(golden.entry)
    #expect(r.succeeded, "\(r.text())")
    let actual = "∇> \(golden.entry)\n" + r.text() + "\n"
    let url = PlotTests.directory.appendingPathComponent(name + ".txt")
    if ProcessInfo.processInfo.environment["NABLA_UPDATE_GOLDEN"] == "1" {
      try actual.write(to: url, atomically: true, encoding: .utf8)
      return
    }
    let expected = try String(contentsOf: url, encoding: .utf8)
    #expect(
      actual == expected, "PlotGoldens/\(name).txt differs (NABLA_UPDATE_GOLDEN=1 rewrites it)")
    // Every line fits the width, and ASCII plots are ASCII.
    for line in r.output { #expect(line.count <= 72, "\(line)") }
    if !golden.unicode {
      #expect(r.output.allSatisfy { $0.unicodeScalars.allSatisfy(\.isASCII) })
    }
  }

  @Test func tonesMarkTheCurvesWithoutChangingTheText() throws {
    let s = try session("f(x) = x^2")
    s.settings.format.lineWidth = 60
    let r = s.run(":plot f over x in [-1, 1]")
    let series = Set(
      r.tones.compactMap { tone -> Int? in
        if case .series(let i) = tone.tone { i } else { nil }
      })
    #expect(series == [0, 1])
    for tone in r.tones {
      let line = Array(r.output[tone.line])
      #expect(tone.columns.upperBound <= line.count)
      if case .series = tone.tone, tone.columns.count == 1 {
        #expect(line[tone.columns.lowerBound] != " ")
      }
    }
  }

  @Test func theWidthFollowsTheLineWidth() throws {
    let s = try session("f(x) = sin(x)")
    for width in [40, 80, 120] {
      s.settings.format.lineWidth = width
      let r = s.run(":plot f over x in [0, 6]")
      #expect(r.output.map(\.count).max()! <= width)
      #expect(r.output.map(\.count).max()! >= width - 4)
    }
  }

  @Test func brailleDotsAndAsciiCells() {
    var canvas = DotCanvas(columns: 2, rows: 1, unicode: true)
    canvas.set(0, 0, owner: 0)
    canvas.set(1, 3, owner: 0)
    #expect(canvas.character(column: 0, row: 0) == "\u{2881}")
    #expect(canvas.character(column: 1, row: 0) == " ")
    canvas.line(from: (0, 0), to: (3, 3), owner: 1)
    #expect(canvas.owner(column: 1, row: 0) == 1)
    var ascii = DotCanvas(columns: 3, rows: 1, unicode: false)
    ascii.set(0, 0, owner: 0)
    ascii.set(1, 1, owner: 0)
    ascii.set(2, 0, owner: 0)
    ascii.set(2, 1, owner: 0)
    ascii.set(2, 2, owner: 0)
    #expect((0..<3).map { ascii.character(column: $0, row: 0) } == ["'", "-", "|"])
  }

  @Test func ticksAreRound() {
    #expect(PlotAxis.niceStep(0.37) == 0.5)
    #expect(PlotAxis.niceStep(3.5) == 5)
    #expect(PlotAxis.niceStep(12) == 20)
    let axis = PlotAxis(values: [-3, 3], scale: .linear)
    #expect(axis.ticks(count: 6).map(\.label) == ["-3", "-2", "-1", "0", "1", "2", "3"])
    let log = PlotAxis(values: [1e-14, 0.1], scale: .log)
    #expect(log.ticks(count: 5).map(\.label) == ["1e-14", "1e-11", "1e-8", "1e-5", "1e-2"])
    #expect(PlotAxis.label(0.25, step: 0.05) == "0.25")
    #expect(PlotAxis.label(2e6, step: 1e6, scientific: true) == "2e6")
    #expect(PlotAxis.label(2.5e-4, step: 5e-5, scientific: true) == "2.5e-4")
    let small = PlotAxis(values: [0, 1e-3], scale: .linear)
    #expect(small.ticks(count: 2).map(\.label) == ["0", "5e-4", "1e-3"])
  }

  @Test func farValuesAreClippedWithANote() throws {
    let s = try session("r(x) = 1 / x")
    let r = s.run(":plot r over x in [-1, 1]")
    #expect(r.output.contains { $0.hasPrefix("note: the y axis shows ") })
    #expect(r.output.contains { $0.hasPrefix("note: r or its derivative is nan or inf at 2 of") })
    // exp's range reads well whole.
    #expect(!s.run(":plot exp over x in [-10, 10]").output.contains { $0.contains("y axis shows") })
  }

  @Test func jsonHoldsTheSampledNumbers() throws {
    let s = try session("f(x) = x^2")
    let r = s.run(":plot f over x in [0, 1]")
    let xs = numbers(field("x", of: r))
    #expect(xs.first == 0 && xs.last == 1)
    guard case .object(let series)? = field("series", of: r) else {
      Issue.record("no series field")
      return
    }
    #expect(series.map(\.0) == ["f", "∂f/∂x"])
    let ys = numbers(series[0].1)
    let slopes = numbers(series[1].1)
    for i in xs.indices {
      #expect(close(ys[i], xs[i] * xs[i]))
      #expect(close(slopes[i], 2 * xs[i]))
    }
  }

  @Test func theErrorPlotMarksTheStepAndTheVOfTheError() throws {
    let s = try session("f(x) = x^2 * sin(x)")
    let r = s.run(":plot error f at 2.0")
    #expect(r.succeeded, "\(r.text())")
    #expect(r.output.contains { $0.contains("▼") && $0.contains("chosen h = 1.2e-05") })
    #expect(r.output.contains { $0.contains("← rounding") && $0.contains("truncation") })
    let central = numbers(field("central", of: r))
    let h = numbers(field("h", of: r))
    #expect(h.first == 1e-14 || close(h.first!, 1e-14, tolerance: 1e-20))
    #expect(close(h.last!, 0.1))
    // The V: large at both ends, small in the middle.
    let least = central.filter { $0 > 0 }.min()!
    #expect(central.last! > 1e4 * least)
    #expect(central.first! > 1e2 * least)
  }

  @Test func valuesNearTheLargestDoubleStillPlot() throws {
    let s = try session("h(x) = 1e308 * x", "k(x) = 1e300 * x^3 + 1/x")
    #expect(s.run(":plot h over x in [-1, 1]").succeeded)
    #expect(s.run(":plot k over x in [-1, 1]").succeeded)
    #expect(PlotAxis(values: [-1e308, 1e308], scale: .linear).ticks(count: 4).count >= 2)
  }

  @Test func aMarkerOutsideTheRangeIsLeftOut() throws {
    let s = try session("f(x) = x^2")
    let r = s.run(":plot error f at 1e250")
    #expect(r.succeeded)
    #expect(!r.output.contains { $0.contains("▼") })
    #expect(r.output.allSatisfy { $0.count < 200 })
  }

  @Test func anExactDifferenceSaysSo() throws {
    let s = try session("c(x) = 0 * x + 1")
    let r = s.run(":plot error c at 1.0")
    #expect(r.succeeded)
    #expect(r.output.contains { $0.hasPrefix("note: every difference was exact") })
  }

  @Test(arguments: [
    (":plot f over x in [0, 1]^(3,)", "a plot's variable is a number, not a tensor"),
    (":plot f(x) over x in [0, 1]", "':plot' takes function names, not calls"),
    (":plot f x in [0, 1]", "expected 'over' and a range"),
    (":plot nope over x in [0, 1]", "unknown function 'nope'"),
    (":plot two over x in [0, 1]", "two takes 2 arguments (a, b); :plot needs a function of one"),
    (":plot error f 2.0", "expected 'at' and a point after 'f'"),
    (":plot error vec at 1.0", "vec gives shape (2,); :plot error needs one number"),
    (":plot error f at nan", ":plot error needs a finite point of moderate size, got nan"),
    (":plot f over x in [-1e308, 1e308]", "the range of 'x' is too wide to sample"),
  ])
  func plotErrors(_ entry: String, _ message: String) throws {
    let s = try session("f(x) = x^2", "two(a, b) = a * b", "vec(x) = [x, x]")
    #expect(s.run(entry).error?.message == message)
  }
}
