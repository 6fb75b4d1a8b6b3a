#if canImport(Glibc)
  import Glibc
#endif

/// The crash journal: every successful entry and its output is appended to
/// `$XDG_STATE_HOME/nabla/journal.nabla` as a session file the moment it has run, with one
/// `write` per entry, so a crash or `kill -9` loses at most the entry that was running.
///
/// A running REPL holds a lock on its journal. When one starts, the previous session's
/// journal is kept as `journal.last.nabla` (unless that session ran no entry, so starting
/// and quitting does not push out a crashed session). A second REPL running at the same
/// time journals to `journal.PID.nabla`, so neither loses the other's work; that file is
/// removed when it ends normally and stays for recovery when it crashes.
///
/// `:recover` and `nabla --recover` replay the newest journal that no running REPL holds.
/// A journal that ends normally gets a last line (`endMark`); one without it ended in a
/// crash, which the next REPL mentions.
public final class Journal {
  /// Where entries are appended.
  public let path: String
  /// The folder of the journals.
  public let directory: String
  private var fd: Int32
  /// Whether this is a second REPL's own file, removed when it ends normally.
  private let isSecondary: Bool
  private var ended = false

  /// Starts a fresh journal in `directory`, keeping the previous one for recovery.
  public init?(directory: String = FileIO.stateDirectory()) {
    self.directory = directory
    let main = directory + "/journal.nabla"
    // Whoever holds the lock on journal.nabla is a REPL running now.
    let probe = open(main, O_RDWR | O_CREAT, 0o600)
    if probe >= 0 && flock(probe, LOCK_EX | LOCK_NB) == 0 {
      if Journal.hasEntries(main) { rename(main, Journal.lastPath(in: directory)) }
      close(probe)
      path = main
      isSecondary = false
    } else {
      if probe >= 0 { close(probe) }
      path = directory + "/journal.\(getpid()).nabla"
      isSecondary = true
    }
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0o600)
    if fd < 0 { return nil }
    // Held until this process ends, however it ends.
    _ = flock(fd, LOCK_EX | LOCK_NB)
    _ = FileIO.writeAll(fd, Array(Journal.header.utf8))
  }

  deinit { if fd >= 0 { close(fd) } }

  /// Marks a normal end (`:quit`, Ctrl-D): a second REPL's journal is removed, the main
  /// one gets `endMark` so the next REPL knows it did not crash.
  public func end() {
    guard !ended else { return }
    ended = true
    if isSecondary {
      unlink(path)
    } else {
      _ = FileIO.writeAll(fd, Array(Journal.endMark.utf8))
    }
  }

  /// The previous session's journal.
  public static func lastPath(in directory: String = FileIO.stateDirectory()) -> String {
    directory + "/journal.last.nabla"
  }

  /// The journal to recover: the newest one with entries that no running REPL holds, other
  /// than `excluding` (the caller's own); nil when there is none.
  public static func recoverablePath(
    in directory: String = FileIO.stateDirectory(), excluding: String? = nil
  ) -> String? {
    candidates(in: directory).first { $0.path != excluding }?.path
  }

  /// Journals that ended in a crash and have not been recovered since, newest first: what a
  /// starting REPL mentions. Only their last bytes are read (see `entryCount(_:)`).
  public static func crashed(
    in directory: String = FileIO.stateDirectory(), excluding: String? = nil
  ) -> [String] {
    candidates(in: directory).filter { $0.path != excluding && !$0.endedNormally }.map(\.path)
  }

  /// How many entries the journal at `path` holds (it is read and split).
  public static func entryCount(_ path: String) -> Int {
    SessionFile(parsing: (try? FileIO.readText(path)) ?? "").entries.count
  }

  private static let header = "# Nabla journal: the entries of the running session\n"
  /// The last line of a journal whose session ended normally.
  static let endMark = "# session ended\n"

  /// Unlocked journals with entries, newest first, and whether each ended normally. Run at
  /// every start of the REPL, so it reads no journal whole.
  private static func candidates(in directory: String) -> [(path: String, endedNormally: Bool)] {
    guard let folder = opendir(directory) else { return [] }
    defer { closedir(folder) }
    var found: [(path: String, time: Int, endedNormally: Bool)] = []
    while let item = readdir(folder) {
      let name = withUnsafeBytes(of: item.pointee.d_name) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
      guard name.hasPrefix("journal."), name.hasSuffix(".nabla") else { continue }
      let path = directory + "/" + name
      guard hasEntries(path), !isHeld(path) else { continue }
      var info = stat()
      guard stat(path, &info) == 0 else { continue }
      found.append((path, info.st_mtim.tv_sec, endsWithMark(path)))
    }
    return found.sorted { $0.time > $1.time }.map { ($0.path, $0.endedNormally) }
  }

  /// Whether the file at `path` ends with `endMark` (its last bytes only are read).
  private static func endsWithMark(_ path: String) -> Bool {
    let mark = Array(endMark.utf8)
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0, Int(info.st_size) >= mark.count else { return false }
    var tail = [UInt8](repeating: 0, count: mark.count)
    let read = tail.withUnsafeMutableBytes {
      pread(fd, $0.baseAddress, mark.count, off_t(Int(info.st_size) - mark.count))
    }
    return read == mark.count && tail == mark
  }

  /// Marks a crashed journal as dealt with once it has been recovered, so it is not
  /// mentioned again.
  public static func markRecovered(_ path: String) {
    guard !endsWithMark(path) else { return }
    let fd = open(path, O_WRONLY | O_APPEND)
    guard fd >= 0 else { return }
    _ = FileIO.writeAll(fd, Array(endMark.utf8))
    close(fd)
  }

  /// Whether a running REPL holds the journal at `path`.
  private static func isHeld(_ path: String) -> Bool {
    let probe = open(path, O_RDONLY)
    guard probe >= 0 else { return false }
    defer { close(probe) }
    if flock(probe, LOCK_SH | LOCK_NB) == 0 {
      flock(probe, LOCK_UN)
      return false
    }
    return true
  }

  /// Whether the journal at `path` holds any entry (not only its header and end lines).
  static func hasEntries(_ path: String) -> Bool {
    var info = stat()
    guard stat(path, &info) == 0, Int(info.st_size) > header.utf8.count else { return false }
    guard Int(info.st_size) <= header.utf8.count + endMark.utf8.count else { return true }
    let text = (try? FileIO.readText(path)) ?? ""
    return !SessionFile(parsing: text).entries.isEmpty
  }

  /// Appends one entry and its output.
  public func append(_ entry: RecordedEntry) {
    var text = entry.text + "\n"
    for line in entry.output { text += (line.isEmpty ? "#=>" : SessionFile.outputPrefix + line) + "\n" }
    _ = FileIO.writeAll(fd, Array(text.utf8))
  }
}
