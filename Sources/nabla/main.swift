import ArgumentParser
import NablaCore
import NablaLanguage
import NablaSession

#if canImport(Glibc)
  import Glibc
#endif

/// The version printed by `--version` and the banner.
let nablaVersion = "0.1.0"

func writeOut(_ s: String) {
  print(s)
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

  @Option(name: .shortAndLong, help: ArgumentHelp("Run one entry and exit.", valueName: "entry"))
  var entry: [String] = []

  @Flag(help: "Print one JSON object per entry.")
  var json = false

  mutating func run() throws {
    let session = Session()
    var runner = ScriptRunner(session: session, write: writeOut, writeError: writeErr)
    runner.json = json
    runner.color = stderrWantsColor()
    if !entry.isEmpty {
      var ok = true
      for text in entry {
        let result = session.run(text, fileName: nil, line: 1)
        runner.report(result, line: 1)
        if !result.succeeded { ok = false; break }
      }
      throw ExitCode(ok ? 0 : 1)
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

  @Flag(help: "Print one JSON object per entry (for autograders and scripts).")
  var json = false

  @Flag(help: "Go on after an entry fails (the exit status is still 1).")
  var keepGoing = false

  mutating func run() throws {
    var allOK = true
    for path in files {
      guard let data = FileManagerLite.read(path) else {
        writeErr("error: cannot read \(path)")
        throw ExitCode(1)
      }
      let session = Session()
      var runner = ScriptRunner(session: session, write: writeOut, writeError: writeErr)
      runner.json = json
      runner.keepGoing = keepGoing
      runner.color = stderrWantsColor()
      let (ok, _) = runner.run(SessionFile(parsing: data), fileName: path)
      allOK = allOK && ok
      if !ok && !keepGoing { break }
    }
    throw ExitCode(allOK ? 0 : 1)
  }
}

/// Reads a whole file as UTF-8.
enum FileManagerLite {
  static func read(_ path: String) -> String? {
    guard let f = fopen(path, "rb") else { return nil }
    defer { fclose(f) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let n = fread(&buffer, 1, buffer.count, f)
      if n <= 0 { break }
      bytes += buffer[0..<n]
    }
    return String(validating: bytes, as: UTF8.self)
  }
}
