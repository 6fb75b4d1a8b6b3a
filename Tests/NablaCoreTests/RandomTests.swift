import Testing

@testable import NablaCore

/// The seeded generator: reproducible, and pinned to golden numbers so that a change of
/// generator is noticed. The goldens come from an independent Python implementation of
/// SplitMix64 seeding, xoshiro256** and Box–Muller.
@Suite struct RandomTests {
  @Test func theSameSeedGivesTheSameNumbers() throws {
    #expect(try Tensor.rand([3, 4], seed: 7) == Tensor.rand([3, 4], seed: 7))
    #expect(try Tensor.randn([5], seed: 7) == Tensor.randn([5], seed: 7))
    #expect(try Tensor.rand([3, 4], seed: 7) != Tensor.rand([3, 4], seed: 8))
    // The shape does not change the sequence, only how much of it is used.
    #expect(try Tensor.rand([2, 3], seed: 3).scalars == Tensor.rand([6], seed: 3).scalars)
    #expect(
      try Array(Tensor.rand([6], seed: 3).scalars.prefix(4)) == Tensor.rand([4], seed: 3).scalars)
  }

  @Test func randWithSeedZeroIsPinned() throws {
    #expect(
      try Tensor.rand([5], seed: 0)
        == Tensor([
          0.6012629994179048, 0.7477740925472398, 0.10301998939503632, 0.4165890778296456,
          0.7329967790569901,
        ]))
    #expect(
      try Tensor.rand([3], seed: 42)
        == Tensor([0.08386297105988216, 0.3789802506626686, 0.6800434110281394]))
  }

  @Test func randnWithSeedZeroIsPinned() throws {
    expectApproximatelyEqual(
      try Tensor.randn([4], seed: 0),
      Tensor([
        -0.01410679738124918, -1.8458950876958273, 0.7881791614487658, -1.2803856253014112,
      ]), relativeTolerance: 1e-15, absoluteTolerance: 1e-17)
  }

  @Test func rangeAndScaleAreApplied() throws {
    let u = try Tensor.rand([1000], low: -2, high: 3, seed: 1)
    #expect(u.scalars.allSatisfy { $0 >= -2 && $0 < 3 })
    #expect(
      try u
        == Tensor.rand([1000], seed: 1).combined(.multiply, with: Tensor(5)).combined(
          .add, with: Tensor(-2)))
    let n = try Tensor.randn([20_000], mean: 10, std: 2, seed: 2)
    let mean = n.sumOfElements() / 20_000
    let variance = n.scalars.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 20_000
    #expect(Swift.abs(mean - 10) < 0.05)
    #expect(Swift.abs(variance - 4) < 0.15)
  }

  @Test func unseededCallsDiffer() throws {
    #expect(try Tensor.rand([4]) != Tensor.rand([4]))
  }
}
