/// The candidates closest to `name`, closest first, for "did you mean" suggestions.
///
///     nearestNames(to: "sinn", among: ["sin", "cos", "sign"])  // ["sin", "sign"]
///
/// Closeness is the optimal-string-alignment (Damerau-Levenshtein) distance over Characters,
/// where a change of case alone costs nothing and swapping two neighbours costs one. A
/// candidate is kept when its distance is at most 1 for names of 2 to 4 characters, 2 for 5
/// to 8, and 3 beyond (one-character names only match a change of case); ties prefer the
/// longest common prefix, then the closest length, then the candidates' order. `name` itself is never suggested.
///
/// - Complexity: O(m·n) per candidate of length n, for a name of length m.
public func nearestNames(to name: String, among candidates: [String], limit: Int = 3) -> [String] {
  let target = Array(name.lowercased())
  let allowed: Int =
    switch target.count {
    case ...1: 0
    case 2...4: 1
    case 5...8: 2
    default: 3
    }
  var scored: [(distance: Int, prefix: Int, lengthDifference: Int, order: Int, name: String)] = []
  var seen: Set<String> = [name]
  for (order, candidate) in candidates.enumerated() where !seen.contains(candidate) {
    seen.insert(candidate)
    let other = Array(candidate.lowercased())
    guard abs(other.count - target.count) <= allowed else { continue }
    let distance = editDistance(target, other)
    if distance <= allowed {
      let prefix = zip(target, other).prefix { $0 == $1 }.count
      scored.append((distance, -prefix, abs(other.count - target.count), order, candidate))
    }
  }
  scored.sort {
    ($0.distance, $0.prefix, $0.lengthDifference, $0.order)
      < ($1.distance, $1.prefix, $1.lengthDifference, $1.order)
  }
  return scored.prefix(max(limit, 0)).map(\.name)
}

/// Optimal string alignment distance: insertions, deletions, substitutions and swaps of
/// adjacent characters each cost one.
private func editDistance(_ a: [Character], _ b: [Character]) -> Int {
  if a.isEmpty { return b.count }
  if b.isEmpty { return a.count }
  let width = b.count + 1
  var beforePrevious = [Int](repeating: 0, count: width)
  var previous = Array(0...b.count)
  var current = [Int](repeating: 0, count: width)
  for i in 1...a.count {
    current[0] = i
    for j in 1...b.count {
      let cost = a[i - 1] == b[j - 1] ? 0 : 1
      var best = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
      if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
        best = min(best, beforePrevious[j - 2] + 1)
      }
      current[j] = best
    }
    (beforePrevious, previous, current) = (previous, current, beforePrevious)
  }
  return previous[b.count]
}
