import Foundation
import Testing

/// The graph pane in a real terminal (tmux), as a student would use it: open it from the
/// REPL, move, step the backward pass, resize, quit, and go on typing at the prompt.
@Suite(.serialized)
struct GraphPaneTerminalTests {
  @Test func openMoveStepResizeAndReturnToAWorkingPrompt() throws {
    let repl = try TerminalDriver(width: 120, height: 40)
    for entry in [
      "x = randn(4, 3, seed: 0)", "W1 = randn(3, 5, seed: 1)", "b1 = zeros(5)", "W2 = randn(5, 1, seed: 2)",
      "mlp(W1, b1, W2) = mean(tanh(x @ W1 + b1) @ W2)",
    ] {
      #expect(try repl.enter(entry) == [])
    }
    repl.type(":graph mlp(W1, b1, W2)")
    repl.press("Enter")
    try repl.waitFor("∇ graph of mlp(W1, b1, W2) · 9 nodes")
    try repl.waitFor(" #9 mean  mean(tanh(x@W1 + b1)@W2)")
    // Waited for, like the lines above: a capture can come while curses is still drawing.
    try repl.waitFor("(5,) ← Σ axis 0 ← (4,5)")

    repl.press("k")
    try repl.waitFor(" #8 @  tanh(x@W1 + b1)@W2")
    repl.press("Up", "h")
    try repl.waitFor(" #6 tanh  tanh(x@W1 + b1)")

    repl.press("b")
    try repl.waitFor("step 1/5: #9 mean")
    repl.press("b")
    try repl.waitFor("step 2/5: #8 @")
    try repl.waitFor("→ #6 tanh(x@W1 + b1):  += ∇ @ bᵀ")

    // A resize lays the graph out again for the new width.
    try repl.resize(width: 90, height: 30)
    try repl.waitUntil("the pane redrawn at 90 columns") { screen in
      let lines = screen.split(separator: "\n")
      return lines.first?.hasSuffix("q quit") == true && lines.first!.count <= 90 && screen.contains("step 2/5")
    }
    try repl.resize(width: 30, height: 10)
    try repl.waitFor("terminal too small")
    try repl.resize(width: 100, height: 35)
    try repl.waitFor("∇ graph of mlp(W1, b1, W2)")

    repl.press("Enter")
    try repl.waitFor("details · ")
    repl.press("q")
    try repl.waitFor("step 2/5")
    repl.press("q")
    try repl.waitForPrompt()
    #expect(repl.screen().contains("graph of mlp(W1, b1, W2): 9 nodes, output last"))

    // Line editing still works: an entry runs, and Up brings it back.
    #expect(try repl.enter("1 + 1") == ["2.0"])
    repl.press("Up")
    try repl.waitForLine("∇> 1 + 1")
    repl.press("C-u", "C-d")
    try repl.waitFor("EXITED rc=0")
    // The terminal modes after exit: ncurses and libedit both gave the terminal back.
    try repl.waitUntil("the terminal modes") { _ in repl.currentLine.contains("icanon") }
    #expect(repl.currentLine.split(separator: " ").sorted() == ["echo", "icanon"])
  }

  /// ncurses catches SIGWINCH once per process; the pane catches it itself, so a second
  /// pane in a session follows resizes as the first does.
  @Test func aSecondPaneFollowsAResize() throws {
    let repl = try TerminalDriver(width: 100, height: 30)
    #expect(try repl.enter("f(x) = sum(sin(x)*x + x)") == [])
    #expect(try repl.enter("x = [1, 2, 3]") == [])
    for pane in 1...2 {
      repl.type(":graph f(x)")
      repl.press("Enter")
      try repl.waitFor("∇ graph of f(x) · 5 nodes")
      if pane == 1 {
        repl.press("q")
        try repl.waitForPrompt(count: 4)
      }
    }
    try repl.resize(width: 60, height: 20)
    repl.press("k")
    try repl.waitUntil("the second pane redrawn at 60×20 after k") { screen in
      let lines = screen.split(separator: "\n", omittingEmptySubsequences: false)
      return lines.count <= 20 && lines.first?.hasPrefix(" ∇ graph of f(x)") == true
        && lines.first?.hasSuffix("q quit") == true && lines.allSatisfy { $0.count <= 60 }
        && screen.contains(" #4 +  sin(x)*x + x")
    }
    repl.press("q")
    try repl.waitForPrompt()
    #expect(try repl.enter("1 + 1") == ["2.0"])
  }

  /// Without a UTF-8 locale the pane speaks ASCII, like the prompt.
  @Test func aPlainLocaleGetsAnASCIIPane() throws {
    let repl = try TerminalDriver(width: 100, height: 30, environment: ["LANG": "C"], prompt: ">>")
    #expect(try repl.enter("f(x) = sum(sin(x)*x + x)") == [])
    repl.type(":graph f([1, 2, 3])")
    repl.press("Enter")
    // The whole pane, not a capture taken while curses is still drawing it.
    let header = " graph of f([1, 2, 3]) | 5 nodes"
    let screen = try repl.waitUntil("the ASCII pane with the output's gradient") {
      $0.contains(header) && $0.contains("grad 1")
    }
    let ascii = screen.unicodeScalars.allSatisfy { $0.isASCII }
    #expect(ascii, "\(screen)")
    repl.press("q")
    try repl.waitForPrompt()
  }
}
