// numpy-style printing of tensors.
//
//     print(try Tensor(shape: [2, 3], scalars: [1, 2.5, 3, -4, 5, 6]))
//     // [[ 1. ,  2.5,  3. ],
//     //  [-4. ,  5. ,  6. ]]
//
// `formatted(_:)` reproduces numpy 2.x `np.array2string(a, separator=', ')` (the text inside
// `array(...)` of a repr) for float64 arrays with the default `floatmode='maxprec'`:
//
// - every element is printed with the shortest digits that round-trip, cut (correctly rounded)
//   at `precision` fractional digits; trailing zeros are dropped, and the column is padded
//   with spaces so decimal points line up (`[1. , 2.5, 3. ]`);
// - scientific notation is used when the largest finite non-zero magnitude is `>= 1e8`, or
//   (unless `suppressSmall`) when the smallest is `< 1e-4` or the ratio largest/smallest is
//   `> 1e3`; all mantissas then share one number of fraction digits and exponent width
//   (`[1.5e-05, 1.0e+00]`);
// - `nan`, `inf` and `-inf` are right-aligned in the column;
// - rows wrap at `lineWidth` with numpy's continuation indent; the rows of a matrix are
//   separated by newlines and each further outer axis adds one blank line (as between the
//   2-d blocks of a 3-d tensor);
// - a tensor with more than `threshold` elements is summarised to `edgeItems` leading and
//   trailing items per axis with `...`, and widths are computed from the shown items only.
//
// One deliberate difference: with `edgeItems == 0` numpy shows `...` and the last item of each
// summarised axis but (through a slicing quirk, `a[-0:]`) sizes the columns from the whole
// array; here they are sized from what is shown, so a huge tensor stays cheap to print.
//
// A 0-d tensor prints as `formatScalar(_:)` does, like a Python `float` repr (`3.0`, `1e-05`),
// as numpy prints a float64 scalar; `precision` does not apply to it. An empty tensor of any
// shape prints `[]` (numpy adds `shape=...` only inside its `array(...)` repr).

/// Options for `Tensor.formatted(_:)`, named and defaulted as numpy's print options.
public struct TensorFormat: Sendable, Equatable {
  /// The most fractional digits an element shows (numpy `precision`); clamped to `>= 0`.
  public var precision: Int
  /// Tensors with more than this many elements are summarised (numpy `threshold`).
  public var threshold: Int
  /// Items kept at each end of a summarised axis (numpy `edgeitems`); clamped to `>= 0`.
  public var edgeItems: Int
  /// The number of characters per line before rows wrap (numpy `linewidth`).
  public var lineWidth: Int
  /// Print in fixed notation even when small magnitudes would switch to scientific, so tiny
  /// values show as `0.` (numpy `suppress`).
  public var suppressSmall: Bool

  public init(
    precision: Int = 8, threshold: Int = 1000, edgeItems: Int = 3, lineWidth: Int = 75,
    suppressSmall: Bool = false
  ) {
    self.precision = precision
    self.threshold = threshold
    self.edgeItems = edgeItems
    self.lineWidth = lineWidth
    self.suppressSmall = suppressSmall
  }
}

extension Tensor: CustomStringConvertible {
  /// The tensor as numpy prints it with default options (see `formatted(_:)`).
  public var description: String { formatted() }
}

extension Tensor {
  /// The tensor printed as numpy's `np.array2string(a, separator=', ')` would with `format`.
  ///
  /// Only the elements that are shown are formatted, so a summarised tensor of any size
  /// prints in time proportional to what is printed.
  public func formatted(_ format: TensorFormat = .init()) -> String {
    if shape.isEmpty { return formatScalar(scalars[0]) }
    if scalars.isEmpty { return "[]" }
    let summarise = scalars.count > format.threshold
    let edge = Swift.max(0, format.edgeItems)
    let shown = shownValues(summarise: summarise, edge: edge)
    let element = ElementFormatter(
      shown, precision: Swift.max(0, format.precision), suppressSmall: format.suppressSmall)
    return layout(summarise: summarise, edge: edge, lineWidth: format.lineWidth, element: element)
  }

