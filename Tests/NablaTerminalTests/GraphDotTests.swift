import Foundation
import NablaCore
import NablaSession
import Testing

@testable import NablaTerminal

/// `:dot` and the short forms of numbers and shapes it shares with the pane.
@Suite struct GraphDotTests {
  func temporaryDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-dot-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  @Test func dotWritesTheGraph() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let session = Session()
    for entry in GraphFixtures.mlp.0 { session.run(entry) }
    let result = session.run(":dot mlp(W1, b1, W2) > \(directory)/mlp.dot")
    #expect(result.succeeded, "\(result.renderedDiagnostics())")
    #expect(result.output == ["wrote graph of mlp(W1, b1, W2) (9 nodes) to \(directory)/mlp.dot"])
    let text = try String(contentsOfFile: directory + "/mlp.dot", encoding: .utf8)
    #expect(text.hasPrefix("// mlp(W1, b1, W2): 9 nodes"))
    #expect(text.contains("digraph nabla {"))
    #expect(text.contains("label=\"(5,) ← Σ axis 0 ← (4,5)\""))
    // Writing again replaces the file.
    #expect(session.run(":dot mlp(W1, b1, W2) > \(directory)/mlp.dot").succeeded)
  }

  @Test func dotRendersSVGWhenGraphvizIsInstalled() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let hasDot = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
      FileManager.default.isExecutableFile(atPath: "\($0)/dot")
    }
    let session = Session()
    session.run("f(x) = x^2 * sin(x)")
    let result = session.run(":dot f(2.0) > \(directory)/f.svg")
    if hasDot {
      #expect(result.output == ["rendered graph of f(2.0) (5 nodes) to \(directory)/f.svg"])
      let svg = try String(contentsOfFile: directory + "/f.svg", encoding: .utf8)
      #expect(svg.contains("<svg"))
      #expect(svg.contains("x^2*sin(x)"))
    } else {
      #expect(result.error?.help?.contains("apt-get install graphviz") == true)
    }
  }

  /// Without `dot` on the PATH the message says how to get it (the real binary, so PATH
  /// can differ from the tests').
  @Test func aMissingGraphvizSaysHowToGetIt() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try TerminalDriver.nablaBinary())
    process.arguments = ["-e", "f(x) = x^2", "-e", ":dot f(1.0) > \(directory)/f.png"]
    process.environment = ["PATH": "/nonexistent", "LANG": "C.UTF-8"]
    // Files, not pipes: a tmux server started meanwhile by another test could inherit a
    // pipe's write end and keep it open, so reading to its end would never finish.
    let errorPath = directory + "/stderr"
    _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
    process.standardError = FileHandle(forWritingAtPath: errorPath)
    process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
    try process.run()
    process.waitUntilExit()
    let text = try String(contentsOfFile: errorPath, encoding: .utf8)
    #expect(process.terminationStatus != 0)
    #expect(text.contains("rendering \(directory)/f.png needs Graphviz's dot, which is not installed"))
    #expect(text.contains("apt-get install graphviz"))
    #expect(!FileManager.default.fileExists(atPath: directory + "/f.png"))
  }

  @Test func anUnknownExtensionIsRefused() throws {
    let session = Session()
    session.run("f(x) = x^2")
    let result = session.run(":dot f(1.0) > picture.jpg")
    #expect(result.error?.message == "cannot tell what to write from the name 'picture.jpg'")
    #expect(result.error?.help == "end it with .dot for Graphviz source, or .svg, .png or .pdf to render it with dot")
  }

  @Test func broadcastReductionsAreNamedPerInput() throws {
    let snapshot = try GraphFixtures.snapshot(
      ["a = [1, 2, 3]", "M = ones(2, 3)", "k(M, a, s) = sum(M * a + s)"], graph: "k(M, a, 2.0)")
    let reductions = snapshot.nodes.flatMap(\.reductions).compactMap { $0 }
    #expect(reductions.sorted() == ["() ← Σ axes 0,1 ← (2,3)", "(3,) ← Σ axis 0 ← (2,3)"])
  }

  @Test(arguments: [
    (0.3719, "0.372"), (-5.566, "-5.57"), (1.234e-5, "1.23e-5"), (1e6, "1e6"), (0, "0"),
    (9.996, "10"), (999.6, "1e3"), (123.4, "123"), (0.001, "0.001"), (Double.nan, "nan"), (-Double.infinity, "-inf"),
    (Double("1e-310")!, "1e-310"), (Double("-2.5e-320")!, "-2.5e-320"), (1.7e308, "1.7e308"),
  ])
  func compactNumbers(_ x: Double, _ text: String) {
    #expect(formatCompact(x) == text)
  }

  @Test func summariesCountNaNAndInf() throws {
    #expect(TensorSummary(Tensor([1, 2, 3])).text == "1 … 3  μ 2")
    #expect(TensorSummary(Tensor([1, .nan, .infinity, 3])).text == "1 … 3  μ 2  1 NaN  1 Inf")
    #expect(TensorSummary(Tensor([0, 0])).text == "all 0")
    #expect(TensorSummary(Tensor(2.5)).text == "2.5")
  }
}
