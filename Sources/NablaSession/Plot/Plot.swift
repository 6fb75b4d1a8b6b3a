import Foundation
import NablaCore

/// A line plot drawn as text: curves in braille dots (or ASCII), axes with round ticks,
/// each curve's name at its right end, a legend, and optional marked places and regions.
///
///     var plot = Plot(width: 72, height: 12, unicode: true)
///     plot.series = [Plot.Series(name: "f", legend: "f(x) = x^2", points: points)]
///     let (lines, tones) = plot.render()
///
/// Rendering is pure: the same plot gives the same text, so plots can be recorded in
/// session files and verified. Tones say which characters belong to which series, for a
/// terminal to colour; the text reads without them (the curve labels tell the curves apart).
struct Plot {
  /// One curve: points joined by straight lines; a non-finite y breaks the line.
  struct Series {
    /// The short name written at the curve's right end.
    var name: String
    /// The legend's longer description.
    var legend: String
    var points: [(x: Double, y: Double)]
  }

  /// A vertical dotted line at `x`, labelled above the plot.
  struct Marker {
    var x: Double
    var label: String
  }

  /// A label under the plot for the part of the x axis from `lower` to `upper`.
  struct Region {
    var lower: Double
    var upper: Double
    var label: String
  }

  /// Characters per line, in all.
  var width: Int
  /// Rows of the drawing area.
  var height: Int
  var unicode: Bool
  var title: String?
  var series: [Series] = []
  var xLabel = ""
  var xScale = PlotAxis.Scale.linear
  var yScale = PlotAxis.Scale.linear
  var markers: [Marker] = []
  var regions: [Region] = []

  init(width: Int, height: Int, unicode: Bool) {
    self.width = width
    self.height = height
    self.unicode = unicode
  }

