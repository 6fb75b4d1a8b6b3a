#if canImport(Glibc)
  import Glibc
#endif

/// The crash journal: every successful entry and its output is appended to
/// `$XDG_STATE_HOME/nabla/journal.nabla` as a session file the moment it has run, with one
/// `write` per entry, so a crash or `kill -9` loses at most the entry that was running.
///
/// When the REPL starts, the previous session's journal is kept as `journal.last.nabla`
/// (unless that session ran no entry, so starting and quitting does not lose a crashed
/// session); `:recover` and `nabla --recover` replay that file.
public final class Journal {
  /// Where entries are appended.
  public let path: String
  private var fd: Int32

  /// Starts a fresh journal in `directory`, keeping the previous one for recovery.
  public init?(directory: String = FileIO.stateDirectory()) {
    path = directory + "/journal.nabla"
    if Journal.hasEntries(path) {
      rename(path, Journal.lastPath(in: directory))
    }
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0o600)
    if fd < 0 { return nil }
    _ = FileIO.writeAll(fd, Array(Journal.header.utf8))
  }

  deinit { if fd >= 0 { close(fd) } }

  /// The previous session's journal.
  public static func lastPath(in directory: String = FileIO.stateDirectory()) -> String {
    directory + "/journal.last.nabla"
  }

  /// The journal a session without one of its own recovers from: the last session's, which
  /// is `journal.nabla` until the next REPL starts and `journal.last.nabla` after.
  public static func recoverablePath(in directory: String = FileIO.stateDirectory()) -> String {
    let current = directory + "/journal.nabla"
    return hasEntries(current) ? current : lastPath(in: directory)
  }

  private static let header = "# Nabla journal: the entries of the running session\n"

  /// Whether the journal at `path` holds any entry (more than its header line).
  static func hasEntries(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && Int(info.st_size) > header.utf8.count
  }

  /// Appends one entry and its output.
  public func append(_ entry: RecordedEntry) {
    var text = entry.text + "\n"
    for line in entry.output { text += (line.isEmpty ? "#=>" : SessionFile.outputPrefix + line) + "\n" }
    _ = FileIO.writeAll(fd, Array(text.utf8))
  }
}
