// Every C call of NablaTerminal lives in this file: libedit (through CEditLine) and the C
// library (terminal size, locale, signals, files). The rest of the module calls the wrappers
// below and imports no C.
@preconcurrency import CEditLine
import NablaSession
import Synchronization

#if canImport(Glibc)
  @preconcurrency import Glibc
#endif

// MARK: - The C library

/// Thin wrappers over the C library.
enum System {
  /// Writes all of `text` to `fd`, retrying after signals (Ctrl-C interrupts `write`).
  static func write(_ text: String, to fd: Int32) {
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
      let n = bytes.withUnsafeMutableBytes { buffer in
        Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
      }
      if n < 0 && errno == EINTR { continue }
      if n <= 0 { return }
      offset += n
    }
    bytes.removeAll()
  }

  /// Whether `fd` is a terminal.
  static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) != 0 }

  /// An environment variable, or nil when unset.
  static func environment(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
  }

  /// The width of the terminal on stdout (or stderr, or stdin), if there is one.
  static func terminalColumns() -> Int? {
    var size = winsize()
    for fd: Int32 in [1, 2, 0] where ioctl(fd, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 {
      return Int(size.ws_col)
    }
    return nil
  }

  /// The size of the terminal on stdout (or stdin), if there is one.
  static func terminalSize() -> (columns: Int, rows: Int)? {
    var size = winsize()
    for fd: Int32 in [1, 0, 2] where ioctl(fd, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 && size.ws_row > 0 {
      return (Int(size.ws_col), Int(size.ws_row))
    }
    return nil
  }

  /// Adopts the user's locale (libedit needs it for non-ASCII input) and says whether it is
  /// UTF-8, so that `∇` and box characters can be printed.
  static func adoptLocale() -> Bool {
    setlocale(LC_ALL, "")
    guard let codeset = nl_langinfo(nl_item(CODESET)) else { return false }
    let name = String(cString: codeset).uppercased()
    return name == "UTF-8" || name == "UTF8"
  }

  /// Seconds on a monotonic clock.
  static func monotonicSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
  }

  /// The home directory: `$HOME`, else the password database.
  static func homeDirectory() -> String? {
    if let home = environment("HOME"), !home.isEmpty { return home }
    guard let entry = getpwuid(getuid()), let dir = entry.pointee.pw_dir else { return nil }
    return String(cString: dir)
  }

  /// Creates `path` and its missing parents (mode 0700, as XDG asks for state); returns
  /// nil on success, else why not.
  static func makeDirectories(_ path: String) -> String? {
    var prefix = path.hasPrefix("/") ? "/" : ""
    for component in path.split(separator: "/") {
      prefix += component
      if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
        return "cannot create \(prefix): \(String(cString: strerror(errno)))"
      }
      prefix += "/"
    }
    var info = stat()
    guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
      return "\(path) is not a directory"
    }
    return nil
  }

  /// The entries of a directory (without `.` and `..`), or nil when it cannot be read.
  static func directoryEntries(_ path: String) -> [DirectoryEntry]? {
    guard let dir = opendir(path) else { return nil }
    defer { closedir(dir) }
    var entries: [DirectoryEntry] = []
    while let entry = readdir(dir) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
      }
      if name == "." || name == ".." { continue }
      var isDirectory = entry.pointee.d_type == UInt8(DT_DIR)
      if entry.pointee.d_type == UInt8(DT_LNK) || entry.pointee.d_type == UInt8(DT_UNKNOWN) {
        var info = stat()
        let full = path.hasSuffix("/") ? path + name : path + "/" + name
        isDirectory = stat(full, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
      }
      entries.append(DirectoryEntry(name: name, isDirectory: isDirectory))
    }
    return entries
  }

  /// `ENOENT`: what reading a file that does not exist fails with.
  static var noSuchFile: Int32 { ENOENT }

  /// The message of an `errno` value.
  static func describe(errno code: Int32) -> String { String(cString: strerror(code)) }
}

// MARK: - Ctrl-C

/// SIGINT handling. A `sigaction` handler without `SA_RESTART` sets a flag, so a blocked
/// `read` (libedit waiting for a key) returns and `readline` gives NULL; while an entry runs
/// it also sets the session's cancellation flag, which long commands poll. A third Ctrl-C
/// during one entry (a command that does not poll) quits the process.
enum Interrupts {
  private static let pending = Atomic<Bool>(false)
  private static let duringEntry = Atomic<Int>(0)
  /// The address of the running entry's `Cancellation` (unretained: the session outlives
  /// the entry), or 0.
  private static let target = Atomic<UInt>(0)

  /// Installs the handler (once, before the first `readline`).
  ///
  /// Signals are unblocked first: a process may inherit a mask that blocks them (a parent
  /// spawning with everything blocked), and then Ctrl-C, a resize or a hang-up would never
  /// arrive.
  static func install() {
    var unblocked = sigset_t()
    sigemptyset(&unblocked)
    for signal in [SIGINT, SIGHUP, SIGTERM, SIGQUIT, SIGTSTP, SIGCONT, SIGWINCH] {
      sigaddset(&unblocked, signal)
    }
    pthread_sigmask(SIG_UNBLOCK, &unblocked, nil)
    var action = sigaction()
    action.__sigaction_handler.sa_handler = { _ in Interrupts.handle() }
    sigemptyset(&action.sa_mask)
    action.sa_flags = 0
    sigaction(SIGINT, &action, nil)
  }