  /// A one-line form for listings such as `:vars`, at most `maxWidth` characters when possible.
  ///
  /// In order of preference:
  /// 1. the full `formatted()` text, if it is a single line of at most `maxWidth` characters
  ///    (a 0-d tensor always prints as `formatScalar(_:)`, an empty one as `[]`);
  /// 2. for a 1-d tensor, its first and last k items (k = 3, 2, then 1) with `…` between,
  ///    numpy-formatted at 4 fractional digits without alignment padding, such as
  ///    `[0.1, 0.2, …, 0.9]` -- used only when every `nan`/`inf` is among the shown items;
  /// 3. statistics of the finite elements, each as C's `%.4g`, two spaces apart, followed by
  ///    counts of non-finite elements when there are any (`inf` counts both signs):
  ///    `min -1.2  mean 0.03  max 2.1`, `min 0  mean 0.5  max 1  nan 2  inf 1`, or `nan 4`
  ///    when no element is finite. This form is not shortened further, so it can be wider
  ///    than a very small `maxWidth`.
  public func shortDescription(maxWidth: Int = 40) -> String {
    if shape.isEmpty { return formatScalar(scalars[0]) }
    if scalars.isEmpty { return "[]" }
    // Each element needs at least "0." plus ", ", so longer tensors cannot fit on one line.
    if scalars.count <= Swift.max(0, maxWidth) / 4 + 1 {
      let full = formatted(TensorFormat(threshold: Int.max, lineWidth: Int.max / 2))
      if full.utf8.count <= maxWidth && !full.utf8.contains(UInt8(ascii: "\n")) { return full }
    }
    if rank == 1 {
      for k in stride(from: 3, through: 1, by: -1) where 2 * k < scalars.count {
        let head = scalars[..<k], tail = scalars[(scalars.count - k)...]
        let hiddenNonFinite = scalars[k..<(scalars.count - k)].contains { !$0.isFinite }
        if hiddenNonFinite { break }
        let element = ElementFormatter(Array(head + tail), precision: 4, suppressSmall: false)
        let words = (head + tail).map { element.unpadded($0) }
        let text =
          "[" + words[..<k].joined(separator: ", ") + ", …, "
          + words[k...].joined(separator: ", ") + "]"
        if text.count <= maxWidth { return text }
      }
    }
    return statisticsSummary()
  }

  /// `min A  mean B  max C` over the finite elements, then `nan N` / `inf N` when present.
  func statisticsSummary() -> String {
    let s = finiteStatistics
    var parts: [String] = []
    if s.finiteCount > 0 {
      parts.append("min " + formatGeneral(s.min, significantDigits: 4))
      parts.append("mean " + formatGeneral(s.mean, significantDigits: 4))
      parts.append("max " + formatGeneral(s.max, significantDigits: 4))
    }
    if s.nans > 0 { parts.append("nan \(s.nans)") }
    if s.infs > 0 { parts.append("inf \(s.infs)") }
    return parts.joined(separator: "  ")
  }

  /// The elements numpy would show: per axis, all indices, or the first and last `edge` when
  /// summarising an axis longer than `2 * edge` (numpy then still shows the last item when
  /// `edge == 0`).
  private func shownValues(summarise: Bool, edge: Int) -> [Double] {
    guard summarise else { return scalars }
    let strides = contiguousStrides(shape)
    var offsets = [0]
    for (axis, n) in shape.enumerated() {
      let indices: [Int]
      if 2 * edge < n {
        indices = Array(0..<edge) + Array((n - Swift.max(edge, 1))..<n)
      } else {
        indices = Array(0..<n)
      }
      var next: [Int] = []
      next.reserveCapacity(offsets.count * indices.count)
      for o in offsets {
        for i in indices { next.append(o + i * strides[axis]) }
      }
      offsets = next
    }
    return offsets.map { scalars[$0] }
  }