  /// The lines of text, and the tones of their parts.
  func render() -> (lines: [String], tones: [OutputTone]) {
    var out = Output()
    if let title { out.append(title) }
    let xs = series.flatMap { $0.points.map(\.x) }
    let ys = series.flatMap { $0.points.map(\.y) }
    let xAxis = PlotAxis(values: xs, scale: xScale)
    var yAxis = PlotAxis(values: ys, scale: yScale, padding: 0.03)
    if let clipped = PlotAxis.clipped(ys, scale: yScale) {
      yAxis = clipped
      let range =
        "\(String(format: "%.3g", clipped.lower)) to \(String(format: "%.3g", clipped.upper))"
      out.note = "the y axis shows \(range); a few values beyond are off the plot"
    }

    // The left gutter holds the y labels; the right margin the curves' names.
    let rows = max(2, height)
    let yTicks = yAxis.ticks(count: max(2, rows / 3))
    let gutter = (yTicks.map(\.label.count).max() ?? 1) + 1
    let nameWidth = min(14, series.map(\.name.count).max() ?? 0)
    let columns = max(8, width - gutter - 1 - (nameWidth > 0 ? nameWidth + 1 : 0))
    var canvas = DotCanvas(columns: columns, rows: rows, unicode: unicode)
    // Dot coordinates, kept to a range an Int holds (a far value is drawn off the canvas).
    func bounded(_ v: Double) -> Double { v.isNaN ? 0 : Swift.min(Swift.max(v, -1e9), 1e9) }
    func dotX(_ drawn: Double) -> Double {
      bounded(xAxis.fraction(drawn) * Double(canvas.width - 1))
    }
    func dotY(_ drawn: Double) -> Double {
      bounded((1 - yAxis.fraction(drawn)) * Double(canvas.height - 1))
    }

    // Grid lines first, so curves take the cells they cross: y = 0, then the markers.
    if yScale == .linear, yAxis.lower < 0, yAxis.upper > 0 {
      let y = Int(dotY(0).rounded())
      for x in stride(from: 0, to: canvas.width, by: 2) { canvas.set(x, y, owner: -2) }
    }
    // Markers inside the x range (one outside has nowhere to go).
    let markers = self.markers.filter { marker in
      xAxis.drawn(marker.x).map { $0 >= xAxis.lower && $0 <= xAxis.upper } ?? false
    }
    for marker in markers {
      guard let drawn = xAxis.drawn(marker.x) else { continue }
      let x = Int(dotX(drawn).rounded())
      for y in stride(from: 0, to: canvas.height, by: unicode ? 2 : 1) {
        canvas.set(x, y, owner: -3)
      }
    }
    var ends: [(row: Int, index: Int)] = []
    for (index, s) in series.enumerated() {
      var previous: (Double, Double)?
      var last: Double?
      for point in s.points {
        guard let px = xAxis.drawn(point.x), let py = yAxis.drawn(point.y) else {
          previous = nil
          continue
        }
        let p = (dotX(px), dotY(py))
        if let previous {
          canvas.line(from: previous, to: p, owner: index)
        } else {
          canvas.set(Int(p.0.rounded()), Int(p.1.rounded()), owner: index)
        }
        previous = p
        last = p.1
      }
      if let last { ends.append((Int(last.rounded()) / canvas.cellHeight, index)) }
    }

    // Markers' labels, above the drawing.
    for marker in markers {
      guard let drawn = xAxis.drawn(marker.x) else { continue }
      let column = Int(dotX(drawn).rounded()) / canvas.cellWidth
      let text = (unicode ? "▼ " : "v ") + marker.label
      let start = max(0, min(column, columns - text.count))
      var line = String(repeating: " ", count: gutter + 1 + start)
      let arrowAt = gutter + 1 + column
      if start == column {
        line += text
      } else {
        // Too near the right edge: the label goes left of the arrow.
        let label = marker.label + " " + (unicode ? "▼" : "v")
        line = String(repeating: " ", count: max(0, arrowAt - label.count + 1)) + label
      }
      out.append(line, tones: [(0..<line.count, .marker)])
    }

    // Each curve's name at the row where it ends, moved to a free row if taken.
    var nameAt: [Int: Int] = [:]
    for end in ends {
      var row = min(max(end.row, 0), rows - 1)
      var step = 1
      while nameAt[row] != nil && step < 2 * rows {
        let candidate = end.row + (step % 2 == 1 ? -(step + 1) / 2 : step / 2)
        step += 1
        if candidate >= 0 && candidate < rows { row = candidate }
      }
      if nameAt[row] == nil { nameAt[row] = end.index }
    }

    // The drawing, with the y axis.
    var tickAt: [Int: String] = [:]
    for tick in yTicks {
      let row = Int(dotY(tick.drawn).rounded()) / canvas.cellHeight
      if row >= 0, row < rows, tickAt[row] == nil { tickAt[row] = tick.label }
    }
    for row in 0..<rows {
      var line = ""
      var tones: [(Range<Int>, Tone)] = []
      if let label = tickAt[row] {
        line = String(repeating: " ", count: gutter - 1 - label.count) + label + " "
        line += unicode ? "┤" : "+"
      } else {
        line = String(repeating: " ", count: gutter) + (unicode ? "│" : "|")
      }
      tones.append((0..<line.count, .axis))
      for column in 0..<columns {
        let start = line.count
        line.append(canvas.character(column: column, row: row))
        let owner = canvas.owner(column: column, row: row)
        if owner >= 0 {
          tones.append((start..<start + 1, .series(owner)))
        } else if owner == -2 {
          tones.append((start..<start + 1, .axis))
        } else if owner == -3 {
          tones.append((start..<start + 1, .marker))
        }
      }
      if let index = nameAt[row] {
        let name = String(series[index].name.prefix(nameWidth))
        let start = line.count + 1
        line += " " + name
        tones.append((start..<start + name.count, .series(index)))
      }
      out.append(trimmed(line), tones: tones)
    }

    // The x axis: a rule with ticks, then the labels centred under them.
    let xTicks = xAxis.ticks(count: max(2, columns / 12))
    var rule = Array(repeating: unicode ? "─" : "-", count: columns)
    var labels = Array(repeating: Character(" "), count: gutter + 1 + columns + 8)
    var freeFrom = 0
    for tick in xTicks {
      let column = Int(dotX(tick.drawn).rounded()) / canvas.cellWidth
      guard column >= 0, column < columns else { continue }
      rule[column] = unicode ? "┬" : "+"
      let start = max(0, gutter + 1 + column - tick.label.count / 2)
      guard start >= freeFrom, start + tick.label.count <= labels.count else { continue }
      for (i, c) in tick.label.enumerated() { labels[start + i] = c }
      freeFrom = start + tick.label.count + 1
    }
    let axisLine = String(repeating: " ", count: gutter) + (unicode ? "└" : "+") + rule.joined()
    out.append(axisLine, tones: [(0..<axisLine.count, .axis)])
    out.append(trimmed(String(labels)))
    var below = ""
    for region in regions {
      guard let a = xAxis.drawn(region.lower), let b = xAxis.drawn(region.upper) else { continue }
      let from = gutter + 1 + Int(dotX(min(a, b)).rounded()) / canvas.cellWidth
      let to = gutter + 1 + Int(dotX(max(a, b)).rounded()) / canvas.cellWidth
      let start = max(
        from + (to - from - region.label.count) / 2, below.count + (below.isEmpty ? 0 : 2), 0)
      below += String(repeating: " ", count: max(0, start - below.count)) + region.label
    }
    if !xLabel.isEmpty {
      let center = gutter + 1 + columns / 2 - xLabel.count / 2
      if below.isEmpty {
        below = String(repeating: " ", count: max(0, center)) + xLabel
      } else {
        out.append(String(repeating: " ", count: max(0, center)) + xLabel)
      }
    }
    if !below.isEmpty { out.append(below) }

    // The legend: a sample of each curve and its description, as many per line as fit.
    var legend = ""
    var legendTones: [(Range<Int>, Tone)] = []
    for (index, s) in series.enumerated() {
      let sample = unicode ? "──" : "--"
      let item = sample + " " + s.legend
      if !legend.isEmpty && legend.count + 3 + item.count > width {
        out.append(legend, tones: legendTones)
        legend = ""
        legendTones = []
      }
      let start = legend.isEmpty ? gutter + 1 : legend.count + 3
      legend += String(repeating: " ", count: start - legend.count) + item
      legendTones.append((start..<start + 2, .series(index)))
    }
    if !legend.isEmpty { out.append(legend, tones: legendTones) }
    if let note = out.note { out.append("note: " + note) }
    return (out.lines, out.tones)
  }

  private func trimmed(_ line: String) -> String {
    var line = line
    while line.last == " " { line.removeLast() }
    return line
  }

  /// Lines and their tones as they are built.
  private struct Output {
    var lines: [String] = []
    var tones: [OutputTone] = []
    var note: String?

    mutating func append(_ line: String, tones lineTones: [(Range<Int>, Tone)] = []) {
      let length = line.count
      for (range, tone) in lineTones where range.lowerBound < length {
        tones.append(
          OutputTone(
            line: lines.count, columns: range.lowerBound..<min(range.upperBound, length),
            tone: tone))
      }
      lines.append(line)
    }
  }
}
