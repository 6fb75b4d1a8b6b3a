import Testing

@testable import NablaTerminal

@Suite struct HistoryTests {
  @Test func pathFollowsXDGStateHome() {
    let env: [String: String] = ["XDG_STATE_HOME": "/tmp/state/"]
    #expect(History.path(environment: { env[$0] }, home: "/home/me") == "/tmp/state/nabla/history")
  }

  @Test func pathDefaultsToLocalStateAndIgnoresRelativeXDG() {
    #expect(
      History.path(environment: { _ in nil }, home: "/home/me")
        == "/home/me/.local/state/nabla/history")
    let relative: [String: String] = ["XDG_STATE_HOME": "state"]
    #expect(
      History.path(environment: { relative[$0] }, home: "/home/me")
        == "/home/me/.local/state/nabla/history")
    #expect(History.path(environment: { _ in nil }, home: nil) == nil)
  }

  @Test func multiLineEntriesAreStoredAsOneLine() {
    #expect(History.line(for: "x = 1") == "x = 1")
    #expect(History.line(for: "W = [[1, 2],  # first row\n     [3, 4]]") == "W = [[1, 2], [3, 4]]")
    #expect(History.line(for: "f(x) = sum(\n\n  x)") == "f(x) = sum( x)")
  }
}

@Suite struct StyleTests {
  @Test func colourFollowsNoColorAndTerm() {
    func wants(_ env: [String: String], terminal: Bool = true) -> Bool {
      Style.wantsColor(environment: { env[$0] }, outputIsTerminal: terminal)
    }
    #expect(wants(["TERM": "xterm-256color"]))
    #expect(wants(["TERM": "xterm", "NO_COLOR": ""]))  // empty means unset (no-color.org)
    #expect(!wants(["TERM": "xterm", "NO_COLOR": "1"]))
    #expect(!wants(["TERM": "dumb"]))
    #expect(!wants([:]))
    #expect(!wants(["TERM": "xterm"], terminal: false))
  }

  @Test func promptsHideTheirColourCodesFromLibedit() {
    #expect(Style(color: false, unicode: true).prompt == "∇> ")
    #expect(Style(color: false, unicode: false).prompt == ">> ")
    #expect(Style(color: false, unicode: true).continuationPrompt == ".. ")
    let coloured = Style(color: true, unicode: true).prompt
    #expect(coloured.hasPrefix("\u{1}\u{1B}[") && coloured.hasSuffix("\u{2} "))
    #expect(coloured.contains("\u{2}∇>\u{1}"))
  }

  @Test func helpHeadingsAreBold() {
    let style = Style(color: true, unicode: true)
    let lines = style.decorate(["intro", "", "commands:", "  :grad  value"], entry: ":help")
    #expect(lines[2] == "\u{1B}[1mcommands:\u{1B}[0m")
    #expect(lines[3] == "  :grad  value")
    #expect(style.decorate(["1.0"], entry: "1") == ["1.0"])
    #expect(
      Style(color: false, unicode: true).decorate(["commands:"], entry: ":help") == ["commands:"])
  }
}