  /// numpy's `_formatArray` (numpy 2.x, non-legacy), with separator `", "` and no prefix.
  private func layout(summarise: Bool, edge: Int, lineWidth: Int, element: ElementFormatter)
    -> String
  {
    let strides = contiguousStrides(shape)
    let rank = shape.count
    let scalars = self.scalars
    let shape = self.shape

    func recurse(axis: Int, offset: Int, indent: Int, width: Int) -> String {
      let hanging = String(repeating: " ", count: indent)
      let n = shape[axis]
      let stride = strides[axis]
      let showSummary = summarise && 2 * edge < n
      let leading = showSummary ? edge : 0
      let trailing = showSummary ? edge : n
      var s = ""
      if axis == rank - 1 {
        // The width up to the separator or closing bracket.
        let elementWidth = width - 1
        var line = hanging
        func extend(_ word: String) {
          let needsWrap =
            line.utf8.count + word.utf8.count > elementWidth && line.utf8.count > indent
          if needsWrap {
            s += trimmingTrailingSpaces(line)
            s += "\n"
            line = hanging
          }
          line += word
        }
        for i in 0..<leading {
          extend(element.format(scalars[offset + i * stride]))
          line += ", "
        }
        if showSummary {
          extend("...")
          line += ", "
        }
        var i = trailing
        while i > 1 {
          extend(element.format(scalars[offset + (n - i) * stride]))
          line += ", "
          i -= 1
        }
        extend(element.format(scalars[offset + (n - 1) * stride]))
        s += line
      } else {
        let separator = "," + String(repeating: "\n", count: rank - axis - 1)
        func nested(_ i: Int) -> String {
          recurse(axis: axis + 1, offset: offset + i * stride, indent: indent + 1, width: width - 1)
        }
        for i in 0..<leading {
          s += hanging
          s += nested(i)
          s += separator
        }
        if showSummary {
          s += hanging
          s += "..."
          s += separator
        }
        var i = trailing
        while i > 1 {
          s += hanging
          s += nested(n - i)
          s += separator
          i -= 1
        }
        s += hanging
        s += nested(n - 1)
      }
      // Replace the hanging indent of the first line by the opening bracket.
      return "[" + String(Substring(s.utf8.dropFirst(indent))) + "]"
    }
    return recurse(axis: 0, offset: 0, indent: 1, width: lineWidth)
  }
}

private func trimmingTrailingSpaces(_ s: String) -> Substring {
  let bytes = s.utf8
  var end = bytes.endIndex
  while end > bytes.startIndex {
    let before = bytes.index(before: end)
    if bytes[before] != UInt8(ascii: " ") { break }
    end = before
  }
  return Substring(bytes[..<end])
}

// MARK: - Scalars

/// A number as Python prints a `float` (its `repr`), which is also how numpy prints a float64
/// scalar: the shortest digits that round-trip, in fixed notation with at least one fractional
/// digit when `1e-4 <= |x| < 1e16` (`3.0`, `0.1`, `0.0001`), otherwise in scientific notation
/// with a signed exponent of at least two digits (`1e-05`, `1.5e+20`); `nan`, `inf`, `-inf`.
public func formatScalar(_ x: Double) -> String {
  if x.isNaN { return "nan" }
  if x.isInfinite { return x < 0 ? "-inf" : "inf" }
  let d = DecimalDigits(shortest: x)
  var out: [UInt8] = []
  out.reserveCapacity(24)
  if d.negative { out.append(UInt8(ascii: "-")) }
  if d.digits.isEmpty {
    out += Array("0.0".utf8)
    return String(decoding: out, as: UTF8.self)
  }
  let exponent = d.pointPosition - 1
  if exponent >= -4 && exponent < 16 {
    d.appendFixed(to: &out)
    if d.digits.count <= d.pointPosition { out.append(UInt8(ascii: "0")) }
  } else {
    out.append(ascii(d.digits[0]))
    if d.digits.count > 1 {
      out.append(UInt8(ascii: "."))
      for digit in d.digits.dropFirst() { out.append(ascii(digit)) }
    }
    appendExponent(exponent, minimumDigits: 2, to: &out)
  }
  return String(decoding: out, as: UTF8.self)
}

/// `x` as C's `printf("%.Ng")` prints it with N = `significantDigits`: rounded to N
/// significant digits, in fixed notation when the decimal exponent is in `-4 ..< N`, else
/// scientific, without trailing zeros or a trailing decimal point (`3`, `0.03`, `5e+05`).
/// Exact for up to 15 significant digits (beyond that printf shows the binary value's digits).
func formatGeneral(_ x: Double, significantDigits: Int) -> String {
  if x.isNaN { return "nan" }
  if x.isInfinite { return x < 0 ? "-inf" : "inf" }
  let precision = Swift.max(1, significantDigits)
  var d = DecimalDigits(shortest: x)
  d.round(keeping: precision, of: x)
  var out: [UInt8] = []
  if d.negative { out.append(UInt8(ascii: "-")) }
  if d.digits.isEmpty {
    out.append(UInt8(ascii: "0"))
    return String(decoding: out, as: UTF8.self)
  }
  let exponent = d.pointPosition - 1
  if exponent >= -4 && exponent < precision {
    d.appendFixed(to: &out)
    if out.last == UInt8(ascii: ".") { out.removeLast() }
  } else {
    out.append(ascii(d.digits[0]))
    if d.digits.count > 1 {
      out.append(UInt8(ascii: "."))
      for digit in d.digits.dropFirst() { out.append(ascii(digit)) }
    }
    appendExponent(exponent, minimumDigits: 2, to: &out)
  }
  return String(decoding: out, as: UTF8.self)
}

