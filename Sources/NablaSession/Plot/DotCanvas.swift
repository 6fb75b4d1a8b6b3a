/// A grid of character cells, each holding a few dots: 2×4 in a Unicode braille character
/// (U+2800–U+28FF), 1×3 in ASCII (`'` `-` `.`, and `|` or `:` for several). Lines are drawn
/// dot by dot; each cell remembers the last series that drew in it, for its colour.
///
///     var canvas = DotCanvas(columns: 40, rows: 10, unicode: true)
///     canvas.line(from: (0, 39), to: (79, 0), owner: 0)   // a diagonal, bottom-left to top-right
///     canvas.character(column: 0, row: 9)                 // "⣀"-like
struct DotCanvas {
  let columns: Int
  let rows: Int
  let unicode: Bool
  /// Dots across one cell, and down.
  let cellWidth: Int
  let cellHeight: Int
  /// The dots set in each cell, one bit per dot.
  private var bits: [UInt8]
  /// The series that drew last in each cell (`DotCanvas.none` for none).
  private(set) var owners: [Int]

  static let none = -1

  init(columns: Int, rows: Int, unicode: Bool) {
    self.columns = columns
    self.rows = rows
    self.unicode = unicode
    cellWidth = unicode ? 2 : 1
    cellHeight = unicode ? 4 : 3
    bits = Array(repeating: 0, count: columns * rows)
    owners = Array(repeating: DotCanvas.none, count: columns * rows)
  }

  /// Dots across the canvas.
  var width: Int { columns * cellWidth }
  /// Dots down the canvas.
  var height: Int { rows * cellHeight }

  /// Sets the dot at (x, y), counted from the top left; dots outside are ignored. An owner
  /// below zero (a grid line) does not take a cell from a series.
  mutating func set(_ x: Int, _ y: Int, owner: Int) {
    guard x >= 0, x < width, y >= 0, y < height else { return }
    let cell = (y / cellHeight) * columns + x / cellWidth
    bits[cell] |= DotCanvas.bit(x % cellWidth, y % cellHeight, unicode: unicode)
    if owner >= 0 || owners[cell] < 0 { owners[cell] = owner }
  }

  /// Sets the dots of the straight line between two points in dot coordinates (Bresenham).
  /// - Complexity: O(length in dots); each end is clipped to a little outside the canvas
  ///   first, so a huge value costs no more than a steep line.
  mutating func line(from a: (Double, Double), to b: (Double, Double), owner: Int) {
    let margin = Double(max(width, height))
    func clamp(_ v: Double, _ limit: Int) -> Int {
      Int(min(max(v, -margin), Double(limit) + margin).rounded())
    }
    var x0 = clamp(a.0, width)
    var y0 = clamp(a.1, height)
    let x1 = clamp(b.0, width)
    let y1 = clamp(b.1, height)
    let dx = abs(x1 - x0)
    let dy = -abs(y1 - y0)
    let sx = x0 < x1 ? 1 : -1
    let sy = y0 < y1 ? 1 : -1
    var error = dx + dy
    while true {
      set(x0, y0, owner: owner)
      if x0 == x1 && y0 == y1 { return }
      let e2 = 2 * error
      if e2 >= dy {
        error += dy
        x0 += sx
      }
      if e2 <= dx {
        error += dx
        y0 += sy
      }
    }
  }

  /// The character of a cell (a space when empty).
  func character(column: Int, row: Int) -> Character {
    let b = bits[row * columns + column]
    if unicode {
      return b == 0 ? " " : Character(Unicode.Scalar(0x2800 + UInt32(b))!)
    }
    // A cell a line crosses shows where most of its dots are.
    switch b {
    case 0: return " "
    case 1, 3: return "'"
    case 2: return "-"
    case 4, 6: return "."
    case 5: return ":"
    default: return "|"
    }
  }

  /// The owner of a cell.
  func owner(column: Int, row: Int) -> Int { owners[row * columns + column] }

  /// The bit of dot (x, y) in a cell: braille numbers its dots 1-2-3-7 down the left column
  /// and 4-5-6-8 down the right.
  private static func bit(_ x: Int, _ y: Int, unicode: Bool) -> UInt8 {
    guard unicode else { return UInt8(1 << y) }
    let left: [UInt8] = [0x01, 0x02, 0x04, 0x40]
    let right: [UInt8] = [0x08, 0x10, 0x20, 0x80]
    return x == 0 ? left[y] : right[y]
  }
}
