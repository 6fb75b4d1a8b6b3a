import Foundation
import NablaCore

/// The deterministic inputs and reference values of the five workloads, exactly as in
/// `shared/bench/README.md` and `peers.py` (all float64, no RNG).
enum Inputs {
  /// `det(shape, phase, scale) = scale * sin(0.7*k + phase)`, k = 0..n-1 in row-major order.
  /// Evaluated in the same order as numpy: `scale * sin((0.7 * k) + phase)`.
  static func det(_ shape: [Int], _ phase: Double, _ scale: Double = 1) throws -> Tensor {
    let n = shapeCount(shape)
    let values = (0..<n).map { k in scale * Foundation.sin(0.7 * Double(k) + phase) }
    return try Tensor(shape: shape, scalars: values)
  }

  // W1 "h2"
  static let n1 = 1000
  /// a = arange(1000) + 1
  static func a1() throws -> Tensor {
    try Tensor(shape: [n1], scalars: (0..<n1).map { Double($0) + 1 })
  }
  /// x = linspace(0, 1, 1000)
  static func x1() throws -> Tensor { try Tensor.linspace(0, 1, count: n1) }

  // W2 "mlp": batch 64, 784 -> 128 (tanh) -> 10
  static let b2 = 64
  static let d2 = 784
  static let h2 = 128
  static let c2 = 10
  static func x2() throws -> Tensor { try det([b2, d2], 0, 1) }
  /// One-hot labels, label(b) = b mod 10.
  static func y2() throws -> Tensor {
    var y = [Double](repeating: 0, count: b2 * c2)
    for b in 0..<b2 { y[b * c2 + b % c2] = 1 }
    return try Tensor(shape: [b2, c2], scalars: y)
  }
  static func params2() throws -> [Tensor] {
    [
      try det([d2, h2], 1, 0.05), try det([h2], 2, 0.1), try det([h2, c2], 3, 0.1),
      try det([c2], 4, 0.1),
    ]
  }

  // W3 "chain": x <- x*1.0001 + sin(x)*1e-3, 2500 steps (4 ops each) from 0.5
  static let steps3 = 2500
  static let ops3 = 4 * steps3
  static let x3 = 0.5

  // W4 "check": 1000 Weyl points on [-10, 10), central differences with step 1e-6
  static let phi = 0.6180339887498949
  static let xs4: [Double] = (0..<1000).map { k in
    -10.0 + 20.0 * (Double(k + 1) * phi).truncatingRemainder(dividingBy: 1.0)
  }
  static let eps = 1e-6
  static let tol4 = 1e-5

  // W5 "broadcast"
  static func a5() throws -> Tensor { try det([512, 512], 5, 1) }
  static func b5() throws -> Tensor { try det([512], 6, 1) }
  static func c5() throws -> Tensor { try det([512, 1], 7, 1) }
}

/// The reference values from the bench README (computed by `hand` in peers.py).
enum Reference {
  static let w1: [(String, Double)] = [
    ("f", 5130.50846434978), ("sum(grad)", 22724.775705428), ("grad[999]", 121.390968156233),
  ]
  static let w2: [(String, Double)] = [
    ("loss", 2.43310163811955), ("sum|dW1|", 329.139684537067), ("sum|db1|", 2.65388573412973),
    ("sum|dW2|", 4.0395229650027), ("sum|db2|", 0.428670330515234),
  ]
  static let w3: [(String, Double)] = [
    ("x_final", 2.79433915110892), ("dx_final/dx0", 1.1716737270358),
  ]
  static let w4: [(String, Double)] = [("sum of the 1000 gradients", -247.821212181203)]
  /// Informational only: a rounding-error quantity, not reproducible to 1e-10.
  static let w4MaxDiff = 3.496e-09
  static let w5: [(String, Double)] = [
    ("z", 0.176711466697697), ("sum(dA)", 50.4049674025259), ("sum(db)", 50.4049674025247),
    ("sum(dc)", -61.6176300430764),
  ]
  /// The tolerance of every reference check (relative error).
  static let tolerance = 1e-10
}

/// Sums with Neumaier's compensation, so the check statistics add no rounding of their own.
func compensatedSum<S: Sequence>(_ xs: S) -> Double where S.Element == Double {
  var sum = 0.0
  var c = 0.0
  for x in xs {
    let t = sum + x
    if Swift.abs(sum) >= Swift.abs(x) { c += (sum - t) + x } else { c += (x - t) + sum }
    sum = t
  }
  return sum + c
}
