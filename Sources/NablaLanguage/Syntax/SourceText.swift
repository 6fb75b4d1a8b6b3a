/// The text of one entry, with where it came from, for turning offsets into lines and columns.
///
///     let source = SourceText("f(x) =\n  sinn(x)", fileName: "s.nabla", firstLine: 12)
///     source.location(of: 9)  // (line: 13, column: 3)
///
/// Lines are counted from `firstLine` (the entry's first line inside its file, 1-based);
/// columns are 1-based and count Characters, which is what a caret under the line needs.
/// Line breaks are `\n`, `\r\n` or `\r`.
public struct SourceText: Sendable {
  /// The entry's text.
  public let text: String
  /// The file the entry was read from, or nil for interactive input.
  public let fileName: String?
  /// The line of the file on which the entry starts (1-based).
  public let firstLine: Int
  /// UTF-8 offset at which each line starts; the first is 0.
  private let lineStarts: [Int]

  /// Creates a source for `text`, which starts on line `firstLine` of `fileName`.
  public init(_ text: String, fileName: String? = nil, firstLine: Int = 1) {
    self.text = text
    self.fileName = fileName
    self.firstLine = firstLine
    var starts = [0]
    var previousWasCarriageReturn = false
    var offset = 0
    for byte in text.utf8 {
      offset += 1
      if byte == UInt8(ascii: "\n") {
        if previousWasCarriageReturn {
          starts[starts.count - 1] = offset
        } else {
          starts.append(offset)
        }
      } else if byte == UInt8(ascii: "\r") {
        starts.append(offset)
      }
      previousWasCarriageReturn = byte == UInt8(ascii: "\r")
    }
    self.lineStarts = starts
  }

  /// The number of lines in the entry (at least 1).
  public var lineCount: Int { lineStarts.count }

  /// The 0-based index, within the entry, of the line holding `offset`.
  ///
  /// - Complexity: O(log n) in the number of lines.
  public func lineIndex(of offset: Int) -> Int {
    var low = 0
    var high = lineStarts.count - 1
    while low < high {
      let middle = (low + high + 1) / 2
      if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
    }
    return low
  }

  /// The UTF-8 offsets of the line at `index` (0-based within the entry), without its break.
  public func lineRange(at index: Int) -> SourceRange {
    let start = lineStarts[index]
    var end = index + 1 < lineStarts.count ? lineStarts[index + 1] : text.utf8.count
    let bytes = text.utf8
    while end > start {
      let last = bytes[bytes.index(bytes.startIndex, offsetBy: end - 1)]
      guard last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") else { break }
      end -= 1
    }
    return SourceRange(start: start, end: end)
  }

  /// The file line and the Character column (both 1-based) of a UTF-8 offset.
  public func location(of offset: Int) -> (line: Int, column: Int) {
    let offset = min(max(offset, 0), text.utf8.count)
    let index = lineIndex(of: offset)
    let prefix = SourceRange(start: lineStarts[index], end: offset)
    return (firstLine + index, self[prefix].count + 1)
  }

  /// The text in `range` (clamped to the text).
  public subscript(range: SourceRange) -> String {
    let bytes = text.utf8
    let start = min(max(range.start, 0), bytes.count)
    let end = min(max(range.end, start), bytes.count)
    let lower = bytes.index(bytes.startIndex, offsetBy: start)
    let upper = bytes.index(lower, offsetBy: end - start)
    return String(decoding: bytes[lower..<upper], as: UTF8.self)
  }
}
