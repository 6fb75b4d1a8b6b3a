import CNablaKernels

/// How a tensor holds its elements, and the raw-buffer access every kernel goes through.
///
/// A one-element tensor keeps its number inline, so scalar arithmetic (a 10,000-op chain,
/// a gradient check at 1000 points) allocates nothing for values; every other tensor holds
/// a Swift array. Kernels never look at the case: they read through
/// `withUnsafeBufferPointer` and build results with `init(uncheckedShape:count:initializingWith:)`.

extension Tensor {
  /// The elements: one number inline, or an array (of any count, possibly one).
  enum Storage: Sendable {
    case one(Double)
    case many([Double])
  }

  /// A tensor that takes `storage` as it is; the caller guarantees the count.
  init(uncheckedShape shape: [Int], storage: Storage) {
    self.shape = shape
    self.storage = storage
  }

  /// A tensor of `shape` with every element `value`; the caller has checked the shape.
  init(uncheckedShape shape: [Int], repeating value: Double) {
    let n = shapeCount(shape)
    self.init(uncheckedShape: shape, storage: n == 1 ? .one(value) : .many(Array(repeating: value, count: n)))
  }

  /// A tensor of `shape` whose `count` elements `body` writes; the buffer starts
  /// uninitialised unless `zeroed`, and `body` must set every element.
  @inline(__always)
  init(
    uncheckedShape shape: [Int], count n: Int, zeroed: Bool = false,
    initializingWith body: (UnsafeMutableBufferPointer<Double>) -> Void
  ) {
    self.shape = shape
    if n == 1 {
      var x = 0.0
      withUnsafeMutablePointer(to: &x) { body(UnsafeMutableBufferPointer(start: $0, count: 1)) }
      storage = .one(x)
    } else if n >= largeBuffer {
      storage = Tensor.largeStorage(count: n, zeroed: zeroed, initializingWith: body)
    } else if zeroed {
      var a = [Double](repeating: 0, count: n)
      a.withUnsafeMutableBufferPointer { body($0) }
      storage = .many(a)
    } else {
      storage = .many(
        [Double](unsafeUninitializedCapacity: n) { buffer, initialized in
          body(buffer)
          initialized = n
        })
    }
  }

  /// The builder's path for large buffers (out of line: not the hot path).
  @inline(never)
  private static func largeStorage(
    count n: Int, zeroed: Bool, initializingWith body: (UnsafeMutableBufferPointer<Double>) -> Void
  ) -> Storage {
    // From the first large buffer on, glibc keeps freed large blocks for reuse, so
    // repeated megabyte temporaries cost no page faults.
    nabla_keep_large_blocks()
    return .many(
      [Double](unsafeUninitializedCapacity: n) { buffer, initialized in
        if zeroed { buffer.initialize(repeating: 0) }
        body(buffer)
        initialized = n
      })
  }

  /// Calls `body` with the elements in row-major order.
  @inline(__always)
  func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Double>) throws -> R) rethrows -> R {
    switch storage {
    case .one(var x):
      return try withUnsafePointer(to: &x) { try body(UnsafeBufferPointer(start: $0, count: 1)) }
    case .many(let a):
      return try a.withUnsafeBufferPointer(body)
    }
  }

  /// Calls `body` with the elements to change in place (copying a shared array first).
  @inline(__always)
  mutating func withUnsafeMutableBufferPointer<R>(
    _ body: (UnsafeMutableBufferPointer<Double>) throws -> R
  ) rethrows -> R {
    switch storage {
    case .one(var x):
      defer { storage = .one(x) }
      return try withUnsafeMutablePointer(to: &x) { try body(UnsafeMutableBufferPointer(start: $0, count: 1)) }
    case .many(var a):
      // Drop the stored reference first, so a uniquely held array is written in place.
      storage = .one(0)
      defer { storage = .many(a) }
      return try a.withUnsafeMutableBufferPointer { try body($0) }
    }
  }
}

/// Elements from which a buffer counts as large: 128 KB, glibc's default mmap threshold.
private let largeBuffer = 1 << 14
