import Foundation

/// A small, fast, seedable generator (xoshiro256**, seeded through SplitMix64), so the same
/// seed gives the same numbers on every run and platform.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
  private var s: (UInt64, UInt64, UInt64, UInt64)

  public init(seed: UInt64) {
    var z = seed
    func splitmix() -> UInt64 {
      z &+= 0x9E37_79B9_7F4A_7C15
      var x = z
      x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
      x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
      return x ^ (x >> 31)
    }
    s = (splitmix(), splitmix(), splitmix(), splitmix())
  }

  public mutating func next() -> UInt64 {
    let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
    let t = s.1 << 17
    s.2 ^= s.0
    s.3 ^= s.1
    s.1 ^= s.2
    s.0 ^= s.3
    s.2 ^= t
    s.3 = (s.3 << 45) | (s.3 >> 19)
    return result
  }

  /// A uniform Double in [0, 1) with 53 random bits.
  public mutating func nextUniform() -> Double {
    Double(next() >> 11) * 0x1.0p-53
  }

  /// A standard normal Double (Box–Muller).
  public mutating func nextNormal() -> Double {
    var u = nextUniform()
    while u == 0 { u = nextUniform() }
    let v = nextUniform()
    return (-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * Double.pi * v)
  }
}

extension Tensor {
  private static func checked(_ shape: [Int], _ op: String) throws(TensorError) -> [Int] {
    guard shape.allSatisfy({ $0 >= 0 }) else { throw .invalidShape(op: op, shape) }
    try TensorLimits.check(shape, op: op)
    return shape
  }

  /// A tensor of zeros.
  public static func zeros(_ shape: [Int]) throws(TensorError) -> Tensor {
    try Tensor(repeating: 0, shape: checked(shape, "zeros"))
  }

  /// A tensor of ones.
  public static func ones(_ shape: [Int]) throws(TensorError) -> Tensor {
    try Tensor(repeating: 1, shape: checked(shape, "ones"))
  }

  /// A tensor with every element `value`.
  public static func full(_ shape: [Int], _ value: Double) throws(TensorError) -> Tensor {
    try Tensor(repeating: value, shape: checked(shape, "full"))
  }

  /// `start, start+step, …` up to but excluding `stop` (numpy's `arange`).
  public static func arange(start: Double = 0, stop: Double, step: Double = 1) throws(TensorError) -> Tensor {
    guard step != 0, step.isFinite, start.isFinite, stop.isFinite else {
      throw .invalidArgument(op: "arange", "start, stop and step must be finite and step nonzero")
    }
    // Counted in Double first: converting a huge or infinite count to Int would trap.
    let count = Swift.max(0, Foundation.ceil((stop - start) / step))
    guard count <= Double(1 << 31) else {
      let shown = count < 1e18 ? String(Int(count)) : "\(count)"
      throw .invalidArgument(op: "arange", "\(shown) elements is too many")
    }
    let n = Int(count)
    try TensorLimits.check([n], op: "arange")
    return Tensor(uncheckedShape: [n], scalars: (0..<n).map { start + Double($0) * step })
  }

  /// `count` evenly spaced numbers from `start` to `stop` inclusive (numpy's `linspace`).
  public static func linspace(_ start: Double, _ stop: Double, count: Int = 50) throws(TensorError) -> Tensor {
    guard count >= 0 else { throw .invalidArgument(op: "linspace", "the number of points must be ≥ 0, got \(count)") }
    try TensorLimits.check([count], op: "linspace")
    if count == 1 { return Tensor([start]) }
    let step = (stop - start) / Double(count - 1)
    var values = (0..<count).map { start + Double($0) * step }
    if count > 1 { values[count - 1] = stop }
    return Tensor(values)
  }

  /// The n×m identity (ones on the diagonal shifted by `k`).
  public static func eye(_ n: Int, _ m: Int? = nil, k: Int = 0) throws(TensorError) -> Tensor {
    let cols = m ?? n
    guard n >= 0, cols >= 0 else { throw .invalidShape(op: "eye", [n, cols]) }
    try TensorLimits.check([n, cols], op: "eye")
    var values = [Double](repeating: 0, count: n * cols)
    for i in 0..<n where i + k >= 0 && i + k < cols { values[i * cols + i + k] = 1 }
    return Tensor(uncheckedShape: [n, cols], scalars: values)
  }

  /// Uniform numbers in [low, high); the same seed gives the same numbers.
  public static func rand(
    _ shape: [Int], low: Double = 0, high: Double = 1, seed: UInt64? = nil
  ) throws(TensorError) -> Tensor {
    var rng = SeededGenerator(seed: seed ?? UInt64.random(in: .min ... .max))
    let n = shapeCount(try checked(shape, "rand"))
    return Tensor(uncheckedShape: shape, scalars: (0..<n).map { _ in low + (high - low) * rng.nextUniform() })
  }

  /// Standard normal numbers (times `std`, plus `mean`); the same seed gives the same numbers.
  public static func randn(
    _ shape: [Int], mean: Double = 0, std: Double = 1, seed: UInt64? = nil
  ) throws(TensorError) -> Tensor {
    var rng = SeededGenerator(seed: seed ?? UInt64.random(in: .min ... .max))
    let n = shapeCount(try checked(shape, "randn"))
    return Tensor(uncheckedShape: shape, scalars: (0..<n).map { _ in mean + std * rng.nextNormal() })
  }
}
