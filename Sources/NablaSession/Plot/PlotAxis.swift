import Foundation

/// One axis of a plot: its range, its scale and where its ticks go.
struct PlotAxis {
  enum Scale {
    case linear
    /// Values are drawn at log₁₀ of themselves; ticks at powers of ten.
    case log
  }

  /// The range, in drawn coordinates (log₁₀ of the values on a log axis).
  var lower: Double
  var upper: Double
  var scale: Scale

  /// An axis over `values` (non-finite ones, and on a log axis those ≤ 0, ignored), padded
  /// by `padding` of its span on each side; a single value gets a unit span around it.
  init(values: [Double], scale: Scale, padding: Double = 0) {
    self.scale = scale
    let drawn = values.compactMap { PlotAxis.drawn($0, scale) }
    var lower = drawn.min() ?? 0
    var upper = drawn.max() ?? 1
    if upper - lower < 1e-12 * max(1, abs(lower)) {
      lower -= scale == .log ? 0.5 : max(1, abs(lower) * 0.1)
      upper += scale == .log ? 0.5 : max(1, abs(upper) * 0.1)
    }
    let pad = (upper - lower) * padding
    self.lower = lower - pad
    self.upper = upper + pad
  }

  /// Where a value is drawn, or nil when it cannot be (NaN, ±∞, ≤ 0 on a log axis).
  static func drawn(_ value: Double, _ scale: Scale) -> Double? {
    guard value.isFinite else { return nil }
    switch scale {
    case .linear: return value
    case .log: return value > 0 ? Foundation.log10(value) : nil
    }
  }

  func drawn(_ value: Double) -> Double? { PlotAxis.drawn(value, scale) }

  /// The fraction of the way from `lower` to `upper` of a drawn coordinate.
  func fraction(_ drawn: Double) -> Double { (drawn - lower) / (upper - lower) }

  /// About `count` ticks at round values inside the range, with their labels.
  func ticks(count: Int) -> [(drawn: Double, label: String)] {
    switch scale {
    case .log:
      let first = Int(lower.rounded(.up))
      let last = Int(upper.rounded(.down))
      guard first <= last else { return [] }
      let every = max(1, Int((Double(last - first + 1) / Double(max(1, count))).rounded(.up)))
      return stride(from: first, through: last, by: 1).filter { ($0 - first) % every == 0 }.map {
        (Double($0), PlotAxis.power(of: $0))
      }
    case .linear:
      // A round step can leave a short axis one tick; then a finer one gives two.
      var rough = (upper - lower) / Double(max(1, count))
      while true {
        let step = PlotAxis.niceStep(rough)
        let first = (lower / step).rounded(.up)
        let last = (upper / step).rounded(.down)
        guard first <= last - 1 || rough < (upper - lower) / 20, last - first < 1000 else {
          rough /= 2
          continue
        }
        guard first <= last else { return [] }
        return stride(from: first, through: last, by: 1).map { k in
          let value = k * step
          return (value, PlotAxis.label(value, step: step))
        }
      }
    }
  }

  /// 1, 2 or 5 times a power of ten, at least `rough`.
  static func niceStep(_ rough: Double) -> Double {
    guard rough > 0, rough.isFinite else { return 1 }
    let power = Foundation.pow(10, Foundation.floor(Foundation.log10(rough)))
    for factor in [1.0, 2, 5, 10] where factor * power >= rough * 0.999 { return factor * power }
    return 10 * power
  }

  /// A tick value with as many decimals as the step needs: `-1.5`, `0`, `2e+06`.
  static func label(_ value: Double, step: Double) -> String {
    if abs(value) < step * 1e-9 { return "0" }
    let magnitude = max(abs(value), step)
    if magnitude >= 1e5 || magnitude < 1e-3 {
      let digits = max(0, Int(Foundation.log10(abs(value)).rounded(.down)) - Int(Foundation.log10(step).rounded(.down)))
      return String(format: "%.\(min(digits, 6))e", value)
        .replacingOccurrences(of: "e+0", with: "e").replacingOccurrences(of: "e-0", with: "e-")
        .replacingOccurrences(of: "e+", with: "e")
    }
    let decimals = max(0, -Int(Foundation.log10(step).rounded(.down)))
    return String(format: "%.\(decimals)f", value)
  }

  /// `1e-4`, `1`, `1e3`.
  static func power(of exponent: Int) -> String {
    switch exponent {
    case 0: "1"
    case 1: "10"
    default: "1e\(exponent)"
    }
  }
}
