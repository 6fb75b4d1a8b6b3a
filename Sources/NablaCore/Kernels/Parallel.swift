import Dispatch
import Foundation
import Synchronization

/// Large elementwise kernels run on every core: the index range is cut into one contiguous
/// chunk per thread. Small ones stay on the calling thread, where handing work to other
/// threads would cost more than it saves.
public enum Parallel {
  /// The threads a kernel may use: the machine's cores (at most 8), or `NABLA_THREADS` when
  /// the environment sets it (1 keeps every kernel on the calling thread).
  public static let threads: Int = {
    if let text = ProcessInfo.processInfo.environment["NABLA_THREADS"], let n = Int(text), n >= 1 {
      return Swift.min(n, 64)
    }
    return Swift.max(1, Swift.min(8, ProcessInfo.processInfo.activeProcessorCount))
  }()

  /// Elements per thread below which a cheap kernel (one add or multiply per element, bound
  /// by memory) is not split.
  static let cheapGrain = 1 << 16
  /// The same for a kernel that evaluates a transcendental function per element.
  static let costlyGrain = 1 << 12

  /// Calls `body` on disjoint chunks covering `0 ..< n`, concurrently when each of at least
  /// two chunks gets `grain` elements. `body` must only write its own chunk.
  @inline(__always)
  static func forEachChunk(_ n: Int, grain: Int, _ body: (Range<Int>) -> Void) {
    let chunks = Swift.min(threads, n / Swift.max(grain, 1))
    if chunks < 2 {
      body(0..<n)
      return
    }
    withoutActuallyEscaping(body) { body in
      let task = ChunkTask(n: n, chunks: chunks, body: body)
      DispatchQueue.concurrentPerform(iterations: chunks) { task.run($0) }
    }
  }

  /// `body` on `blocks` consecutive runs of `0 ..< n` (run k is `n·k/blocks ..< n·(k+1)/blocks`),
  /// concurrently, and its results in run order. The runs depend on `n` and `blocks` only,
  /// never on the number of threads, so results combined in order are the same on any
  /// machine.
  static func mapBlocks<T>(_ n: Int, blocks: Int, _ body: (Range<Int>) -> T) -> [T] {
    map(blocks) { k in body((n * k / blocks)..<(n * (k + 1) / blocks)) }
  }
}

extension Parallel {
  /// `body(i)` for every i in `0 ..< n`, on every core, and the results in index order.
  /// Each thread takes the next index when it finishes one, so a thread that shares its
  /// core with other work takes fewer: for items that cost much more than an atomic
  /// increment (a function evaluation, not an element).
  public static func map<T>(_ n: Int, _ body: (Int) -> T) -> [T] {
    let workers = Swift.min(threads, n)
    if workers < 2 { return (0..<n).map(body) }
    var results = [T?](repeating: nil, count: n)
    results.withUnsafeMutableBufferPointer { buffer in
      let out = buffer
      withoutActuallyEscaping(body) { body in
        let task = ClaimTask(n: n, body: { i in out[i] = body(i) })
        DispatchQueue.concurrentPerform(iterations: workers) { _ in task.run() }
      }
    }
    return results.map { $0! }
  }
}

/// Work shared out one index at a time. `@unchecked Sendable` because each index is
/// claimed by exactly one thread (an atomic counter), which writes only its own result.
private struct ClaimTask: @unchecked Sendable {
  final class Counter: Sendable {
    let next = Atomic<Int>(0)
  }
  let n: Int
  let body: (Int) -> Void
  let counter = Counter()

  func run() {
    while true {
      let i = counter.next.wrappingAdd(1, ordering: .relaxed).oldValue
      if i >= n { return }
      body(i)
    }
  }
}

/// One split kernel: which chunk covers which range. `@unchecked Sendable` because each
/// chunk writes a disjoint part of the output, which is what makes the split safe.
private struct ChunkTask: @unchecked Sendable {
  let n: Int
  let chunks: Int
  let body: (Range<Int>) -> Void

  func run(_ k: Int) {
    body((n * k / chunks)..<(n * (k + 1) / chunks))
  }
}
