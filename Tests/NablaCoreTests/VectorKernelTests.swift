import Foundation
import Testing

@testable import NablaCore

/// The vectorised and multithreaded paths of the kernels give what the scalar loops give:
/// tanh (Nabla's own AVX2 kernel where the CPU has it) within a few ulp of libm at every
/// size and on the special values, and reductions split across threads the same on every
/// call.
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
    xs += [0.625, -0.625, 0.625.nextDown, 0.625.nextUp, 19.1, -19.1, 1e-300, -1e-300, .leastNonzeroMagnitude]
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

  /// A large sum over the leading axis is cut into a fixed number of row blocks summed
  /// concurrently: the sums are those of one thread up to rounding, and the same on every
  /// call whatever the number of threads.
  @Test func columnSumsMatchASequentialSum() throws {
    let rows = 700
    let columns = 300
    let values = (0..<(rows * columns)).map { Foundation.sin(Double($0) * 0.37) * 1e3 }
    let t = try Tensor(shape: [rows, columns], scalars: values)
    let sums = try t.reduce(.sum, axes: [0]).scalars
    #expect(try t.reduce(.sum, axes: [0]).scalars == sums)
    var blocked = [Double](repeating: 0, count: columns)
    let blocks = Tensor.reductionBlocks
    for k in 0..<blocks {
      var partial = [Double](repeating: 0, count: columns)
      for i in (rows * k / blocks)..<(rows * (k + 1) / blocks) {
        for j in 0..<columns { partial[j] += values[i * columns + j] }
      }
      for j in 0..<columns { blocked[j] += partial[j] }
    }
    #expect(sums == blocked)
    // The gradient of a broadcast add sums the same way.
    let b = Variable.leaf(Tensor(uncheckedShape: [columns], repeating: 0))
    let g = try backward(from: Variable.sum(Variable(t) * (Variable(t) + b)))[b].value.scalars
    #expect(g == sums)
    // Summed over the other axis, rows are split between threads instead; each row's sum is
    // one thread's.
    let rowSums = try t.reduce(.sum, axes: [1]).scalars
    for i in 0..<rows {
      var acc = 0.0
      for j in 0..<columns { acc += values[i * columns + j] }
      #expect(Swift.abs(rowSums[i] - acc) <= 1e-12 * 1e3 * Double(columns))
    }
  }

  /// The non-finite check the language runs on every result is split across threads for a
  /// large tensor; one bad element anywhere is found.
  @Test func aSingleNonFiniteElementIsFoundAnywhere() throws {
    let n = 300_001
    var xs = [Double](repeating: 1.5, count: n)
    #expect(try !Tensor(shape: [n], scalars: xs).containsNonFinite)
    for position in [0, 65_535, 150_000, n - 1] {
      for bad in [Double.nan, .infinity, -.infinity] {
        xs[position] = bad
        #expect(try Tensor(shape: [n], scalars: xs).containsNonFinite)
        xs[position] = 1.5
      }
    }
  }

  /// The same at every position of small tensors: in each of the four vectors of a step,
  /// and in the tail after the last whole step; huge finite numbers are not flagged.
  @Test func aNonFiniteElementIsFoundAtEveryPositionOfASmallTensor() throws {
    for n in 2...37 {
      var xs = (0..<n).map { $0 % 2 == 0 ? Double.greatestFiniteMagnitude : -1e-300 }
      #expect(try !Tensor(shape: [n], scalars: xs).containsNonFinite, "n = \(n)")
      for position in 0..<n {
        let kept = xs[position]
        for bad in [Double.nan, .infinity, -.infinity] {
          xs[position] = bad
          #expect(try Tensor(shape: [n], scalars: xs).containsNonFinite, "n = \(n) at \(position)")
        }
        xs[position] = kept
      }
    }
  }

  @Test func parallelMapRunsEveryItemOnceAndKeepsTheOrder() throws {
    // Items of uneven cost (some sleep), so that threads claim different numbers of them;
    // each item also runs a split kernel, as a `:check` trial on a large tensor would.
    let big = try Tensor(shape: [1 << 17], scalars: (0..<(1 << 17)).map { Double($0 % 7) })
    let results = Parallel.map(40) { i -> (Int, Double) in
      if i % 9 == 0 { usleep(2000) }
      return (i, big.sumOfElements())
    }
    #expect(results.map(\.0) == Array(0..<40))
    #expect(Set(results.map(\.1)).count == 1)
    #expect(Parallel.map(0) { $0 }.isEmpty)
    #expect(Parallel.map(1) { $0 * 3 } == [0])
  }
}
