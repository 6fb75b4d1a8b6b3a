import Testing

@testable import NablaCore

/// The `Tensor` value type: construction, exact and approximate equality.
@Suite struct TensorTests {
  @Test func constructionAndProperties() throws {
    let t = try Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
    #expect(t.rank == 2 && t.count == 6 && !t.isScalar && t.scalar == nil)
    let s = Tensor(2.5)
    #expect(s.shape == [] && s.rank == 0 && s.isScalar && s.scalar == 2.5)
    #expect(try Tensor(shape: [1, 1], scalars: [4]).scalar == 4)
    #expect(Tensor([1, 2]).shape == [2])
    #expect(try Tensor(shape: [0, 4], scalars: []).count == 0)
    #expect(try Tensor(repeating: 3, shape: [2]) == Tensor([3, 3]))
    #expect(try t.reshaped(to: [3, -1]).shape == [3, 2])
  }

  @Test func equalityIsExact() {
    #expect(Tensor([1, 2]) == Tensor([1, 2]))
    #expect(Tensor([1, 2]) != Tensor([1, 2 + 1e-15]))
    #expect(Tensor([.nan]) != Tensor([.nan]))
    #expect(Tensor([1]) != Tensor(1))  // shapes (1,) and () differ
  }

  @Test func approximateEquality() {
    let a = Tensor([1, 100, 0])
    #expect(a.isApproximatelyEqual(to: Tensor([1 + 1e-10, 100 + 1e-8, 1e-13])))
    #expect(!a.isApproximatelyEqual(to: Tensor([1 + 1e-8, 100, 0])))
    #expect(
      a.isApproximatelyEqual(
        to: Tensor([1.001, 100.1, 0.01]), relativeTolerance: 1e-3, absoluteTolerance: 0.01))
    #expect(!a.isApproximatelyEqual(to: Tensor([1, 100])))
    #expect(Tensor([.nan, 1]).isApproximatelyEqual(to: Tensor([.nan, 1])))
    #expect(!Tensor([.nan]).isApproximatelyEqual(to: Tensor([1])))
    #expect(
      Tensor([.infinity, -.infinity]).isApproximatelyEqual(to: Tensor([.infinity, -.infinity])))
    // An infinity is close to nothing else, however loose the relative tolerance.
    #expect(!Tensor([.infinity]).isApproximatelyEqual(to: Tensor([1])))
    #expect(!Tensor([1]).isApproximatelyEqual(to: Tensor([-.infinity]), relativeTolerance: 0.5))
    #expect(!Tensor([.infinity]).isApproximatelyEqual(to: Tensor([-.infinity])))
  }
}
