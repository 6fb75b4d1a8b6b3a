import NablaLanguage

extension Session {
  /// `:save FILE` / `:save! FILE`: the successful entries with their outputs, atomically.
  func save(_ path: Located<String>, overwrite: Bool, into result: inout EntryResult) throws {
    result.recordsInHistory = false
    if skipsWriting(path, into: &result) { return }
    var text = "# Nabla session, saved by :save; replay with :load or verify with nabla run --verify\n"
    for entry in history {
      text += entry.text + "\n"
      for line in entry.output { text += (line.isEmpty ? "#=>" : SessionFile.outputPrefix + line) + "\n" }
    }
    do {
      if fileWrites == .write { try FileIO.writeAtomically(text, to: path.value, overwrite: overwrite) }
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

  /// `:recover`: replays the newest journal of a session that is not running (see `Journal`).
  func recover(into result: inout EntryResult) throws {
    result.recordsInHistory = false
    let directory = journal?.directory ?? FileIO.stateDirectory()
    guard let path = Journal.recoverablePath(in: directory, excluding: journal?.path),
      let text = try? FileIO.readText(path)
    else {
      throw Diagnostic.error(
        "there is no previous session to recover (no journal with entries in \(directory))",
        at: .unknown)
    }
    let file = SessionFile(parsing: text)
    try replay(file, fileName: path, at: .unknown, into: &result)
    Journal.markRecovered(path)
    result.print("recovered \(file.entries.count) entr\(file.entries.count == 1 ? "y" : "ies") from the previous session")
  }

  private func replay(
    _ file: SessionFile, fileName: String, at range: SourceRange, into result: inout EntryResult
  ) throws {
    guard loadDepth < 8 else {
      throw Diagnostic.error("files load each other more than 8 deep; stopping", at: range)
    }
    loadDepth += 1
    let writes = fileWrites
    if fileWrites == .write { fileWrites = .skip }
    defer {
      loadDepth -= 1
      fileWrites = writes
    }
    for (i, entry) in file.entries.enumerated() {
      if cancellation.isCancelled {
        throw Diagnostic.error(
          "\(fileName):\(entry.line): interrupted; the \(i) entr\(i == 1 ? "y" : "ies") before it \(i == 1 ? "was" : "were") applied",
          at: range)
      }
      let lines = entry.text.split(separator: "\n", omittingEmptySubsequences: false)
      emit(lines.enumerated().map { k, line in (k == 0 ? "∇> " : ".. ") + Session.echoed(line) }, into: &result)
      let nested = run(entry.text, fileName: fileName, line: entry.line)
      var shown = nested.output
      if !nested.diagnostics.isEmpty { shown.append(nested.renderedDiagnostics()) }
      emit(shown, into: &result)
      if !nested.succeeded {
        throw Diagnostic.error(
          "\(fileName):\(entry.line): stopped at this error; the \(i) entr\(i == 1 ? "y" : "ies") before it \(i == 1 ? "was" : "were") applied",
          at: range)
      }
    }
  }
}

extension Session {
  /// Whether an entry that writes `path` is skipped because it is being replayed from a
  /// file (which must never write files behind the user's back); says so when it is.
  func skipsWriting(_ path: Located<String>, into result: inout EntryResult) -> Bool {
    guard fileWrites == .skip else { return false }
    result.print("not written: \(path.value) (an entry loaded from a file never writes files; type it to run it)")
    return true
  }

  /// Shows replayed lines now if someone is listening (the REPL), else adds them to `result`.
  private func emit(_ lines: [String], into result: inout EntryResult) {
    guard !lines.isEmpty else { return }
    if let onOutput { onOutput(lines) } else { result.output += lines }
  }

  /// A replayed line as echoed: a line of a megabyte shows its start and how much is left.
  static func echoed(_ line: Substring) -> String {
    guard line.utf8.count > 1000 else { return String(line) }
    let shown = line.prefix(200)
    return shown + "… (\(line.count - shown.count) more characters)"
  }
}
