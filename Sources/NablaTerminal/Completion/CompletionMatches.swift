/// Fits the completer's candidates to the word libedit replaces.
///
/// libedit splits words at its own break characters, so its word can be shorter than the
/// completer's (`ex` against `sessions/ex`) or longer. Both end at the cursor, so the
/// candidates are trimmed or extended by the difference.
enum CompletionMatches {
  /// The candidates rewritten to replace `libeditWord`; empty when the two words disagree.
  static func reconcile(_ completion: Completion, withWord libeditWord: String) -> [String] {
    let mine = completion.word
    if mine.unicodeScalars.count >= libeditWord.unicodeScalars.count {
      guard mine.hasSuffix(libeditWord) else { return [] }
      let extra = mine.unicodeScalars.count - libeditWord.unicodeScalars.count
      let typed = String(String.UnicodeScalarView(mine.unicodeScalars.prefix(extra)))
      return completion.candidates.compactMap { candidate in
        guard candidate.hasPrefix(typed) else { return nil }
        return String(String.UnicodeScalarView(candidate.unicodeScalars.dropFirst(extra)))
      }
    }
    guard libeditWord.hasSuffix(mine) else { return [] }
    let extra = String(
      String.UnicodeScalarView(libeditWord.unicodeScalars.dropLast(mine.unicodeScalars.count)))
    return completion.candidates.map { extra + $0 }
  }

  /// The longest common prefix, in whole characters (what libedit inserts on Tab).
  static func commonPrefix(_ strings: [String]) -> String {
    guard var prefix = strings.first.map({ Array($0.unicodeScalars) }) else { return "" }
    for s in strings.dropFirst() {
      let scalars = Array(s.unicodeScalars)
      var n = 0
      while n < prefix.count && n < scalars.count && prefix[n] == scalars[n] { n += 1 }
      prefix.removeLast(prefix.count - n)
    }
    return String(String.UnicodeScalarView(prefix))
  }
}
