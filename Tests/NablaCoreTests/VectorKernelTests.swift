import Foundation
import Testing

@testable import NablaCore

/// The vectorised and multithreaded paths of the kernels give what the scalar loops give:
/// tanh (Nabla's own AVX2 kernel where the CPU has it) within a few ulp of libm at every
/// size and on the special values, and reductions split across threads by columns
/// bit-identical to one thread's sums.
@Suite struct VectorKernelTests {
  /// Distance in units in the last place of `expected`.
  private func ulps(_ got: Double, _ expected: Double) -> Double {
    if got == expected { return 0 }
    return Swift.abs(got - expected) / expected.ulp
  }

  @Test func tanhOfALargeTensorIsWithinFourUlpOfLibm() throws {
    // Both ranges of the kernel (|x| < 0.625 and above), the switch point, tiny numbers
    // and the saturated tails, in a tensor large enough to be vectorised and split.
    var xs: [Double] = []
    for i in 0..<40_000 {
      let u = Double(i) / 40_000
      xs.append(-20 + 40 * u)
      xs.append(-0.7 + 1.4 * u)
      xs.append((u - 0.5) * 1e-6)
    }
    xs += [0.625, -0.625, 0.625.nextDown, 0.625.nextUp, 19.1, -19.1, 1e-300, -1e-300, 5e-324]
    let y = try Tensor(shape: [xs.count], scalars: xs).map(.tanh)
    var worst = 0.0
    for (x, t) in zip(xs, y.scalars) {
      worst = Swift.max(worst, ulps(t, Foundation.tanh(x)))
    }
    #expect(worst <= 4)
  }

  @Test func tanhKeepsSignsInfinitiesAndNaN() throws {
    let xs: [Double] = [0, -0.0, .infinity, -.infinity, .nan, 800, -800] + Array(repeating: 1, count: 25)
    let y = try Tensor(shape: [xs.count], scalars: xs).map(.tanh).scalars
    #expect(y[0] == 0 && y[0].sign == .plus)
    #expect(y[1] == 0 && y[1].sign == .minus)
    #expect(y[2] == 1 && y[3] == -1)
    #expect(y[4].isNaN)
    #expect(y[5] == 1 && y[6] == -1)
  }

  /// A sum over the leading axis is split by columns: every column is summed in the same
  /// order as on one thread, so the result is the same to the bit.
  @Test func columnSumsMatchASequentialSum() throws {
    let rows = 700
    let columns = 300
    let values = (0..<(rows * columns)).map { Foundation.sin(Double($0) * 0.37) * 1e3 }
    let t = try Tensor(shape: [rows, columns], scalars: values)
    let sums = try t.reduce(.sum, axes: [0]).scalars
    for j in 0..<columns {
      var acc = 0.0
      for i in 0..<rows { acc += values[i * columns + j] }
      #expect(sums[j] == acc)
    }
    // The gradient of a broadcast add sums the same way.
    let b = Variable.leaf(Tensor(uncheckedShape: [columns], repeating: 0))
    let g = try backward(from: Variable.sum(Variable(t) * (Variable(t) + b)))[b].value.scalars
    for j in 0..<columns {
      var acc = 0.0
      for i in 0..<rows { acc += values[i * columns + j] }
      #expect(g[j] == acc)
    }
  }
}
