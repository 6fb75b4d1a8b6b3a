import Foundation
import NablaSession
import Testing

@testable import NablaTerminal

/// Builds graphs the way a person would (entries in a session, then `:graph`) and compares
/// drawings with golden text files under `GraphGoldens/`. Set `NABLA_UPDATE_GOLDEN=1` to
/// write the files from the current output instead.
enum GraphFixtures {
  /// The snapshot `:graph call` makes after `setup` ran.
  static func snapshot(_ setup: [String], graph call: String) throws -> GraphSnapshot {
    let session = Session()
    for entry in setup {
      let result = session.run(entry)
      guard result.succeeded else {
        throw GoldenError(description: "\(entry): \(result.renderedDiagnostics())")
      }
    }
    let result = session.run(":graph " + call)
    guard case .showGraph(let snapshot)? = result.action else {
      throw GoldenError(description: ":graph \(call): \(result.renderedDiagnostics())")
    }
    return snapshot
  }

  static let calls = (["f(x) = x^2 * sin(x)", "g(x) = f(x) + f(2*x)"], "g(1.0)")

  /// 2048 calls of a six-node function, nested eleven deep: 12,289 nodes.
  static func largeSnapshot() throws -> GraphSnapshot {
    var setup = ["f0(x) = cos(x) + x^2 / 10"]
    for k in 1...11 { setup.append("f\(k)(x) = f\(k - 1)(f\(k - 1)(x))") }
    return try snapshot(setup, graph: "f11(0.5)")
  }

  static let sinTimesX = (["f(x) = sum(sin(x)*x + x)", "x = [1, 2, 3]"], "f(x)")
  static let withNaN = (["v = [0, 1, 2, 3]", "g(v) = sum(log(v)*v)"], "g(v)")
  static let chain = (["f(x) = exp(sin(x^2))"], "f(0.5)")
  static let fanOut = (["g(x) = x * sin(x) + cos(x)"], "g(1.5)")
  static let broadcast = (["A = [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]", "h(A, c) = sum((A * c)^2)"], "h(A, [[1], [2], [3]])")
  static let mlp = (
    [
      "x = randn(4, 3, seed: 0)", "W1 = randn(3, 5, seed: 1)", "b1 = zeros(5)", "W2 = randn(5, 1, seed: 2)",
      "mlp(W1, b1, W2) = mean(tanh(x @ W1 + b1) @ W2)",
    ],
    "mlp(W1, b1, W2)"
  )
}

struct GoldenError: Error, CustomStringConvertible {
  var description: String
}

enum Golden {
  static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("GraphGoldens")

  /// Compares `text` with `GraphGoldens/name`, or writes it when regenerating.
  static func check(_ text: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let url = directory.appendingPathComponent(name)
    if ProcessInfo.processInfo.environment["NABLA_UPDATE_GOLDEN"] == "1" {
      try text.write(to: url, atomically: true, encoding: .utf8)
      return
    }
    guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
      Issue.record("no golden \(name); run with NABLA_UPDATE_GOLDEN=1 to create it", sourceLocation: sourceLocation)
      return
    }
    if expected != text {
      Issue.record(
        "\(name) differs from its golden (NABLA_UPDATE_GOLDEN=1 regenerates):\n--- expected\n\(expected)\n--- actual\n\(text)",
        sourceLocation: sourceLocation)
    }
  }
}
