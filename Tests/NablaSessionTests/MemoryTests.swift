import Foundation
import NablaCore
import NablaLanguage
import Testing

@testable import NablaSession

#if canImport(Glibc)
  import Glibc
#endif

/// Memory: a graph of a million nodes and its gradient fit well under 1 GiB, and a long
/// session of `:grad` entries does not grow. Measured as the process's resident set, which
/// other tests running in parallel also move, so the bounds are generous; the numbers are
/// printed for the record.
@Suite(.serialized) struct MemoryTests {
  /// The resident set of this process, in bytes (from /proc/self/statm).
  static func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
  }

  static func megabytes(_ bytes: Int) -> String { "\(bytes / 1_048_576) MB" }

  @Test func millionNodeGraphAndGradientFitWellUnderAGigabyte() throws {
    let steps = 500_000
    let before = Self.residentBytes()
    let x = Variable.leaf(Tensor(0.5), label: "x")
    var y = x
    // Two nodes per step: a million nodes in all.
    for _ in 0..<steps { y = try y * Variable(Tensor(0.999_999)) + Variable(Tensor(1e-6)) }
    let built = Self.residentBytes()
    let gradients = try backward(from: y)
    let after = Self.residentBytes()
    #expect(gradients.order.count == 2 * steps + 1)
    let g = gradients[x].value.scalar!
    #expect(abs(g - pow(0.999_999, Double(steps))) < 1e-9)
    print(
      "memory: \(2 * steps + 1)-node graph \(Self.megabytes(built - before)), with its gradient \(Self.megabytes(after - before)) (resident \(Self.megabytes(after)))"
    )
    // Measured: 153 MB for the graph and 192 MB with its gradient at a million nodes.
    let bound = 700 * 1_048_576
    #expect(after - before < bound, "graph and gradient took \(Self.megabytes(after - before))")
  }

  @Test func tenThousandGradEntriesDoNotGrowMemory() throws {
    let count = 10_000
    let s = try session("f(x, W) = sum(tanh(x @ W)^2)", "W = randn(4, 4, seed: 0)", "x = randn(4, seed: 1)")
    // Warm up: caches, the allocator's pools, the first growth of the history.
    for _ in 0..<200 { s.run(":grad f(x, W)") }
    // Five rounds: a leak grows the counts in every round, while the tests running beside
    // this one (in this process) move them in some rounds only; the least growth counts.
    var growths: [Int] = []
    var nodeGrowths: [Int] = []
    for round in 0..<5 {
      let before = Self.residentBytes()
      let nodesBefore = Self.liveNodes()
      for i in 0..<(count / 5) {
        let r = s.run(":grad f(x, W)")
        if round == 0 && i == 0 { try #require(r.succeeded, "\(r.text())") }
      }
      growths.append(Self.residentBytes() - before)
      nodeGrowths.append(Self.liveNodes() - nodesBefore)
    }
    print(
      "memory: \(count) :grad entries in 5 rounds grew the resident set by \(growths.map(Self.megabytes)) and the live graph nodes by \(nodeGrowths) (resident \(Self.megabytes(Self.residentBytes())))"
    )
    #expect(s.history.count == count + 203)
    // Each entry's graph (a dozen nodes) is freed when the entry ends: a leak would add
    // thousands of nodes a round. (Debug builds count nodes; release builds report 0.)
    #expect(nodeGrowths.min()! < count / 50, "live nodes grew by \(nodeGrowths) in the five rounds")
    // The history keeps each entry's text and output (about 200 bytes here). The resident
    // set is shared with the tests running beside this one, so its bound is loose.
    let least = growths.min()!
    #expect(least < 32 * 1_048_576, "the least growth of a round was \(Self.megabytes(least))")
  }

  /// Graph nodes alive in this process (counted in debug builds only).
  static func liveNodes() -> Int {
    #if DEBUG
      Node.liveCount
    #else
      0
    #endif
  }
}
