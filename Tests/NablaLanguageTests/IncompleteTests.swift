import NablaLanguage
import Testing

@Suite struct IncompleteTests {
  @Test(arguments: [
    "f(x",
    "(1 + 2",
    "[1, 2,",
    "x = [[1, 2],\n     [3, 4],",
    "f(x) = sum(x,",
    "(1 +",
    "g(a, b) = (a + # a comment\n",
    "W[:, 1:",
    ":grad f(x",
    ":check f over x in [-1,",
    ":dot loss(W,",
    "x[",
    "((((",
  ])
  func incomplete(text: String) {
    #expect(Parser.isIncomplete(text))
    #expect(throws: Diagnostic.self) { try Parser.parseEntry(text) }
  }

  @Test(arguments: [
    "",
    "x",
    "f(x) = x^2",
    "1 +",
    "f(x) =",
    "f(x]",
    "(1 2",
    "(1 + $",
    "f(x))",
    ":save my(file.nabla",
    ":help (",
    ":grad",
    String(repeating: "(", count: 1000),
  ])
  func notIncomplete(text: String) {
    #expect(!Parser.isIncomplete(text))
  }

  @Test func continuedEntryParses() throws {
    var text = "loss(W, b) = sum(tanh(x @ W"
    #expect(Parser.isIncomplete(text))
    text += "\n  + b)^2)"
    #expect(!Parser.isIncomplete(text))
    #expect(try entry(text) == entry("loss(W, b) = sum(tanh(x @ W + b)^2)"))
  }

  @Test func diagnosticSaysItIsIncomplete() {
    do {
      _ = try Parser.parseEntry("[1, 2")
      Issue.record("parsed")
    } catch {
      #expect(error.isIncompleteInput)
      #expect(error.message == "expected ']' to close '[' at column 1")
    }
  }
}
