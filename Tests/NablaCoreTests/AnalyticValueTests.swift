import Testing

@testable import NablaCore

@Suite struct AnalyticValueTests {
  /// The write-up's h2 at x = linspace(0, 1, 1000): the reference values of the peer benchmark.
  @Test func writeupH2() throws {
    let a = try Tensor.arange(stop: 1000).combined(.add, with: Tensor(1))
    let x = try Tensor.linspace(0, 1, count: 1000)
    let (value, grads) = try valueWithGradient(at: [x]) { v in
      let inner = try (v[0] * Variable.log(Variable(a)) - 2) / 3
      return try Variable.sum(Variable.pow(Variable.exp(inner), 2))
    }
    #expect(Swift.abs(value.scalar! - 5130.50846434978) / 5130.5 < 1e-12)
    #expect(Swift.abs(grads[0].sumOfElements() - 22724.775705428) / 22724.8 < 1e-12)
    #expect(Swift.abs(grads[0].scalars[999] - 121.390968156233) / 121.4 < 1e-12)
  }

  @Test func chainOfAMillionNodes() throws {
    let x = Variable.leaf(Tensor(0.5))
    var y = x
    for _ in 0..<1_000_000 { y = try y * 1.0000001 }
    let grads = try backward(from: y)
    #expect(Swift.abs(grads[x].value.scalar! - Foundation.pow(1.0000001, 1e6)) < 1e-6)
  }
}
import Foundation
