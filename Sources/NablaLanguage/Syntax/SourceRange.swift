/// A half-open range `start ..< end` of UTF-8 byte offsets into one entry's text.
///
/// Offsets count UTF-8 code units from the start of the entry (not the file), so a range
/// slices the entry's `String.utf8` view directly; `SourceText` turns an offset into a
/// line and a column counted in Characters for display. Trees built by code rather than
/// parsed from text (symbolic derivatives, simplifications) use `SourceRange.unknown`.
public struct SourceRange: Hashable, Sendable, CustomStringConvertible {
  /// The offset of the first UTF-8 code unit in the range.
  public var start: Int
  /// The offset one past the last UTF-8 code unit in the range.
  public var end: Int

  /// Creates the range `start ..< end`.
  public init(start: Int, end: Int) {
    precondition(start <= end, "SourceRange start \(start) is after its end \(end)")
    self.start = start
    self.end = end
  }

  /// Creates the range from the start of `first` to the end of `last`.
  public init(from first: SourceRange, to last: SourceRange) {
    if !first.isKnown {
      self = last
    } else if !last.isKnown {
      self = first
    } else {
      self.init(start: min(first.start, last.start), end: max(first.end, last.end))
    }
  }

  /// The range of a node that did not come from source text.
  public static let unknown = SourceRange(start: -1, end: -1)

  /// Whether the range points into source text (it is not `unknown`).
  public var isKnown: Bool { start >= 0 }

  /// The number of UTF-8 code units in the range.
  public var count: Int { end - start }

  /// Whether the range holds no code units.
  public var isEmpty: Bool { start == end }

  public var description: String { isKnown ? "\(start)..<\(end)" : "unknown" }
}

/// A value parsed from source together with the range of text it came from.
///
/// Equality and hashing look at the value only, like all syntax in Nabla: two parses of
/// the same input written with different spacing are equal.
public struct Located<Value>: CustomStringConvertible {
  /// The parsed value.
  public var value: Value
  /// Where the value was written.
  public var range: SourceRange

  /// Creates a located value; `range` defaults to `unknown` for values built by code.
  public init(_ value: Value, range: SourceRange = .unknown) {
    self.value = value
    self.range = range
  }

  public var description: String { "\(value)" }
}

extension Located: Sendable where Value: Sendable {}

extension Located: Equatable where Value: Equatable {
  public static func == (lhs: Located, rhs: Located) -> Bool { lhs.value == rhs.value }
}

extension Located: Hashable where Value: Hashable {
  public func hash(into hasher: inout Hasher) { hasher.combine(value) }
}
