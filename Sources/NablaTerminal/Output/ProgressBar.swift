import NablaSession

/// The progress line that long commands (`:check … trials N`, `:time`) show on stderr once
/// they have run for `delay` seconds, redrawn in place and erased when the command ends:
///
///     :check f  ██████████░░░░░░░░░░  52%  5.2M/10M  120k/s  41 s left
///     :time forward + backward (2/3)  run 3/7  ████████████░░░░░░  47%  10/21  24/s  1 s left
final class ProgressBar {
  /// Commands quicker than this show no bar.
  static let delay = 0.5
  /// Where the line goes (stderr).
  let write: (String) -> Void
  /// The terminal's width.
  var columns: Int
  let unicode: Bool
  /// Whether `ESC [ K` (erase to the end of the line) works; spaces otherwise.
  let canEraseLine: Bool
  private var shownWidth = 0

  init(columns: Int, unicode: Bool, canEraseLine: Bool, write: @escaping (String) -> Void) {
    self.columns = columns
    self.unicode = unicode
    self.canEraseLine = canEraseLine
    self.write = write
  }

  /// Draws `progress`, if the command has run long enough.
  func report(_ progress: Progress) {
    guard progress.elapsed >= ProgressBar.delay else { return }
    let line = ProgressBar.render(progress, width: max(10, columns - 1), unicode: unicode)
    let width = line.unicodeScalars.count
    let padding =
      canEraseLine ? "\u{1B}[K" : String(repeating: " ", count: max(0, shownWidth - width))
    write("\r" + line + padding)
    shownWidth = max(shownWidth, width)
  }

  /// Erases the line, if one was drawn.
  func finish() {
    guard shownWidth > 0 else { return }
    write(canEraseLine ? "\r\u{1B}[K" : "\r" + String(repeating: " ", count: shownWidth) + "\r")
    shownWidth = 0
  }

  /// One line at most `width` characters wide: label, bar, percentage, counts, rate and
  /// time left; the bar shrinks (and goes) first when space is short.
  static func render(_ progress: Progress, width: Int, unicode: Bool) -> String {
    let total = max(1, progress.total)
    let done = min(max(0, progress.completed), total)
    let fraction = Double(done) / Double(total)
    let rate = progress.elapsed > 0 ? Double(done) / progress.elapsed : 0
    var parts = ["\(Int((fraction * 100).rounded(.down)))%".leftPadded(to: 4)]
    parts.append("\(formatCount(Double(done)))/\(formatCount(Double(total)))")
    if rate > 0 {
      parts.append("\(formatCount(rate))/s")
      parts.append(formatDuration(Double(total - done) / rate) + " left")
    }
    let tail = parts.joined(separator: "  ")
    let fixed = progress.label.unicodeScalars.count + 2 + tail.unicodeScalars.count
    let barWidth = min(30, width - fixed - 2)
    var line = progress.label + "  "
    if barWidth >= 8 {
      line += bar(fraction, width: barWidth, unicode: unicode) + "  "
    }
    line += tail
    return line.unicodeScalars.count <= width
      ? line : String(String.UnicodeScalarView(line.unicodeScalars.prefix(width)))
  }

  /// `██████░░░░` or `[###.....]`, `width` characters.
  static func bar(_ fraction: Double, width: Int, unicode: Bool) -> String {
    let inner = unicode ? width : width - 2
    let filled = min(inner, max(0, Int((fraction * Double(inner)).rounded(.down))))
    if unicode {
      return String(repeating: "█", count: filled) + String(repeating: "░", count: inner - filled)
    }
    return "[" + String(repeating: "#", count: filled)
      + String(repeating: ".", count: inner - filled) + "]"
  }

  /// `950`, `12.3k`, `4.5M`: counts and rates in at most five characters.
  static func formatCount(_ x: Double) -> String {
    let units: [(Double, String)] = [(1e9, "G"), (1e6, "M"), (1e3, "k")]
    for (scale, suffix) in units where x >= scale * 0.9995 {
      let v = x / scale
      return (v < 9.95 ? oneDecimal(v) : String(Int(v.rounded()))) + suffix
    }
    return x < 10 && x != x.rounded() ? oneDecimal(x) : String(Int(x.rounded()))
  }

  /// `7 s`, `2:05`, `1:02:03`.
  static func formatDuration(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "--" }
    let s = Int(seconds.rounded(.up))
    if s < 60 { return "\(s) s" }
    let twoDigits = { (n: Int) in n < 10 ? "0\(n)" : "\(n)" }
    if s < 3600 { return "\(s / 60):\(twoDigits(s % 60))" }
    return "\(s / 3600):\(twoDigits(s / 60 % 60)):\(twoDigits(s % 60))"
  }

  private static func oneDecimal(_ x: Double) -> String {
    let tenths = Int((x * 10).rounded())
    return "\(tenths / 10).\(tenths % 10)"
  }
}

extension String {
  fileprivate func leftPadded(to width: Int) -> String {
    String(repeating: " ", count: max(0, width - count)) + self
  }
}
