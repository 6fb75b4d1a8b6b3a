import NablaCore

/// Short forms of tensors and shapes shared by the graph pane and the DOT export.

/// Statistics of a tensor for a one-line summary: min / mean / max of the finite elements
/// and counts of NaN and Inf.
///
///     TensorSummary(Tensor([1, 2, .nan])).text    // "1 … 1.5 … 2  1 NaN"
public struct TensorSummary: Sendable, Equatable {
  public var count: Int
  public var min: Double
  public var mean: Double
  public var max: Double
  /// The largest finite magnitude (0 when none): what colours grade.
  public var maxMagnitude: Double
  public var nans: Int
  public var infs: Int
  /// The element of a one-element tensor.
  public var single: Double?

  /// - Complexity: O(count).
  public init(_ tensor: Tensor) {
    count = tensor.count
    single = tensor.scalar
    let s = tensor.finiteStatistics
    (min, mean, max, nans, infs) = (s.min, s.mean, s.max, s.nans, s.infs)
    maxMagnitude = s.finiteCount == 0 ? 0 : Swift.max(Swift.abs(s.min), Swift.abs(s.max))
  }

  /// Whether some element is NaN or infinite.
  public var hasNonFinite: Bool { nans + infs > 0 }

  /// The number for one element, else `min … max  μ mean`, then the NaN and Inf counts:
  /// `0.372`, `-3.44 … 5.57  μ -0.22`, `0 … 1  μ 0.5  2 NaN`.
  public var text: String {
    if let single { return formatCompact(single) }
    if count == 0 { return "[]" }
    var parts: [String] = []
    if !min.isNaN {
      parts.append(min == max ? "all \(formatCompact(min))" : "\(formatCompact(min)) … \(formatCompact(max))  μ \(formatCompact(mean))")
    }
    if nans > 0 { parts.append("\(nans) NaN") }
    if infs > 0 { parts.append("\(infs) Inf") }
    return parts.joined(separator: "  ")
  }
}

/// `x` with three significant digits, as C's `%.3g` but with a short exponent: `0.372`,
/// `-5.57`, `1.23e-5`, `1e6`.
public func formatCompact(_ x: Double) -> String {
  if x.isNaN { return "nan" }
  if x.isInfinite { return x < 0 ? "-inf" : "inf" }
  if x == 0 { return "0" }
  let sign = x < 0 ? "-" : ""
  let a = Swift.abs(x)
  var exponent = Int((log10Approximation(a)).rounded(.down))
  // Round to three significant digits, then fix the exponent if rounding carried (9.996 → 10).
  var digits = Int(scaled(a, byPowerOf10: 2 - exponent).rounded())
  if digits >= 1000 {
    exponent += 1
    digits = Int(scaled(a, byPowerOf10: 2 - exponent).rounded())
  }
  if exponent < -4 || exponent >= 3 {
    var mantissa = String(digits)
    mantissa.insert(".", at: mantissa.index(after: mantissa.startIndex))
    while mantissa.hasSuffix("0") { mantissa.removeLast() }
    if mantissa.hasSuffix(".") { mantissa.removeLast() }
    return sign + mantissa + "e" + String(exponent)
  }
  // Fixed: three digits with the point placed by the exponent.
  let decimals = 2 - exponent
  var text = String(digits)
  if decimals > 0 {
    while text.count <= decimals { text = "0" + text }
    text.insert(".", at: text.index(text.endIndex, offsetBy: -decimals))
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
  } else {
    text += String(repeating: "0", count: -decimals)
  }
  return sign + text
}

/// ⌊log10 a⌋ for a positive finite `a`, exact at powers of ten.
private func log10Approximation(_ a: Double) -> Double {
  var e = 0
  var v = a
  while v >= 10 { v /= 10; e += 1 }
  while v < 1 { v *= 10; e -= 1 }
  // Dividing can land just under a power of ten; compare against the power itself.
  if power10(e + 1) <= a { e += 1 }
  return Double(e)
}

/// `a · 10^e` in steps that neither overflow nor underflow on the way (subnormal `a`).
private func scaled(_ a: Double, byPowerOf10 e: Int) -> Double {
  var result = a
  var rest = e
  while rest != 0 {
    let step = max(-100, min(100, rest))
    result *= power10(step)
    rest -= step
  }
  return result
}

private func power10(_ e: Int) -> Double {
  var result = 1.0
  if e >= 0 {
    for _ in 0..<e { result *= 10 }
  } else {
    for _ in 0..<(-e) { result /= 10 }
  }
  return result
}

/// A shape without spaces, as edge labels show it: `(3,4)`, `(4,)`, `()`.
public func formatCompactShape(_ shape: [Int]) -> String {
  formatShape(shape).replacingOccurrences(of: ", ", with: ",")
}

extension String {
  fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
    split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
  }
}

/// The sum the backward pass applies to a gradient on its way to an input that `op`
/// broadcast, as `(3,1) ← Σ axis 1 ← (3,4)` (the input's shape, the axes summed, the shape
/// of the gradient before summing); nil when the input was not broadcast.
func broadcastReduction(_ op: Op, input: [Int], output: [Int]) -> String? {
  var unreduced = output
  switch op {
  case .binary, .select, .broadcast:
    break
  case .matmul:
    // Only batch axes broadcast: the gradient has the output's batch axes and the input's
    // own last two.
    guard input.count >= 2, output.count >= 2 else { return nil }
    unreduced = Array(output.dropLast(2)) + input.suffix(2)
  default:
    return nil
  }
  guard unreduced != input, unreduced.count >= input.count else { return nil }
  let lead = unreduced.count - input.count
  var axes = Array(0..<lead)
  for (i, n) in input.enumerated() where n == 1 && unreduced[lead + i] != 1 { axes.append(lead + i) }
  guard !axes.isEmpty else { return nil }
  let sum = axes.count == 1 ? "Σ axis \(axes[0])" : "Σ axes " + axes.map(String.init).joined(separator: ",")
  return "\(formatCompactShape(input)) ← \(sum) ← \(formatCompactShape(unreduced))"
}
