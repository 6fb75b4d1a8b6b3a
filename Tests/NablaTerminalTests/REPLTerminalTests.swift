import Foundation
import Testing

/// End to end: the built `nabla` in tmux, typed at as a person would (see `TerminalDriver`).
/// Serialized: each test has its own tmux server, but they compete for the two cores, and
/// the timing of Ctrl-C and the progress bar is easier to reason about one at a time.
@Suite(.serialized)
struct REPLTerminalTests {
  @Test func entriesPrintTheirResults() throws {
    let repl = try TerminalDriver()
    try repl.waitForPrompt()
    let banner = repl.lines.prefix(2).joined(separator: "\n")
    #expect(banner.contains("Nabla 0.1.0"))
    #expect(banner.contains(":help"))

    #expect(try repl.enter("x = [1, 2, 3]") == [])
    #expect(try repl.enter("f(x) = x^2 * sin(x)") == [])
    #expect(
      try repl.enter(":grad f(2.0)") == [
        "f(2.0) = 3.637189707302727", "∂f/∂x = 1.9726023611141572",
      ])
    #expect(try repl.enter("x * 2") == ["[2., 4., 6.]"])
    let error = try repl.enter("foo + 1")
    #expect(error.first == "error: unknown name 'foo'")
    #expect(error.contains("  foo + 1"))
    #expect(error.contains { $0.hasPrefix("  ^~~") })
  }

  @Test func anOpenBracketContinuesOnTheNextLine() throws {
    let repl = try TerminalDriver()
    try repl.waitForPrompt()
    repl.type("y = [1,")
    repl.press("Enter")
    try repl.waitForLine("..")
    repl.type("2]")
    repl.press("Enter")
    #expect(try repl.enter("y") == ["[1., 2.]"])
    // Up brings the entry back as one line.
    repl.press("Up", "Up")
    try repl.waitForLine("∇> y = [1, 2]")
  }

  @Test func tabCompletesACommand() throws {
    let repl = try TerminalDriver()
    try repl.enter("f(x) = x^2")
    repl.type(":gr")
    repl.press("Tab")
    try repl.waitForLine("∇> :gra")  // :grad and :graph share ":gra"
    repl.press("Tab")  // a second Tab lists them
    try repl.waitUntil("the list of :grad and :graph") { screen in
      screen.split(separator: "\n").contains {
        $0.contains(":grad") && $0.contains(":graph") && !$0.hasPrefix("∇>")
      }
    }
    repl.type("d")
    repl.press("Tab")
    try repl.waitUntil("':grad ' with the space") { _ in repl.currentLine == "∇> :grad" }
    #expect(
      try repl.enter("f(3.0)", completing: ":grad f(3.0)") == ["f(3.0) = 9.0", "∂f/∂x = 6.0"])
  }

  @Test func tabCompletesBuiltinsNamesAndKeywordArguments() throws {
    let repl = try TerminalDriver()
    try repl.enter("weights = [1, 2, 3]")
    repl.type("y = sigm")
    repl.press("Tab")
    try repl.waitForLine("∇> y = sigmoid(")
    #expect(try repl.enter("0)", completing: "y = sigmoid(0)") == [])
    repl.type("wei")
    repl.press("Tab")
    try repl.waitForLine("∇> weights")
    repl.press("C-u")
    repl.type("sum(weights, ax")
    repl.press("Tab")
    try repl.waitForLine("∇> sum(weights, axis:")
    #expect(try repl.enter("0)", completing: "sum(weights, axis: 0)") == ["6.0"])
    #expect(try repl.enter("y") == ["0.5"])
  }

  @Test func tabCompletesFileNamesAfterLoad() throws {
    let directory = try TerminalDriver.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try "x = [1, 2]\n".write(
      toFile: directory + "/lecture.nabla", atomically: true, encoding: .utf8)
    try FileManager.default.createDirectory(
      atPath: directory + "/sessions", withIntermediateDirectories: true)
    try "".write(toFile: directory + "/sessions/intro.nabla", atomically: true, encoding: .utf8)
    let repl = try TerminalDriver(directory: directory)
    try repl.waitForPrompt()
    repl.type(":load lec")
    repl.press("Tab")
    try repl.waitForLine("∇> :load lecture.nabla")
    repl.press("C-u")
    repl.type(":load ses")
    repl.press("Tab")
    try repl.waitForLine("∇> :load sessions/")
    repl.press("Tab")
    try repl.waitForLine("∇> :load sessions/intro.nabla")
  }

  @Test func upRecallsAndCtrlRSearchesTheHistory() throws {
    let repl = try TerminalDriver()
    #expect(try repl.enter("3 * 7") == ["21.0"])
    #expect(try repl.enter("2 + 2") == ["4.0"])
    repl.press("Up")
    try repl.waitForLine("∇> 2 + 2")
    repl.press("Up")
    try repl.waitForLine("∇> 3 * 7")
    repl.press("Enter")
    try repl.waitForPrompt(count: 4)
    #expect(repl.lines.filter { $0 == "21.0" }.count == 2)

    repl.press("C-r")
    repl.type("2 +")
    try repl.waitUntil("the search to find '2 + 2'") { _ in
      repl.lines.suffix(2).contains("∇> 2 + 2")
    }
    repl.press("Enter")
    try repl.waitForPrompt(count: 5)
    #expect(repl.lines.filter { $0 == "4.0" }.count == 2)
  }

  @Test func ctrlCAtThePromptClearsTheLine() throws {
    let repl = try TerminalDriver()
    try repl.waitForPrompt()
    repl.type("garbage that is never run")
    try repl.waitForLine("∇> garbage that is never run")
    repl.press("C-c")
    try repl.waitForPrompt(count: 2)
    #expect(try repl.enter("1 + 1") == ["2.0"])
    // Inside brackets, Ctrl-C drops the whole entry.
    repl.type("z = [1,")
    repl.press("Enter")
    try repl.waitForLine("..")
    repl.press("C-c")
    try repl.waitForPrompt(count: 4)
    #expect(try repl.enter("z").first == "error: unknown name 'z'")
    #expect(!repl.screen().contains("garbage that is never run\n"))
    #expect(!repl.screen().contains("unknown name 'garbage'"))
  }

  @Test func ctrlCInterruptsALongCheckAndKeepsTheSession() throws {
    let repl = try TerminalDriver()
    try repl.enter("x = [1, 2, 3]")
    try repl.enter("f(x) = x^2 * sin(x)")
    repl.type(":check f over x in [-10, 10] trials 10000000")
    repl.press("Enter")
    // The progress bar (after half a second) says how fast and how long.
    let bar = try repl.waitUntil("the progress bar") { screen in
      screen.split(separator: "\n").contains {
        $0.hasPrefix(":check f") && $0.contains("/s") && $0.hasSuffix("left")
      }
    }
    #expect(bar.contains("/10M"))
    repl.press("C-c")
    try repl.waitFor("error: interrupted")
    try repl.waitForPrompt(count: 4)
    #expect(!repl.screen().contains("left"), "the progress bar is erased")
    #expect(try repl.enter("f(2.0)") == ["3.637189707302727"])
    let vars = try repl.enter(":vars")
    #expect(vars.contains { $0.hasPrefix("x ") && $0.hasSuffix("[1., 2., 3.]") })
  }

  /// A plain expression has no progress bar, but Ctrl-C stops it all the same (between
  /// two operations) and the assignment does not happen.
  @Test func ctrlCInterruptsALongExpression() throws {
    let repl = try TerminalDriver()
    try repl.waitForPrompt()
    repl.type("y = sum(sin(exp(cos(arange(20000000)))) + tanh(sin(arange(20000000))))")
    repl.press("Enter")
    usleep(700_000)
    repl.press("C-c")
    try repl.waitFor("error: interrupted")
    try repl.waitForPrompt(count: 2)
    #expect(try repl.enter("y").contains { $0.contains("unknown name 'y'") })
  }

  @Test func ctrlDExitsWithStatusZeroAndRestoresTheTerminal() throws {
    let repl = try TerminalDriver()
    try repl.enter("1 + 1")
    repl.press("C-d")
    try repl.waitFor("EXITED rc=0")
    let modes = try repl.waitUntil("the terminal modes") { _ in
      repl.currentLine.contains("icanon")
    }
    // The newline after the prompt is printed: the shell's output starts a line of its own.
    let lines = repl.lines
    let exited = try #require(lines.firstIndex(of: "EXITED rc=0"))
    #expect(lines[exited - 1].hasPrefix("∇>"))
    #expect(repl.currentLine.split(separator: " ").sorted() == ["echo", "icanon"], "\(modes)")
  }

  @Test func quitExitsWithStatusZero() throws {
    let repl = try TerminalDriver()
    try repl.waitForPrompt()
    repl.type(":quit")
    repl.press("Enter")
    try repl.waitFor("EXITED rc=0")
  }

  @Test func theHistorySurvivesARestartWithoutRepeats() throws {
    let stateHome = try TerminalDriver.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: stateHome) }
    do {
      let first = try TerminalDriver(stateHome: stateHome)
      try first.enter("5 * 5")
      try first.enter("7 * 6")
      try first.enter("7 * 6")
      first.press("C-d")
      try first.waitFor("EXITED rc=0")
    }
    let file = try String(contentsOfFile: stateHome + "/nabla/history", encoding: .utf8)
    #expect(file.contains("7\\040*\\0406"))

    let second = try TerminalDriver(stateHome: stateHome)
    try second.waitForPrompt()
    second.press("Up")
    try second.waitForLine("∇> 7 * 6")
    second.press("Up")  // the repeat was not stored
    try second.waitForLine("∇> 5 * 5")
    second.press("Enter")
    try second.waitFor("25.0")
    second.press("C-d")
    try second.waitFor("EXITED rc=0")
  }

  @Test func theHistoryKeepsTheNewestThousandEntries() throws {
    let stateHome = try TerminalDriver.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: stateHome) }
    try FileManager.default.createDirectory(
      atPath: stateHome + "/nabla", withIntermediateDirectories: true)
    let old = (1...1200).map { "\($0)\\040+\\0400" }
    try (["_HiStOrY_V2_"] + old).joined(separator: "\n").appending("\n")
      .write(toFile: stateHome + "/nabla/history", atomically: true, encoding: .utf8)
    let repl = try TerminalDriver(stateHome: stateHome)
    #expect(try repl.enter("6 * 7") == ["42.0"])
    repl.press("C-d")
    try repl.waitFor("EXITED rc=0")
    let lines = try String(contentsOfFile: stateHome + "/nabla/history", encoding: .utf8)
      .split(separator: "\n").dropFirst()
    #expect(lines.count == 1000)
    #expect(lines.first == "202\\040+\\0400")
    #expect(lines.last == "6\\040*\\0407")
  }

  @Test func theNextSessionRecoversFromTheJournal() throws {
    let stateHome = try TerminalDriver.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: stateHome) }
    do {
      let first = try TerminalDriver(stateHome: stateHome)
      try first.enter("v = [4, 5]")
      first.press("C-d")
      try first.waitFor("EXITED rc=0")
    }
    let second = try TerminalDriver(stateHome: stateHome)
    try second.enter(":recover")
    #expect(try second.enter("v") == ["[4., 5.]"])
    second.press("C-d")
    try second.waitFor("EXITED rc=0")
  }

  /// kill -9 in the middle of a session, then `nabla --recover`: every entry that had run
  /// comes back, and the recovered session is journaled again.
  @Test func nablaRecoverRestoresASessionKilledWithSigkill() throws {
    let stateHome = try TerminalDriver.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: stateHome) }
    do {
      let first = try TerminalDriver(stateHome: stateHome)
      try first.enter("w = [1, 2, 3]")
      try first.enter("f(t) = sum(t^2)")
      #expect(try first.enter("f(w)") == ["14.0"])
      try first.killNabla()
      try first.waitFor("EXITED rc=137")
    }
    // Starting and quitting a REPL without an entry keeps the killed session recoverable.
    do {
      let idle = try TerminalDriver(stateHome: stateHome)
      try idle.waitFor("note: the last session ended without :quit or Ctrl-D (3 entries); :recover restores it")
      try idle.waitForPrompt()
      idle.press("C-d")
      try idle.waitFor("EXITED rc=0")
    }
    let second = try TerminalDriver(stateHome: stateHome, arguments: ["--recover"])
    try second.waitFor("recovered 3 entries from the previous session")
    #expect(try second.enter(":grad f(w)").contains("∂f/∂t (3,) = [2., 4., 6.]"))
    second.press("C-d")
    try second.waitFor("EXITED rc=0")
    let journal = try String(contentsOfFile: stateHome + "/nabla/journal.nabla", encoding: .utf8)
    #expect(journal.contains("f(t) = sum(t^2)"))
  }

  @Test func wideTensorsWrapToTheTerminalWidth() throws {
    let repl = try TerminalDriver(width: 60)
    let narrow = try repl.enter("arange(40)")
    #expect(narrow.count > 1)
    #expect(narrow.allSatisfy { $0.count < 60 }, "\(narrow)")
    try repl.resize(width: 150, height: 40)
    let wide = try repl.enter("arange(40)")
    #expect(wide.count < narrow.count)
    #expect(wide.allSatisfy { $0.count < 150 })
    #expect(wide.contains { $0.count > 60 })
  }

  @Test func errorsAreColouredUnlessNoColor() throws {
    let coloured = try TerminalDriver()
    try coloured.enter("foo")
    #expect(
      coloured.screen(colors: true).contains("\u{1B}[31merror:")
        || coloured.screen(colors: true).contains("\u{1B}[1;31merror:"))

    let plain = try TerminalDriver(environment: ["NO_COLOR": "1"])
    try plain.enter("foo")
    #expect(!plain.screen(colors: true).contains("\u{1B}[3"), "\(plain.screen(colors: true))")
  }

  @Test func asciiPromptWithoutAUTF8Locale() throws {
    let repl = try TerminalDriver(environment: ["LANG": "C"], prompt: ">>")
    #expect(try repl.enter("1 + 2") == ["3.0"])
    // Results are spelled in ASCII too: ∂ as d, ✓ as ok.
    #expect(try repl.enter(":grad sin(0.0)") == ["sin(0.0) = 0.0", "dsin/dx = 1.0"])
    let check = try repl.enter(":check sin(0.5)")
    #expect(check.contains { $0.hasSuffix("  ok") }, "\(check)")
    #expect(!repl.screen().unicodeScalars.contains { !$0.isASCII }, "\(repl.screen())")
  }

  @Test func plotsAreColouredBrailleAsWideAsTheTerminal() throws {
    let repl = try TerminalDriver(width: 70)
    try repl.enter("f(x) = x^2")
    let lines = try repl.enter(":plot f over x in [-1, 1]")
    #expect(lines.contains { $0.unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) } })
    #expect(lines.map(\.count).max()! <= 69)
    #expect(lines.map(\.count).max()! >= 64)
    let screen = repl.screen(colors: true)
    #expect(screen.contains("\u{1B}[36m"), "\(screen)")

    let plain = try TerminalDriver(environment: ["NO_COLOR": "1"])
    try plain.enter("f(x) = x^2")
    try plain.enter(":plot f over x in [-1, 1]")
    #expect(!plain.screen(colors: true).contains("\u{1B}[36m"))
  }

  @Test func plotsAreAsciiWithoutAUTF8Locale() throws {
    let repl = try TerminalDriver(environment: ["LANG": "C"], prompt: ">>")
    try repl.enter("f(x) = x^2")
    let lines = try repl.enter(":plot f over x in [-1, 1]")
    #expect(lines.count > 10)
    #expect(lines.allSatisfy { $0.unicodeScalars.allSatisfy(\.isASCII) }, "\(lines)")
    #expect(lines.contains { $0.hasSuffix(" df/dx") })
  }

  @Test func aPipeRunsAsAScriptWithoutPromptOrHistory() throws {
    let stateHome = try TerminalDriver.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: stateHome) }
    let (status, output) = try Spawn.run(
      try TerminalDriver.nablaBinary(), [],
      environment: ["XDG_STATE_HOME": stateHome, "LANG": "C.UTF-8", "PATH": "/usr/bin:/bin"],
      input: "x = [1, 2]\nsum(x)\n")
    #expect(output == "3.0\n")
    #expect(status == 0)
    #expect(!FileManager.default.fileExists(atPath: stateHome + "/nabla/history"))
  }
}

extension TerminalDriver {
  /// Types the rest of an entry whose start is already on the line (after a completion),
  /// presses Enter and returns the output; `completing` is the whole entry as echoed.
  func enter(_ rest: String, completing whole: String, timeout: Double = 20) throws -> [String] {
    let before = promptCount
    type(rest)
    try waitForLine("\(prompt) \(whole)")
    press("Enter")
    try waitForPrompt(count: before + 1, timeout: timeout)
    let lines = self.lines
    guard let echo = lines.lastIndex(of: "\(prompt) \(whole)") else {
      throw TerminalError(description: "'\(whole)' is not on the screen:\n\(screen())")
    }
    return Array(lines[(echo + 1)..<(lines.count - 1)])
  }
}
