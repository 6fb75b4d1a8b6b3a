import NablaLanguage
import NablaSession

/// The interactive notebook on a terminal: reads entries with line editing, history and Tab
/// completion, runs them in a session and shows the results, until `:quit` or Ctrl-D.
///
///     let status = REPL(version: "0.1.0").run()
///
/// Ctrl-C at the prompt drops the line being typed; during an entry it stops the command and
/// the session stays as it was. Long commands draw a progress bar on stderr. Tensors wrap to
/// the terminal's width.
public final class REPL {
  /// The session entries run in.
  public let session: Session
  private let version: String
  private var style = Style(color: false, unicode: false)
  /// Whether what goes to stderr is coloured.
  private var errorColor = false
  private var progress: ProgressBar?

  /// A REPL over `session`, whose banner shows `version`.
  public init(version: String, session: Session = Session()) {
    self.version = version
    self.session = session
  }

  /// Runs until `:quit` or Ctrl-D; returns the exit status. `startup` entries (such as
  /// `:recover` for `nabla --recover`) run first, after the banner, as if typed.
  public func run(startup: [String] = []) -> Int32 {
    let unicode = System.adoptLocale()
    style = Style(
      color: Style.wantsColor(
        environment: System.environment, outputIsTerminal: System.isTerminal(1)),
      unicode: unicode)
    // Plots draw in braille only where the locale can show it.
    session.settings.unicode = unicode
    // Diagnostics and the progress bar go to stderr, which may be a file (`nabla 2>log`).
    let stderrIsTerminal = System.isTerminal(2)
    errorColor = style.color && stderrIsTerminal
    Interrupts.install()
    let editor = LineEditor(
      historyPath: History.path(environment: System.environment, home: System.homeDirectory()))
    let term = System.environment("TERM") ?? ""
    let progress = ProgressBar(
      columns: System.terminalColumns() ?? 80, unicode: unicode,
      canEraseLine: !term.isEmpty && term != "dumb",
      write: { System.write($0, to: 2) })
    self.progress = progress
    if stderrIsTerminal { session.onProgress = { progress.report($0) } }
    // `:load` shows each entry as it runs, not all of them at the end.
    session.onOutput = { [style] lines in
      progress.finish()
      System.write(style.plain(lines).joined(separator: "\n") + "\n", to: 1)
    }

    System.write(style.banner(version: version), to: 1)
    if let problem = editor.historyProblem { warn(problem) }
    // Every successful entry goes to the crash journal, which `:recover` replays next time.
    if session.journal == nil {
      session.journal = Journal()
      if session.journal == nil {
        warn("no crash journal: cannot write to \(FileIO.stateDirectory())")
      }
    }
    defer { session.journal?.end() }
    if startup.isEmpty, let crashed = Journal.crashed(excluding: session.journal?.path).first {
      let entries = Journal.entryCount(crashed)
      note(
        "the last session ended without :quit or Ctrl-D (\(entries) entr\(entries == 1 ? "y" : "ies")); :recover restores it"
      )
    }
    for text in startup where execute(text) { return 0 }

    while true {
      editor.updateNames(
        tensors: Array(session.tensors.keys), functions: Array(session.functions.keys))
      switch readEntry(editor) {
      case .end:
        // libedit leaves the cursor after the prompt (and `^D`).
        System.write("\n", to: 1)
        return 0
      case .interrupted:
        continue
      case .entry(let text):
        editor.remember(text)
        if let problem = editor.historyProblem { warn(problem) }
        // The history file was written as the entry was remembered.
        if execute(text) { return 0 }
      }
    }
  }

  private enum EntryInput {
    case entry(String)
    case interrupted
    case end
  }

  /// Reads one entry, with continuation lines while a bracket is open.
  private func readEntry(_ editor: LineEditor) -> EntryInput {
    var lines: [String] = []
    while true {
      switch editor.read(prompt: lines.isEmpty ? style.prompt : style.continuationPrompt) {
      case .line(let line):
        if lines.isEmpty && line.allSatisfy(\.isWhitespace) { continue }
        lines.append(line)
        let text = lines.joined(separator: "\n")
        if !Parser.isIncomplete(text) { return .entry(text) }
      case .interrupted:
        // The typed text stays on screen above; like a shell, mark it and start afresh.
        System.write("^C\n", to: 1)
        return .interrupted
      case .end:
        if lines.isEmpty { return .end }
        // Ctrl-D inside brackets: run what there is, so the error says what is missing.
        System.write("\n", to: 1)
        return .entry(lines.joined(separator: "\n"))
      }
    }
  }

  /// Runs one entry and shows its result; returns whether the REPL should end.
  private func execute(_ text: String) -> Bool {
    if let columns = System.terminalColumns() {
      session.settings.format.lineWidth = max(20, columns - 1)
      progress?.columns = columns
    }
    let result = Interrupts.routing(to: session.cancellation) { session.run(text) }
    progress?.finish()
    _ = Interrupts.takePending()
    var output = result.output
    let onTerminal = System.isTerminal(0) && System.isTerminal(1)
    if case .showGraph(let snapshot)? = result.action, onTerminal {
      // The pane shows the graph; the scrollback keeps the listing's title line. If the
      // pane cannot open (unknown TERM), say why and print the whole listing.
      if let problem = GraphPane.show(snapshot, unicode: style.unicode) {
        System.write(
          (errorColor ? "\u{1B}[1;33mnote:\u{1B}[0m " : "note: ") + problem + "\n", to: 2)
      } else {
        output = Array(output.prefix(1))
      }
    }
    if !output.isEmpty {
      // Tones count the result's lines; the graph pane may have shortened the output.
      let coloured =
        output.count == result.output.count ? style.colour(output, tones: result.tones) : output
      System.write(
        style.plain(style.decorate(coloured, entry: text)).joined(separator: "\n") + "\n", to: 1)
    }
    if !result.diagnostics.isEmpty {
      System.write(style.plain([result.renderedDiagnostics(color: errorColor)])[0] + "\n", to: 2)
    }
    switch result.action {
    case .quit?:
      return true
    case .showGraph?:
      // Shown above, before the output.
      return false
    case nil:
      return false
    }
  }

  private var warnedProblems: Set<String> = []

  /// Prints a note about the REPL itself (not an entry).
  private func note(_ message: String) {
    let prefix = errorColor ? "\u{1B}[1;36mnote:\u{1B}[0m " : "note: "
    System.write(prefix + message + "\n", to: 2)
  }

  /// Prints a warning about the REPL itself (not an entry), once per message.
  private func warn(_ message: String) {
    guard warnedProblems.insert(message).inserted else { return }
    let prefix = errorColor ? "\u{1B}[1;33mwarning:\u{1B}[0m " : "warning: "
    System.write(prefix + message + "\n", to: 2)
  }
}