@inline(__always)
private func ascii(_ digit: UInt8) -> UInt8 { digit &+ UInt8(ascii: "0") }

/// Appends `e+05`-style exponent text.
private func appendExponent(_ exponent: Int, minimumDigits: Int, to out: inout [UInt8]) {
  out.append(UInt8(ascii: "e"))
  out.append(exponent < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
  let text = Array(String(exponent.magnitude).utf8)
  if text.count < minimumDigits {
    out += repeatElement(UInt8(ascii: "0"), count: minimumDigits - text.count)
  }
  out += text
}

// MARK: - Elements of an array

/// numpy's `FloatingFormat` for `floatmode='maxprec'`, `sign='-'`: decides notation and
/// column widths from the elements shown, then formats each element to the same width.
struct ElementFormatter {
  private var scientific = false
  /// Positional: the fractional-digit cutoff. Scientific: mantissa fraction digits, all shown.
  private var precision: Int
  /// Characters before the decimal point, sign included.
  private var padLeft = 0
  /// Positional: characters after the decimal point. Scientific: after the point, `e` included.
  private var padRight = 0
  /// Scientific: exponent digits.
  private var exponentDigits = 2

  init(_ values: [Double], precision: Int, suppressSmall: Bool) {
    self.precision = precision
    var maxAbs = 0.0, minAbs = Double.infinity
    var finiteCount = 0, negativeInfinity = false
    for x in values {
      if x.isFinite {
        finiteCount += 1
        let a = Swift.abs(x)
        if a != 0 {
          if a > maxAbs { maxAbs = a }
          if a < minAbs { minAbs = a }
        }
      } else if x == -.infinity {
        negativeInfinity = true
      }
    }
    if maxAbs > 0 {
      scientific =
        maxAbs >= 1e8 || (!suppressSmall && (minAbs < 0.0001 || maxAbs / minAbs > 1000))
    }
    if finiteCount > 0 {
      if scientific {
        var fractionDigits = 0, exponentDigits = 2
        for x in values where x.isFinite {
          let p = Self.scientificParts(x, precision: precision)
          padLeft = Swift.max(padLeft, p.integer.count)
          fractionDigits = Swift.max(fractionDigits, p.fraction.count)
          exponentDigits = Swift.max(exponentDigits, String(p.exponent.magnitude).utf8.count)
        }
        self.precision = fractionDigits
        self.exponentDigits = exponentDigits
        padRight = exponentDigits + 2 + fractionDigits
      } else {
        for x in values where x.isFinite {
          let p = Self.positionalParts(x, precision: precision)
          padLeft = Swift.max(padLeft, p.integer.count)
          padRight = Swift.max(padRight, p.fraction.count)
        }
      }
    }
    if finiteCount < values.count {
      let offset = padRight + 1
      padLeft = Swift.max(padLeft, 3 - offset, 3 + (negativeInfinity ? 1 : 0) - offset)
    }
  }

  /// `x` padded to the column width.
  func format(_ x: Double) -> String {
    if !x.isFinite {
      let text = x.isNaN ? "nan" : (x < 0 ? "-inf" : "inf")
      let pad = padLeft + padRight + 1 - text.utf8.count
      return pad > 0 ? String(repeating: " ", count: pad) + text : text
    }
    var out: [UInt8] = []
    out.reserveCapacity(padLeft + padRight + 1)
    if scientific {
      let p = Self.scientificParts(x, precision: precision, padded: true)
      out += repeatElement(UInt8(ascii: " "), count: Swift.max(0, padLeft - p.integer.count))
      out += p.integer
      out.append(UInt8(ascii: "."))
      out += p.fraction
      out += repeatElement(UInt8(ascii: "0"), count: Swift.max(0, precision - p.fraction.count))
      appendExponent(p.exponent, minimumDigits: exponentDigits, to: &out)
    } else {
      let p = Self.positionalParts(x, precision: precision)
      out += repeatElement(UInt8(ascii: " "), count: Swift.max(0, padLeft - p.integer.count))
      out += p.integer
      out.append(UInt8(ascii: "."))
      out += p.fraction
      out += repeatElement(UInt8(ascii: " "), count: Swift.max(0, padRight - p.fraction.count))
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// `x` in the column's notation without alignment padding (for one-line summaries).
  func unpadded(_ x: Double) -> String {
    let text = format(x)
    return String(trimmingTrailingSpaces(text).drop { $0 == " " })
  }

  /// numpy `dragon4_positional(x, precision, unique=True, fractional=True, trim='.')`, split
  /// at the decimal point: the integer part with any `-`, and the trimmed fractional digits.
  static func positionalParts(_ x: Double, precision: Int)
    -> (integer: [UInt8], fraction: [UInt8])
  {
    var d = DecimalDigits(shortest: x)
    d.round(keeping: d.pointPosition + precision, of: x)
    var integer: [UInt8] = []
    var fraction: [UInt8] = []
    if d.negative { integer.append(UInt8(ascii: "-")) }
    let n = d.digits.count, point = d.pointPosition
    if point <= 0 || n == 0 {
      integer.append(UInt8(ascii: "0"))
      if n > 0 {
        fraction += repeatElement(UInt8(ascii: "0"), count: -point)
        for digit in d.digits { fraction.append(ascii(digit)) }
      }
    } else {
      for i in 0..<point { integer.append(i < n ? ascii(d.digits[i]) : UInt8(ascii: "0")) }
      if n > point { for digit in d.digits[point...] { fraction.append(ascii(digit)) } }
    }
    return (integer, fraction)
  }

  /// numpy `dragon4_scientific(x, precision, unique=True, trim='.')`, split into the
  /// integer digit with any `-`, the trimmed fraction digits, and the decimal exponent.
  ///
  /// With `padded`, the fraction has exactly `precision` digits: when the shortest digits are
  /// fewer, numpy's Dragon4 (`min_digits`) continues with the exact digits of `x`, correctly
  /// rounded, rather than zeros. The two differ only from 16 significant digits on.
  static func scientificParts(_ x: Double, precision: Int, padded: Bool = false)
    -> (integer: [UInt8], fraction: [UInt8], exponent: Int)
  {
    var d = DecimalDigits(shortest: x)
    d.round(keeping: precision + 1, of: x)
    if padded && !d.digits.isEmpty && d.digits.count < precision + 1 {
      if precision + 1 >= 16 {
        d = DecimalDigits(exact: x, significantDigits: precision + 1, exponentHint: d.pointPosition)
      }
      d.digits += repeatElement(0, count: precision + 1 - d.digits.count)
    }
    var integer: [UInt8] = []
    if d.negative { integer.append(UInt8(ascii: "-")) }
    guard let first = d.digits.first else {
      integer.append(UInt8(ascii: "0"))
      return (integer, [], 0)
    }
    integer.append(ascii(first))
    return (integer, d.digits.dropFirst().map(ascii), d.pointPosition - 1)
  }
}

// MARK: - Decimal digits

/// A finite double as decimal digits: `±0.d₁d₂…dₙ × 10^pointPosition`, without leading or
/// trailing zero digits (no digits for zero).
struct DecimalDigits {
  var negative: Bool
  /// Digit values 0...9.
  var digits: [UInt8]
  var pointPosition: Int

  /// The shortest digits that round-trip to `x` (closest to `x` among those), read from
  /// Swift's `description`, which produces exactly these digits. `x` must be finite.
  init(shortest x: Double) {
    negative = x.sign == .minus
    digits = []
    pointPosition = 0
    if x == 0 { return }
    digits.reserveCapacity(17)
    var integerDigits: Int? = nil
    var exponent = 0, exponentSign = 1, inExponent = false
    for c in x.magnitude.description.utf8 {
      switch c {
      case UInt8(ascii: "0")...UInt8(ascii: "9"):
        if inExponent {
          exponent = exponent * 10 + Int(c - UInt8(ascii: "0"))
        } else {
          digits.append(c - UInt8(ascii: "0"))
        }
      case UInt8(ascii: "."): integerDigits = digits.count
      case UInt8(ascii: "e"), UInt8(ascii: "E"): inExponent = true
      case UInt8(ascii: "-"): exponentSign = -1
      default: break
      }
    }
    pointPosition = (integerDigits ?? digits.count) + exponentSign * exponent
    var leading = 0
    while leading < digits.count && digits[leading] == 0 { leading += 1 }
    if leading > 0 {
      digits.removeFirst(leading)
      pointPosition -= leading
    }
    while let last = digits.last, last == 0 { digits.removeLast() }
  }

  /// `x` correctly rounded (ties to even) to `count` significant digits, keeping trailing
  /// zeros. `exponentHint` is the `pointPosition` of a nearby decimal such as the shortest
  /// digits; the first digit is found exactly from there. `x` must be finite and non-zero.
  init(exact x: Double, significantDigits count: Int, exponentHint: Int) {
    negative = x.sign == .minus
    // |x| = num / den
    let biased = Int(x.exponentBitPattern)
    let m = biased == 0 ? x.significandBitPattern : x.significandBitPattern | (1 << 52)
    let e2 = (biased == 0 ? 1 : biased) - 1075
    var num = BigNatural(m), den = BigNatural(1)
    if e2 >= 0 { num.shiftLeft(e2) } else { den.shiftLeft(-e2) }
    // Scale so that 1 <= num / den < 10, with |x| = num / den · 10^exponent.
    var exponent = exponentHint - 1
    if exponent >= 0 {
      den.multiplyByPowerOf5(exponent)
      den.shiftLeft(exponent)
    } else {
      num.multiplyByPowerOf5(-exponent)
      num.shiftLeft(-exponent)
    }
    while BigNatural.compare(num, den) < 0 {
      num.multiply(by: 10)
      exponent -= 1
    }
    var tenDen = den
    tenDen.multiply(by: 10)
    while BigNatural.compare(num, tenDen) >= 0 {
      den = tenDen
      tenDen.multiply(by: 10)
      exponent += 1
    }
    digits = []
    digits.reserveCapacity(count)
    for i in 0..<count {
      var digit: UInt8 = 0
      while BigNatural.compare(num, den) >= 0 {
        num.subtract(den)
        digit += 1
      }
      digits.append(digit)
      if i + 1 < count { num.multiply(by: 10) }
    }
    pointPosition = exponent + 1
    // Round on the remainder: compare 2 · num with den.
    num.shiftLeft(1)
    let order = BigNatural.compare(num, den)
    if order > 0 || (order == 0 && digits[count - 1] & 1 == 1) {
      var i = count - 1
      while i >= 0 && digits[i] == 9 {
        digits[i] = 0
        i -= 1
      }
      if i >= 0 {
        digits[i] += 1
      } else {
        digits.insert(1, at: 0)
        digits.removeLast()
        pointPosition += 1
      }
    }
  }

  /// Rounds to the first `keep` digits (a count relative to `digits`, may be out of range),
  /// correctly rounding the exact binary value `x` these digits came from, ties to even, as
  /// numpy's Dragon4 does at a precision cutoff. Trailing zeros are then dropped.
  ///
  /// Rounding the shortest digits instead of `x` only differs when they end in a 5 right
  /// after the cutoff (any decimal midpoint strictly between them and `x` would be shorter
  /// or closer, contradicting shortest-closest); that case is decided exactly.
  mutating func round(keeping keep: Int, of x: Double) {
    let n = digits.count
    if keep >= n { return }
    if keep < 0 {
      digits = []
      return
    }
    let dropped = digits[keep]
    var roundUp: Bool
    if dropped != 5 {
      roundUp = dropped > 5
    } else if keep + 1 < n {
      roundUp = true
    } else {
      let order = compareExactly(x, with: self)
      if order != 0 {
        roundUp = order > 0
      } else {
        let lastKept = keep > 0 ? digits[keep - 1] : 0
        roundUp = lastKept & 1 == 1
      }
    }
    digits.removeLast(n - keep)
    if roundUp {
      var i = digits.count - 1
      while i >= 0 && digits[i] == 9 {
        digits[i] = 0
        i -= 1
      }
      if i >= 0 {
        digits[i] += 1
      } else {
        digits = [1]
        pointPosition += 1
      }
    }
    while let last = digits.last, last == 0 { digits.removeLast() }
  }

  /// Appends fixed notation: `-`, integer digits (or `0`), `.`, fractional digits.
  func appendFixed(to out: inout [UInt8]) {
    let n = digits.count
    if pointPosition <= 0 {
      out.append(UInt8(ascii: "0"))
      out.append(UInt8(ascii: "."))
      out += repeatElement(UInt8(ascii: "0"), count: -pointPosition)
      for digit in digits { out.append(ascii(digit)) }
    } else {
      for i in 0..<pointPosition { out.append(i < n ? ascii(digits[i]) : UInt8(ascii: "0")) }
      out.append(UInt8(ascii: "."))
      if n > pointPosition { for digit in digits[pointPosition...] { out.append(ascii(digit)) } }
    }
  }
}

/// The sign of `|x| - decimal` computed exactly with big integers.
private func compareExactly(_ x: Double, with decimal: DecimalDigits) -> Int {
  // |x| = m · 2^e2
  let biased = Int(x.exponentBitPattern)
  let m = biased == 0 ? x.significandBitPattern : x.significandBitPattern | (1 << 52)
  let e2 = (biased == 0 ? 1 : biased) - 1075
  // decimal = D · 10^q
  var d: UInt64 = 0
  for digit in decimal.digits { d = d &* 10 &+ UInt64(digit) }
  let q = decimal.pointPosition - decimal.digits.count
  // Divide both by 2^min(e2, q) · 5^min(0, q) so every exponent is non-negative.
  let s2 = Swift.min(e2, q), s5 = Swift.min(0, q)
  var a = BigNatural(m)
  a.multiplyByPowerOf5(-s5)
  a.shiftLeft(e2 - s2)
  var b = BigNatural(d)
  b.multiplyByPowerOf5(q - s5)
  b.shiftLeft(q - s2)
  return BigNatural.compare(a, b)
}

/// Just enough of an arbitrary-precision natural number to compare `m·2^i·5^j` products.
private struct BigNatural {
  /// Little-endian 32-bit limbs.
  var limbs: [UInt32]

  init(_ value: UInt64) {
    limbs = [UInt32(truncatingIfNeeded: value), UInt32(truncatingIfNeeded: value >> 32)]
  }

  mutating func multiply(by factor: UInt32) {
    var carry: UInt64 = 0
    for i in limbs.indices {
      let product = UInt64(limbs[i]) * UInt64(factor) + carry
      limbs[i] = UInt32(truncatingIfNeeded: product)
      carry = product >> 32
    }
    if carry != 0 { limbs.append(UInt32(carry)) }
  }

  mutating func multiplyByPowerOf5(_ k: Int) {
    var k = k
    while k >= 13 {
      multiply(by: 1_220_703_125)  // 5^13
      k -= 13
    }
    var factor: UInt32 = 1
    for _ in 0..<Swift.max(0, k) { factor *= 5 }
    if factor != 1 { multiply(by: factor) }
  }

  mutating func shiftLeft(_ bits: Int) {
    guard bits > 0 else { return }
    let words = bits / 32, shift = UInt32(bits % 32)
    if shift != 0 {
      var carry: UInt32 = 0
      for i in limbs.indices {
        let limb = limbs[i]
        limbs[i] = (limb << shift) | carry
        carry = limb >> (32 - shift)
      }
      if carry != 0 { limbs.append(carry) }
    }
    if words > 0 { limbs.insert(contentsOf: repeatElement(0, count: words), at: 0) }
  }

  /// `self -= other`; requires `self >= other`.
  mutating func subtract(_ other: BigNatural) {
    var borrow: Int64 = 0
    for i in limbs.indices {
      var difference = Int64(limbs[i]) - borrow
      if i < other.limbs.count { difference -= Int64(other.limbs[i]) }
      borrow = difference < 0 ? 1 : 0
      limbs[i] = UInt32(truncatingIfNeeded: difference + (borrow << 32))
      if borrow == 0 && i >= other.limbs.count { break }
    }
  }

  static func compare(_ a: BigNatural, _ b: BigNatural) -> Int {
    var na = a.limbs.count, nb = b.limbs.count
    while na > 0 && a.limbs[na - 1] == 0 { na -= 1 }
    while nb > 0 && b.limbs[nb - 1] == 0 { nb -= 1 }
    if na != nb { return na < nb ? -1 : 1 }
    var i = na - 1
    while i >= 0 {
      if a.limbs[i] != b.limbs[i] { return a.limbs[i] < b.limbs[i] ? -1 : 1 }
      i -= 1
    }
    return 0
  }
}
