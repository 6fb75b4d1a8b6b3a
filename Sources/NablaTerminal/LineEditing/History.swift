/// Where the REPL keeps its history, and how an entry is stored in it.
enum History {
  /// The most entries kept (older ones are dropped).
  static let limit = 1000

  /// `$XDG_STATE_HOME/nabla/history`, or `~/.local/state/nabla/history` when
  /// `XDG_STATE_HOME` is unset or not absolute (as the XDG spec says); nil without a home.
  static func path(environment: (String) -> String?, home: String?) -> String? {
    if let state = environment("XDG_STATE_HOME"), state.hasPrefix("/") {
      return trimmingSlashes(state) + "/nabla/history"
    }
    guard let home, !home.isEmpty else { return nil }
    return trimmingSlashes(home) + "/.local/state/nabla/history"
  }

  /// An entry as one history line: an entry typed over several lines (inside brackets) is
  /// joined with spaces, so that Up brings it back whole and editable; comments inside it
  /// are dropped, since they would swallow the lines after them.
  static func line(for entry: String) -> String {
    let lines = entry.split(separator: "\n", omittingEmptySubsequences: false)
    guard lines.count > 1 else { return entry }
    return lines.map { line -> Substring in
      let code = line.firstIndex(of: "#").map { line[..<$0] } ?? line
      return code.drop { $0 == " " || $0 == "\t" }
    }
    .map { $0.reversed().drop { $0 == " " || $0 == "\t" }.reversed() }
    .map { String($0) }
    .filter { !$0.isEmpty }
    .joined(separator: " ")
  }

  private static func trimmingSlashes(_ path: String) -> String {
    var path = path
    while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
    return path
  }
}
