/// Reads lines with libedit (emacs keys, history on the arrows and Ctrl-R, Tab completion)
/// and keeps the history in a file between runs.
final class LineEditor {
  /// What one read gave.
  enum Input: Equatable {
    case line(String)
    /// Ctrl-C.
    case interrupted
    /// Ctrl-D on an empty line, or the end of input.
    case end
  }

  /// The history file, if there is a place for one.
  let historyPath: String?
  /// Why the history cannot be kept, to tell the user once.
  private(set) var historyProblem: String?

  init(historyPath: String?) {
    self.historyPath = historyPath
    EditLine.configure()
    EditLine.limitHistory(to: History.limit)
    EditLine.completer.withLock {
      $0.listDirectory = { System.directoryEntries($0) }
      $0.homeDirectory = System.homeDirectory()
    }
    guard let historyPath else {
      historyProblem = "history is not saved: no home directory"
      return
    }
    let directory = String(
      historyPath[..<(historyPath.lastIndex(of: "/") ?? historyPath.startIndex)])
    if let problem = System.makeDirectories(directory) {
      historyProblem = "history is not saved: \(problem)"
      return
    }
    let code = EditLine.readHistory(from: historyPath)
    if code != 0 && code != System.noSuchFile {
      historyProblem = "cannot read the history \(historyPath): \(System.describe(errno: code))"
    }
  }

  /// Reads one line, showing `prompt`.
  func read(prompt: String) -> Input {
    _ = Interrupts.takePending()
    if let line = EditLine.readLine(prompt: prompt) { return .line(line) }
    return Interrupts.takePending() ? .interrupted : .end
  }

  /// Adds an entry to the history (as one line, unless it repeats the last one) and saves
  /// the history file.
  func remember(_ entry: String) {
    let line = History.line(for: entry)
    guard !line.allSatisfy(\.isWhitespace), line != EditLine.lastHistoryEntry else { return }
    EditLine.addHistory(line)
    save()
  }

  /// Writes the history file.
  func save() {
    guard let historyPath, historyProblem == nil else { return }
    let code = EditLine.writeHistory(to: historyPath)
    if code != 0 {
      historyProblem = "cannot write the history \(historyPath): \(System.describe(errno: code))"
    }
  }

  /// The names completion offers.
  func updateNames(tensors: [String], functions: [String]) {
    EditLine.completer.withLock {
      $0.tensors = tensors
      $0.functions = functions
    }
  }
}
