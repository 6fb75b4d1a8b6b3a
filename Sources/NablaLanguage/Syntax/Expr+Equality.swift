/// Structural equality: same shape, operators, names, labels and numbers (compared bit for
/// bit, so `nan` equals itself and `0` differs from `-0`); source ranges are ignored.
extension Expr: Hashable {
  /// Whether two trees have the same structure, ignoring source ranges.
  ///
  /// - Complexity: O(n) in the number of nodes, without recursion.
  public static func == (lhs: Expr, rhs: Expr) -> Bool {
    lhs.structurallyEquals(rhs)
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(structuralHash)
  }

  /// Whether `self` and `other` have the same structure, ignoring source ranges.
  ///
  /// - Complexity: O(n) in the number of nodes, without recursion.
  public func structurallyEquals(_ other: Expr) -> Bool {
    var pending: [(Expr, Expr)] = [(self, other)]
    while let (a, b) = pending.popLast() {
      if a === b { continue }
      guard a.structuralHash == b.structuralHash, a.height == b.height else { return false }
      switch (a.kind, b.kind) {
      case (.number(let x), .number(let y)):
        guard x.bitPattern == y.bitPattern else { return false }
      case (.name(let x), .name(let y)):
        guard x == y else { return false }
      case (.tensor(let xs), .tensor(let ys)):
        guard xs.count == ys.count else { return false }
        pending.append(contentsOf: zip(xs, ys))
      case (.unary(let opA, let x), .unary(let opB, let y)):
        guard opA == opB else { return false }
        pending.append((x, y))
      case (.binary(let opA, let xl, let xr), .binary(let opB, let yl, let yr)):
        guard opA == opB else { return false }
        pending.append((xl, yl))
        pending.append((xr, yr))
      case (.call(let nameA, _, let argsA), .call(let nameB, _, let argsB)):
        guard nameA == nameB, argsA.count == argsB.count else { return false }
        for (x, y) in zip(argsA, argsB) {
          guard x.label == y.label else { return false }
          pending.append((x.value, y.value))
        }
      case (.apply(let calleeA, let argsA), .apply(let calleeB, let argsB)):
        guard argsA.count == argsB.count else { return false }
        pending.append((calleeA, calleeB))
        for (x, y) in zip(argsA, argsB) {
          guard x.label == y.label else { return false }
          pending.append((x.value, y.value))
        }
      case (.index(let baseA, let itemsA), .index(let baseB, let itemsB)):
        guard itemsA.count == itemsB.count else { return false }
        pending.append((baseA, baseB))
        for (x, y) in zip(itemsA, itemsB) {
          switch (x, y) {
          case (.index(let p), .index(let q)):
            pending.append((p, q))
          case (.slice(let s1, let e1, let t1), .slice(let s2, let e2, let t2)):
            for (p, q) in [(s1, s2), (e1, e2), (t1, t2)] {
              switch (p, q) {
              case (nil, nil): break
              case (let p?, let q?): pending.append((p, q))
              default: return false
              }
            }
          case (.ellipsis, .ellipsis):
            break
          default:
            return false
          }
        }
      default:
        return false
      }
    }
    return true
  }
}
