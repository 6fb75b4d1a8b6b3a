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
    // Keep the span finite (values near ±1.8e308), so fractions and ticks are numbers.
    let limit = Double.greatestFiniteMagnitude / 8
    lower = Swift.max(lower, -limit)
    upper = Swift.min(upper, limit)
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
      for _ in 0..<64 {
        let step = PlotAxis.niceStep(rough)
        let first = (lower / step).rounded(.up)
        let last = (upper / step).rounded(.down)
        guard first <= last - 1 || rough < (upper - lower) / 20, last - first < 1000 else {
          rough /= 2
          continue
        }
        guard first <= last else { return [] }
        let largest = max(abs(first), abs(last)) * step
        let scientific = largest >= 1e5 || largest < 1e-2
        return stride(from: first, through: last, by: 1).map { k in
          let value = k * step
          return (value, PlotAxis.label(value, step: step, scientific: scientific))
        }
      }
      return []
    }
  }

  /// 1, 2 or 5 times a power of ten, at least `rough`.
  static func niceStep(_ rough: Double) -> Double {
    guard rough > 0, rough.isFinite else { return 1 }
    let power = Foundation.pow(10, Foundation.floor(Foundation.log10(rough)))
    for factor in [1.0, 2, 5, 10] where factor * power >= rough * 0.999 { return factor * power }
    return 10 * power
  }

  /// A tick value with as many digits as the step needs: `-1.5`, `0`, `2e6`, `5e-4`.
  static func label(_ value: Double, step: Double, scientific: Bool = false) -> String {
    if abs(value) < step * 1e-9 { return "0" }
    if scientific {
      let exponent = Int(Foundation.floor(Foundation.log10(abs(value))))
      let digits = max(0, exponent - Int(Foundation.floor(Foundation.log10(step) + 1e-9)))
      let mantissa = value / Foundation.pow(10, Double(exponent))
      var text = String(format: "%.\(min(digits, 6))f", mantissa)
      if text.contains(".") {
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
      }
      return text + "e\(exponent)"
    }
    let decimals = max(0, -Int(Foundation.floor(Foundation.log10(step) + 1e-9)))
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

extension PlotAxis {
  /// A linear axis that leaves out a few far values (1/x near 0), when the middle 80% of the
  /// values span less than a tenth of the whole range; nil when the whole range reads well.
  static func clipped(_ values: [Double], scale: Scale) -> PlotAxis? {
    guard scale == .linear else { return nil }
    let sorted = values.filter(\.isFinite).sorted()
    guard sorted.count >= 20, let low = sorted.first, let high = sorted.last else { return nil }
    let q10 = sorted[sorted.count / 10]
    let q90 = sorted[sorted.count - 1 - sorted.count / 10]
    let span = q90 - q10
    guard span > 0, high - low > 10 * span else { return nil }
    var axis = PlotAxis(values: [max(low, q10 - span), min(high, q90 + span)], scale: .linear)
    let pad = (axis.upper - axis.lower) * 0.03
    axis.lower -= pad
    axis.upper += pad
    return axis
  }
}
