import NablaLanguage

extension Session {
  /// `:save FILE` / `:save! FILE`: the successful entries with their outputs, atomically.
  func save(_ path: Located<String>, overwrite: Bool, into result: inout EntryResult) throws {
    result.recordsInHistory = false
    var text = "# Nabla session, saved by :save; replay with :load or verify with nabla run --verify\n"
    for entry in history {
      text += entry.text + "\n"
      for line in entry.output { text += (line.isEmpty ? "#=>" : SessionFile.outputPrefix + line) + "\n" }
    }
    do {
      try FileIO.writeAtomically(text, to: path.value, overwrite: overwrite)
    } catch {
      throw Diagnostic.error(error.description, at: path.range)
    }
    result.print("saved \(history.count) entr\(history.count == 1 ? "y" : "ies") to \(path.value)")
  }

  /// `:load FILE`: replays a file into this session, echoing each entry and its output, and
  /// stops at the first error with its location.
  func load(_ path: Located<String>, into result: inout EntryResult) throws {
    result.recordsInHistory = false
    let text: String
    do {
      text = try FileIO.readText(path.value)
    } catch {
      throw Diagnostic.error(error.description, at: path.range)
    }
    try replay(SessionFile(parsing: text), fileName: path.value, at: path.range, into: &result)
  }

  /// `:recover`: replays the previous session's journal. A session that keeps a journal of
  /// its own (the REPL's) moved the previous one aside when it started.
  func recover(into result: inout EntryResult) throws {
    result.recordsInHistory = false
    let path = journal == nil ? Journal.recoverablePath() : Journal.lastPath()
    guard let text = try? FileIO.readText(path) else {
      throw Diagnostic.error("there is no previous session to recover (no journal at \(path))", at: .unknown)
    }
    let file = SessionFile(parsing: text)
    try replay(file, fileName: path, at: .unknown, into: &result)
    result.print("recovered \(file.entries.count) entr\(file.entries.count == 1 ? "y" : "ies") from the previous session")
  }

  private func replay(
    _ file: SessionFile, fileName: String, at range: SourceRange, into result: inout EntryResult
  ) throws {
    guard loadDepth < 8 else {
      throw Diagnostic.error("files load each other more than 8 deep; stopping", at: range)
    }
    loadDepth += 1
    defer { loadDepth -= 1 }
    for (i, entry) in file.entries.enumerated() {
      let lines = entry.text.split(separator: "\n", omittingEmptySubsequences: false)
      for (k, line) in lines.enumerated() { result.print((k == 0 ? "∇> " : ".. ") + Session.echoed(line)) }
      let nested = run(entry.text, fileName: fileName, line: entry.line)
      result.output += nested.output
      if !nested.succeeded {
        result.print(nested.renderedDiagnostics())
        throw Diagnostic.error(
          "\(fileName):\(entry.line): stopped at this error; the \(i) entr\(i == 1 ? "y" : "ies") before it \(i == 1 ? "was" : "were") applied",
          at: range)
      }
      if !nested.diagnostics.isEmpty { result.print(nested.renderedDiagnostics()) }
    }
  }
}

extension Session {
  /// A replayed line as echoed: a line of a megabyte shows its start and how much is left.
  static func echoed(_ line: Substring) -> String {
    guard line.utf8.count > 1000 else { return String(line) }
    let shown = line.prefix(200)
    return shown + "… (\(line.count - shown.count) more characters)"
  }
}
