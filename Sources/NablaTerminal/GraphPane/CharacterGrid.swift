/// A rectangle of characters with a style per cell: what the graph pane draws into before
/// anything touches the terminal, so drawing is pure and tests compare text.
///
///     var grid = CharacterGrid(width: 10, height: 3)
///     grid.put("tanh", x: 1, y: 0)
///     grid.drawPath([(2, 1), (2, 2), (6, 2)])     // │ then ╰───
///     grid.lines()                                 // ["  tanh", "  │", "  ╰───"]
///
/// Lines are kept as direction masks and turned into box-drawing characters when read, so
/// edges that meet or cross join up (`┬`, `├`, `┼`) whatever order they were drawn in.
struct CharacterGrid {
  let width: Int
  let height: Int
  private var characters: [Character]
  private var masks: [UInt8]
  private(set) var styles: [CellStyle]
  /// Whether the grid shows ASCII only (a locale that is not UTF-8): lines as `+ - |`, text
  /// through `ASCIIText`.
  var ascii = false

  /// Directions a line leaves a cell in.
  struct Directions: OptionSet {
    let rawValue: UInt8
    static let up = Directions(rawValue: 1)
    static let down = Directions(rawValue: 2)
    static let left = Directions(rawValue: 4)
    static let right = Directions(rawValue: 8)
  }

  init(width: Int, height: Int, ascii: Bool = false) {
    self.ascii = ascii
    self.width = max(0, width)
    self.height = max(0, height)
    characters = Array(repeating: " ", count: self.width * self.height)
    masks = Array(repeating: 0, count: self.width * self.height)
    styles = Array(repeating: .plain, count: self.width * self.height)
  }

  func contains(x: Int, y: Int) -> Bool { x >= 0 && y >= 0 && x < width && y < height }

  /// The character shown at a cell.
  func character(x: Int, y: Int) -> Character {
    guard contains(x: x, y: y) else { return " " }
    let i = y * width + x
    if ascii {
      return masks[i] == 0 ? ASCIIText.character(characters[i]) : CharacterGrid.asciiGlyph(masks[i])
    }
    return masks[i] == 0 ? characters[i] : CharacterGrid.glyph(masks[i])
  }

  func style(x: Int, y: Int) -> CellStyle {
    contains(x: x, y: y) ? styles[y * width + x] : .plain
  }

  /// Sets one cell's character (clearing any line there).
  mutating func set(_ character: Character, x: Int, y: Int, style: CellStyle? = nil) {
    guard contains(x: x, y: y) else { return }
    let i = y * width + x
    characters[i] = character
    masks[i] = 0
    if let style { styles[i] = style }
  }

  /// Restyles a cell without changing what it shows.
  mutating func setStyle(_ style: CellStyle, x: Int, y: Int) {
    guard contains(x: x, y: y) else { return }
    styles[y * width + x] = style
  }

  /// Writes `text` from `(x, y)` rightwards, one cell per character, clipped to the grid and
  /// to `maxWidth` cells (the last one then shows `…`). Returns the cells written.
  @discardableResult
  mutating func put(_ text: String, x: Int, y: Int, style: CellStyle? = nil, maxWidth: Int = .max) -> Int {
    guard y >= 0 && y < height && maxWidth > 0 else { return 0 }
    let shown =
      ascii
      ? CharacterGrid.truncated(ASCIIText.transliterate(text), to: maxWidth, marker: "~")
      : CharacterGrid.truncated(text, to: maxWidth)
    var column = x
    for c in shown {
      if column >= width { break }
      if column >= 0 { set(c, x: column, y: y, style: style) }
      column += 1
    }
    return column - x
  }

  /// Fills a rectangle with spaces in `style`.
  mutating func clear(x: Int, y: Int, width w: Int, height h: Int, style: CellStyle = .plain) {
    for row in max(0, y)..<min(height, y + h) {
      for column in max(0, x)..<min(width, x + w) { set(" ", x: column, y: row, style: style) }
    }
  }

