import ArgumentParser
import NablaCore
import NablaLanguage
import NablaSession
import NablaTerminal

#if canImport(Glibc)
  import Glibc
#endif

/// The version printed by `--version` and the banner.
let nablaVersion = "0.1.0"

func writeOut(_ s: String) {
  // Unbuffered, so output and diagnostics (stderr) keep their order on a shared terminal.
  let text = s + "\n"
  _ = text.withCString { write(1, $0, strlen($0)) }
}

func writeErr(_ s: String) {
  var text = s
  if !text.hasSuffix("\n") { text += "\n" }
  _ = text.withCString { write(2, $0, strlen($0)) }
}

/// Whether diagnostics on stderr should be coloured.
func stderrWantsColor() -> Bool {
  if getenv("NO_COLOR") != nil { return false }
  if let term = getenv("TERM"), String(cString: term) == "dumb" { return false }
  return isatty(2) != 0
}

@main
struct Nabla: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "nabla",
    abstract: "An interactive notebook for reverse-mode automatic differentiation.",
    discussion: """
      With no arguments on a terminal, starts the REPL; with a pipe on stdin, runs it as a script.
      Type :help in the REPL for the language and the commands.
      """,
    version: nablaVersion,
    subcommands: [Run.self])

  @Option(
    name: .shortAndLong,
    help: ArgumentHelp("Run one entry and exit (repeat -e to run several in order).", valueName: "entry"))
  var entry: [String] = []

  @Flag(help: "Restore the last session (after a crash or kill -9) before anything else.")
  var recover = false

  @OptionGroup var script: ScriptOptions

  mutating func run() throws {
    let session = Session()
    let interactive = entry.isEmpty && isatty(0) != 0 && isatty(1) != 0
    if recover && interactive {
      // The REPL's journal moves the crashed session's aside first, then `:recover`
      // replays it and journals it again, so a second crash loses nothing either.
      session.journal = Journal()
      throw ExitCode(REPL(version: nablaVersion, session: session).run(startup: [":recover"]))
    }
    var runner = ScriptRunner(session: session, write: writeOut, writeError: writeErr)
    runner.json = script.json
    runner.keepGoing = script.keepGoing
    runner.color = stderrWantsColor()
    if recover {
      let result = session.run(":recover", fileName: nil, line: 1)
      runner.report(result, line: 1)
      if !result.succeeded { throw ExitCode(1) }
    }
    if !entry.isEmpty {
      var ok = true
      for text in entry {
        let result = session.run(text, fileName: nil, line: 1)
        runner.report(result, line: 1)
        if !result.succeeded { ok = false }
        if (!ok && !script.keepGoing) || result.isQuit { break }
      }
      throw ExitCode(ok ? 0 : 1)
    }
    if interactive {
      throw ExitCode(REPL(version: nablaVersion, session: session).run())
    }
    // Script mode: read everything from the pipe, then run it like a file.
    var text = ""
    while let line = readLine(strippingNewline: false) { text += line }
    let (ok, _) = runner.run(SessionFile(parsing: text), fileName: "<stdin>")
    throw ExitCode(ok ? 0 : 1)
  }
}

struct Run: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run session files as scripts.")

  @Argument(help: "Session files (.nabla) to run.")
  var files: [String]

  @OptionGroup var script: ScriptOptions

  @Flag(help: "Recompute every entry and report those whose output differs from the recorded one.")
  var verify = false

  @Flag(help: "Rewrite the recorded outputs in place (atomically).")
  var update = false

  @Option(help: "Relative tolerance for numbers when verifying.")
  var tolerance = 1e-9

  mutating func run() throws {
    var allOK = true
    for path in files {
      let data: String
      do {
        data = try FileIO.readText(path)
      } catch {
        writeErr("error: \(error)")
        throw ExitCode(1)
      }
      let file = SessionFile(parsing: data)
      if verify || update {
        let (outputs, changes) = Verifier(tolerance: tolerance).verify(file, fileName: path)
        if update {
          do {
            // Only the entries whose output changed are rewritten (a timing that merely
            // differs keeps its recorded figures, so the diff shows real changes only).
            let changed = Set(changes.map(\.entry.line))
            let kept = zip(file.entries, outputs).map { changed.contains($0.line) ? $1 : $0.recordedOutput }
            try FileIO.writeAtomically(file.rendered(outputs: kept), to: path, overwrite: true)
          } catch {
            writeErr("error: \(error)")
            throw ExitCode(1)
          }
          writeOut("\(path): \(changes.isEmpty ? "up to date" : "updated \(changes.count) entr\(changes.count == 1 ? "y" : "ies")")")
          continue
        }
        for change in changes { writeErr(Verifier.describe(change, fileName: path)) }
        writeOut("\(path): \(file.entries.count - changes.count)/\(file.entries.count) entries verified" + (changes.isEmpty ? "" : ", \(changes.count) changed"))
        allOK = allOK && changes.isEmpty
        continue
      }
      let session = Session()
      var runner = ScriptRunner(session: session, write: writeOut, writeError: writeErr)
      runner.json = script.json
      runner.keepGoing = script.keepGoing
      runner.color = stderrWantsColor()
      let (ok, _) = runner.run(file, fileName: path)
      allOK = allOK && ok
      if !ok && !script.keepGoing { break }
    }
    throw ExitCode(allOK ? 0 : 1)
  }
}

/// How scripts run, for `nabla run`, `nabla -e` and a pipe. One option group shared by the
/// root command and `run`: flags declared on both separately would all go to the root.
struct ScriptOptions: ParsableArguments {
  @Flag(help: "Print one JSON object per entry (for autograders and scripts).")
  var json = false

  @Flag(help: "Go on after an entry fails (the exit status is still 1).")
  var keepGoing = false
}
