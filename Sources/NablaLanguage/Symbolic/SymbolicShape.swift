import NablaCore

/// What is known of a term's shape before any argument has a value: the broadcast of some
/// unknown shapes (parameters, and results of ops whose shape depends on them) with a
/// concrete part (from literals and session tensors).
///
///     x            atoms [x],        known ()
///     x^2 * a      atoms [x],        known (1000,)   for a session tensor a of shape (1000,)
///     sum(x)       atoms [],         known ()
///     W @ b        atoms [#12],      known ()        the term itself stands for its shape
///
/// Two terms surely have the same shape when their atoms and concrete parts agree; that is
/// what lets a derivative leave out a `sum_to` that would do nothing.
struct SymbolicShape: Hashable, Sendable {
  /// `p:NAME` for a parameter, `t:ID` for a term; sorted, without duplicates.
  var atoms: [String]
  /// The concrete part, broadcast with the atoms.
  var known: [Int]
  /// The number of axes, when every atom's rank is known.
  var rank: Int?

  /// A 0-d shape.
  static let scalar = SymbolicShape(atoms: [], known: [], rank: 0)

  /// A fully known shape.
  static func concrete(_ shape: [Int]) -> SymbolicShape {
    SymbolicShape(atoms: [], known: shape, rank: shape.count)
  }

  /// Whether no unknown shape takes part.
  var isConcrete: Bool { atoms.isEmpty }

  /// Whether the shape is known to hold exactly one element.
  var isOneElement: Bool { atoms.isEmpty && known.allSatisfy { $0 == 1 } }

  /// The concrete shape, when there are no atoms.
  var concreteShape: [Int]? { atoms.isEmpty ? known : nil }

  /// Whether the two shapes are surely the same.
  func isSame(as other: SymbolicShape) -> Bool {
    atoms == other.atoms && known == other.known
  }

  /// Whether this shape surely contains `other`: broadcasting `other` against it gives it.
  func covers(_ other: SymbolicShape) -> Bool {
    if other.isOneElement && other.known.count <= (rank ?? -1) { return true }
    if other.known.isEmpty && other.atoms.isEmpty { return true }
    guard Set(atoms).isSuperset(of: other.atoms) else { return false }
    guard let b = try? broadcastShapes(known, other.known, op: "shape") else { return false }
    return b == known
  }

  /// The shape of the elementwise combination of two shapes, or nil when the concrete parts
  /// cannot broadcast.
  func broadcast(with other: SymbolicShape) -> SymbolicShape? {
    guard let known = try? broadcastShapes(self.known, other.known, op: "shape") else { return nil }
    let atoms = Array(Set(self.atoms).union(other.atoms)).sorted()
    var rank: Int? = nil
    if let a = self.rank, let b = other.rank { rank = Swift.max(a, b, known.count) }
    return SymbolicShape(atoms: atoms, known: known, rank: rank)
  }
}