  /// Runs in the signal handler: only atomics, `write` and `_exit`.
  private static func handle() {
    pending.store(true, ordering: .sequentiallyConsistent)
    guard
      let pointer = UnsafeMutableRawPointer(
        bitPattern: target.load(ordering: .sequentiallyConsistent))
    else {
      return
    }
    Unmanaged<Cancellation>.fromOpaque(pointer)._withUnsafeGuaranteedRef { $0.cancel() }
    switch duringEntry.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue {
    case 1:
      break
    case 2:
      // Some work (one huge matmul) cannot stop midway; say what a third Ctrl-C does.
      let message = "\n(stopping as soon as it can; Ctrl-C again quits nabla)\n"
      _ = message.withCString { Glibc.write(2, $0, strlen($0)) }
    default:
      let message = "\nnabla: interrupted three times; quitting\n"
      _ = message.withCString { Glibc.write(2, $0, strlen($0)) }
      _exit(130)
    }
  }

  /// Whether Ctrl-C was pressed since the last call; clears the flag.
  static func takePending() -> Bool {
    pending.exchange(false, ordering: .sequentiallyConsistent)
  }

  /// Runs `body` with Ctrl-C routed to `cancellation`.
  static func routing<T>(to cancellation: Cancellation, _ body: () -> T) -> T {
    duringEntry.store(0, ordering: .sequentiallyConsistent)
    let address = UInt(bitPattern: Unmanaged.passUnretained(cancellation).toOpaque())
    target.store(address, ordering: .sequentiallyConsistent)
    defer {
      target.store(0, ordering: .sequentiallyConsistent)
      withExtendedLifetime(cancellation) {}
    }
    return body()
  }
}

// MARK: - libedit

/// libedit's readline interface: one line with editing, the history, and Tab completion.
/// libedit keeps all of this in global state, so this is an enum over that state.
enum EditLine {
  /// Characters that end a word for libedit's completion; the completer finds its own word
  /// and `CompletionMatches.reconcile` fits its candidates to libedit's word.
  private static let wordBreaks = " \t\n()[],+-*/^@=<>;{}!&|"

  /// Sets up editing and completion (once, before the first `readLine`).
  static func configure() {
    rl_readline_name = UnsafePointer(strdup("nabla"))
    rl_basic_word_break_characters = UnsafePointer(strdup(wordBreaks))
    rl_completer_word_break_characters = strdup(wordBreaks)
    rl_attempted_completion_function = completionCallback
    rl_completion_append_character = 0
    rl_initialize()
    using_history()
  }

  /// Reads one line showing `prompt`; nil on end of input or on Ctrl-C (see `Interrupts`).
  /// Invisible parts of the prompt (colour codes) must sit between `\u{1}` and `\u{2}`.
  static func readLine(prompt: String) -> String? {
    guard let raw = readline(prompt) else { return nil }
    defer { free(raw) }
    return String(cString: raw)
  }

  /// Keeps at most `count` entries.
  static func limitHistory(to count: Int) { stifle_history(Int32(count)) }

  /// Appends an entry to the history.
  static func addHistory(_ line: String) { add_history(line) }

  /// The newest history entry.
  static var lastHistoryEntry: String? {
    guard history_length > 0, let entry = history_get(history_base + history_length - 1),
      let line = entry.pointee.line
    else { return nil }
    return String(cString: line)
  }

  /// Loads a history file; returns an errno (0 on success).
  static func readHistory(from path: String) -> Int32 { read_history(path) }

  /// Writes the history to a file; returns an errno (0 on success).
  static func writeHistory(to path: String) -> Int32 { write_history(path) }

  /// What completion offers, read by the libedit callback.
  static let completer = Mutex<Completer>(Completer())

  /// libedit's completion callback: the completer's candidates for the text before the
  /// cursor, as a NULL-terminated `malloc`ed array of `strdup`ed strings headed by their
  /// common prefix (libedit frees them). `text` is libedit's own word, which ends at the
  /// cursor (`end`, in characters).
  private static let completionCallback:
    @convention(c) (UnsafePointer<CChar>?, Int32, Int32) -> UnsafeMutablePointer<
      UnsafeMutablePointer<CChar>?
    >? = {
      text, _, end in
      // Without this libedit falls back to completing file names.
      rl_attempted_completion_over = 1
      let libeditWord = text.map { String(cString: $0) } ?? ""
      let line = rl_line_buffer.map { String(cString: $0) } ?? ""
      let beforeCursor = String(
        String.UnicodeScalarView(line.unicodeScalars.prefix(Int(max(0, end)))))
      let completer = EditLine.completer.withLock { $0 }
      let completion = completer.complete(beforeCursor)
      let matches = CompletionMatches.reconcile(completion, withWord: libeditWord)
      guard !matches.isEmpty else { return nil }
      let strings = [CompletionMatches.commonPrefix(matches)] + matches
      let size = MemoryLayout<UnsafeMutablePointer<CChar>?>.stride * (strings.count + 1)
      guard let memory = malloc(size) else { return nil }
      let array = memory.bindMemory(
        to: UnsafeMutablePointer<CChar>?.self, capacity: strings.count + 1)
      for (i, s) in strings.enumerated() { array[i] = strdup(s) }
      array[strings.count] = nil
      return array
    }
}
