import NablaLanguage
import Testing

@Suite struct SourceTextTests {
  @Test func locationsCountCharacters() {
    let source = SourceText("θ = é + 1\nf(x) = 🙂x")
    #expect(source.location(of: 0) == (1, 1))
    #expect(source.location(of: 3) == (1, 3))  // after 'θ ' (θ is two UTF-8 bytes)
    #expect(source.location(of: 5) == (1, 5))  // before 'é' (precomposed, two bytes)
    #expect(source.location(of: 7) == (1, 6))
    let secondLine = "θ = é + 1\n".utf8.count
    #expect(source.location(of: secondLine) == (2, 1))
    #expect(source.location(of: secondLine + 7 + 4) == (2, 9))  // after the emoji
    #expect(source.lineCount == 2)
  }

  @Test func linesStartWhereTheEntryStartsInItsFile() {
    let source = SourceText("a\r\nb\rc", fileName: "s.nabla", firstLine: 10)
    #expect(source.location(of: 0) == (10, 1))
    #expect(source.location(of: 3) == (11, 1))
    #expect(source.location(of: 5) == (12, 1))
    #expect(source.lineRange(at: 0) == SourceRange(start: 0, end: 1))
    #expect(source[SourceRange(start: 3, end: 4)] == "b")
  }

  @Test func offsetsPastTheEndAreClamped() {
    let source = SourceText("ab")
    #expect(source.location(of: 99) == (1, 3))
    #expect(source[SourceRange(start: 1, end: 99)] == "b")
  }
}

@Suite struct DiagnosticRendererTests {
  let sinn = Diagnostic.error(
    "unknown name 'sinn'", at: SourceRange(start: 7, end: 11), help: "did you mean 'sin'?")

  @Test func plain() {
    #expect(
      DiagnosticRenderer.render(sinn, in: SourceText("f(x) = sinn(x) + 1"), color: false) == """
        error: unknown name 'sinn'
          f(x) = sinn(x) + 1
                 ^~~~
          help: did you mean 'sin'?
        """)
  }

  @Test func withFileNameAndLine() {
    let source = SourceText("f(x) = sinn(x) + 1", fileName: "sessions/example.nabla", firstLine: 3)
    #expect(
      DiagnosticRenderer.render(sinn, in: source, color: false) == """
        sessions/example.nabla:3:8: error: unknown name 'sinn'
          f(x) = sinn(x) + 1
                 ^~~~
          help: did you mean 'sin'?
        """)
  }

  @Test func multiLineEntryShowsTheOffendingLine() {
    let text = "loss(W) = sum(\n  sinn(W))"
    let start = text.utf8.count - 8
    let diagnostic = Diagnostic.error(
      "unknown name 'sinn'", at: SourceRange(start: start, end: start + 4))
    #expect(
      DiagnosticRenderer.render(
        diagnostic, in: SourceText(text, fileName: "a.nabla", firstLine: 7), color: false)
          == """
          a.nabla:8:3: error: unknown name 'sinn'
              sinn(W))
              ^~~~
          """)
  }

  @Test func rangeSpanningLinesIsUnderlinedToTheLineEnd() {
    let text = "f(1,\n  2)"
    let diagnostic = Diagnostic(
      .warning, "odd call", at: SourceRange(start: 0, end: text.utf8.count))
    #expect(
      DiagnosticRenderer.render(diagnostic, in: SourceText(text), color: false) == """
        warning: odd call
          f(1,
          ^~~~
        """)
  }

  @Test func caretCountsCharactersAndKeepsTabs() {
    let text = "\tθ + é + $"
    let offset = text.utf8.count - 1
    let diagnostic = Diagnostic.error(
      "unexpected character '$'", at: SourceRange(start: offset, end: offset + 1))
    #expect(
      DiagnosticRenderer.render(diagnostic, in: SourceText(text), color: false)
        == "error: unexpected character '$'\n  \tθ + é + $\n  \t        ^")
  }

  @Test func emptyRangeAndUnknownRange() {
    let atEnd = Diagnostic.error(
      "expected an expression after '+'", at: SourceRange(start: 3, end: 3))
    #expect(
      DiagnosticRenderer.render(atEnd, in: SourceText("1 +"), color: false)
        == "error: expected an expression after '+'\n  1 +\n     ^")
    let nowhere = Diagnostic(
      .note, "derivative simplified", at: .unknown, help: "line one\nline two")
    #expect(
      DiagnosticRenderer.render(nowhere, in: SourceText("x", fileName: "f.nabla"), color: false)
        == "note: derivative simplified\n  help: line one\n        line two")
  }

  @Test func colour() {
    let rendered = DiagnosticRenderer.render(
      sinn, in: SourceText("f(x) = sinn(x) + 1"), color: true)
    #expect(rendered.contains("\u{1B}[1;31merror:\u{1B}[0m"))
    #expect(rendered.contains("\u{1B}[1;31m^~~~\u{1B}[0m"))
    #expect(rendered.contains("\u{1B}[1;36mhelp:\u{1B}[0m"))
    let plain = DiagnosticRenderer.render(sinn, in: SourceText("f(x) = sinn(x) + 1"), color: false)
    #expect(!plain.contains("\u{1B}"))
  }

  @Test func description() {
    #expect(sinn.description == "error: unknown name 'sinn'")
  }
}

@Suite struct NearestNamesTests {
  static let builtins = [
    "exp", "log", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "sqrt", "abs", "pow", "sum",
    "mean", "max", "min", "reshape", "transpose", "softmax", "logsumexp", "sign",
  ]

  @Test(arguments: [
    ("sinn", ["sin", "sign"]),
    ("tahn", ["tanh", "tan"]),
    ("lgo", ["log"]),
    ("softmx", ["softmax"]),
    ("Sum", ["sum"]),
    ("sigmod", ["sigmoid"]),
    ("logsumexpp", ["logsumexp"]),
    ("zzz", []),
    ("x", []),
    ("sin", ["sign", "min"]),  // never the name itself
  ])
  func suggestions(name: String, expected: [String]) {
    #expect(nearestNames(to: name, among: Self.builtins) == expected)
  }

  @Test func limitAndOrder() {
    #expect(nearestNames(to: "ab", among: ["ac", "ad", "ae", "af"], limit: 2) == ["ac", "ad"])
    #expect(nearestNames(to: "ab", among: ["ac"], limit: 0) == [])
    #expect(nearestNames(to: "X", among: ["x", "y"]) == ["x"])
    #expect(nearestNames(to: ":gard", among: Command.catalog.map(\.name)).first == ":grad")
    // Equal distances prefer the candidate of the same length.
    #expect(nearestNames(to: "tahn", among: ["tan", "tanh"]) == ["tanh", "tan"])
  }
}