  /// Draws a line through `points` (each step horizontal or vertical). `openStart` and
  /// `openEnd` extend the ends upwards and downwards, to join a box border above or below.
  mutating func drawPath(
    _ points: [(Int, Int)], style: CellStyle? = nil, openStart: Bool = false, openEnd: Bool = false
  ) {
    guard let first = points.first else { return }
    if openStart { addLine(.up, x: first.0, y: first.1, style: style) }
    if openEnd, let last = points.last { addLine(.down, x: last.0, y: last.1, style: style) }
    if points.count == 1 { addLine([], x: first.0, y: first.1, style: style) }
    for (a, b) in zip(points, points.dropFirst()) {
      if a.0 == b.0 {
        let (y0, y1) = (min(a.1, b.1), max(a.1, b.1))
        for y in y0...y1 {
          var d: Directions = []
          if y > y0 { d.insert(.up) }
          if y < y1 { d.insert(.down) }
          addLine(d, x: a.0, y: y, style: style)
        }
      } else {
        let (x0, x1) = (min(a.0, b.0), max(a.0, b.0))
        for x in x0...x1 {
          var d: Directions = []
          if x > x0 { d.insert(.left) }
          if x < x1 { d.insert(.right) }
          addLine(d, x: x, y: a.1, style: style)
        }
      }
    }
  }

  /// Adds line directions to a cell.
  mutating func addLine(_ directions: Directions, x: Int, y: Int, style: CellStyle? = nil) {
    guard contains(x: x, y: y) else { return }
    let i = y * width + x
    masks[i] |= directions.rawValue
    if masks[i] == 0 { characters[i] = "│" }
    if let style { styles[i] = style }
  }

  /// The grid as text, one string per row, trailing spaces removed.
  func lines() -> [String] {
    (0..<height).map { y in
      var row = String((0..<width).map { character(x: $0, y: y) })
      while row.last == " " { row.removeLast() }
      return row
    }
  }

  /// Copies `other` onto this grid with its top-left corner at `(x, y)`, clipping.
  mutating func paste(_ other: CharacterGrid, x: Int, y: Int) {
    let rows = max(0, -y)..<min(other.height, height - y)
    let columns = max(0, -x)..<min(other.width, width - x)
    guard !rows.isEmpty && !columns.isEmpty else { return }
    for row in rows {
      for column in columns {
        let i = (y + row) * width + x + column
        let j = row * other.width + column
        characters[i] = other.characters[j]
        masks[i] = other.masks[j]
        styles[i] = other.styles[j]
      }
    }
  }

  /// `text` cut to `width` characters, ending with `…` when cut.
  static func truncated(_ text: String, to width: Int, marker: Character = "…") -> String {
    guard width > 0 else { return "" }
    guard text.count > width else { return text }
    return String(text.prefix(width - 1)) + String(marker)
  }

  /// The ASCII character for a direction mask: `+` where lines turn or meet.
  static func asciiGlyph(_ mask: UInt8) -> Character {
    let d = Directions(rawValue: mask)
    let vertical = d.contains(.up) || d.contains(.down)
    let horizontal = d.contains(.left) || d.contains(.right)
    return vertical && horizontal ? "+" : horizontal ? "-" : "|"
  }

  /// The box-drawing character for a direction mask (rounded corners).
  static func glyph(_ mask: UInt8) -> Character {
    let d = Directions(rawValue: mask)
    switch (d.contains(.up), d.contains(.down), d.contains(.left), d.contains(.right)) {
    case (true, true, true, true): return "┼"
    case (true, true, true, false): return "┤"
    case (true, true, false, true): return "├"
    case (true, false, true, true): return "┴"
    case (false, true, true, true): return "┬"
    case (false, true, false, true): return "╭"
    case (false, true, true, false): return "╮"
    case (true, false, false, true): return "╰"
    case (true, false, true, false): return "╯"
    case (false, false, _, _): return "─"
    default: return "│"
    }
  }
}

/// What a cell means, which the terminal turns into colours and attributes.
enum CellStyle: UInt8, Sendable {
  case plain
  /// Secondary text: the call a node is in, hints.
  case dim
  /// Gradient (or value) magnitude levels, smallest to largest.
  case level1, level2, level3, level4, level5
  /// NaN or Inf somewhere in the tensor.
  case nonFinite
  /// A zero gradient, or none.
  case zero
  /// The selected box.
  case selected
  /// What the current backward step touches.
  case highlight
  /// A label on an edge (a broadcast reduction).
  case edgeLabel
  /// The title bar and the status line.
  case bar
  /// A message that something is wrong (too small, not found).
  case warning
  /// Emphasised text.
  case bold

  /// The style of a magnitude level from `MagnitudeScale` (0 zero … 5, 6 non-finite).
  static func level(_ level: Int) -> CellStyle {
    switch level {
    case 0: .zero
    case 1: .level1
    case 2: .level2
    case 3: .level3
    case 4: .level4
    case 5: .level5
    default: .nonFinite
    }
  }
}
