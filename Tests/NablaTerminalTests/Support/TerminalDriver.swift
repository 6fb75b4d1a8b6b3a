/// The one test helper of the end-to-end tests: the built `nabla` binary running in a
/// private tmux server, driven by keystrokes and read back from the screen, as a person
/// would use it.
///
///     let repl = try TerminalDriver()
///     try repl.waitForPrompt()
///     let output = try repl.enter("1 + 1")  // ["2.0"]
///     repl.press("C-d")
///     try repl.waitFor("EXITED rc=0")
///
/// Every wait polls `capture-pane` (no fixed sleeps) and fails with the screen in the
/// message after a timeout.

import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

struct TerminalError: Error, CustomStringConvertible {
  var description: String
}

final class TerminalDriver {
  /// The private tmux server's socket name.
  let socket: String
  /// `XDG_STATE_HOME` of the REPL (where the history goes).
  let stateHome: String
  /// The prompt as the screen shows it (capture-pane trims the trailing space).
  let prompt: String
  private let tmux: String
  private let ownsStateHome: Bool

  /// Starts `nabla` (no arguments) in a new tmux server, `width`×`height`, with
  /// `LANG=C.UTF-8`, `XDG_STATE_HOME=stateHome` and `environment` added. After the REPL
  /// ends, the shell prints `EXITED rc=N` and the terminal's `icanon`/`echo` modes.
  init(
    stateHome: String? = nil, width: Int = 100, height: Int = 40, directory: String? = nil,
    environment: [String: String] = [:], prompt: String = "∇>", arguments: [String] = []
  ) throws {
    tmux = try TerminalDriver.findTmux()
    let binary = try TerminalDriver.nablaBinary()
    self.stateHome = try stateHome ?? TerminalDriver.makeTemporaryDirectory()
    self.prompt = prompt
    socket = "nabla-test-\(getpid())-\(UUID().uuidString.prefix(8))"
    ownsStateHome = stateHome == nil
    var env = ["LANG": "C.UTF-8", "LC_ALL": "", "XDG_STATE_HOME": self.stateHome, "NO_COLOR": ""]
    env.merge(environment) { $1 }
    // The terminal modes after exit show whether nabla restored the terminal.
    let command =
      "\(([binary] + arguments).joined(separator: " ")); echo \"EXITED rc=$?\"; stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e -icanon -e echo -e -echo | tr '\\n' ' '; echo; sleep 600"
    var arguments = ["new-session", "-d", "-s", "t", "-x", "\(width)", "-y", "\(height)"]
    if let directory { arguments += ["-c", directory] }
    for (key, value) in env.sorted(by: { $0.key < $1.key }) {
      arguments += ["-e", "\(key)=\(value)"]
    }
    arguments.append(command)
    try run(arguments)
  }

  deinit {
    _ = try? run(["kill-server"])
    // tmux leaves its socket behind.
    let socketDirectory =
      (ProcessInfo.processInfo.environment["TMUX_TMPDIR"] ?? "/tmp") + "/tmux-\(getuid())"
    unlink(socketDirectory + "/" + socket)
    if ownsStateHome { try? FileManager.default.removeItem(atPath: stateHome) }
  }

  // MARK: Keys

  /// Types `text` literally.
  func type(_ text: String) {
    _ = try? run(["send-keys", "-t", "t", "-l", text])
  }

  /// Presses keys by tmux name: `Enter`, `Tab`, `Up`, `C-c`, `C-d`, `C-r`, `C-u`.
  func press(_ keys: String...) {
    _ = try? run(["send-keys", "-t", "t"] + keys)
  }

  /// Changes the terminal's size.
  func resize(width: Int, height: Int) throws {
    try run(["resize-window", "-t", "t", "-x", "\(width)", "-y", "\(height)"])
  }

  // MARK: Screen

  /// The whole screen and its scrollback, trailing blank lines removed.
  func screen(colors: Bool = false) -> String {
    let arguments = ["capture-pane", "-p", "-t", "t", "-S", "-"] + (colors ? ["-e"] : [])
    let text = (try? run(arguments)) ?? ""
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    while let last = lines.last, last.trimmingCharacters(in: .whitespaces).isEmpty {
      lines.removeLast()
    }
    return lines.joined(separator: "\n")
  }

  /// The screen's lines.
  var lines: [String] {
    screen().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
  }

  /// The last non-blank line: where the cursor is while typing.
  var currentLine: String { lines.last ?? "" }

  /// How many prompts the screen shows (each entry adds one).
  var promptCount: Int { lines.filter { $0 == prompt || $0.hasPrefix(prompt + " ") }.count }

  /// Waits until `condition` holds for the screen; returns the screen.
  @discardableResult
  func waitUntil(
    _ what: String, timeout: Double = 20, _ condition: (String) -> Bool
  ) throws -> String {
    let deadline = Date().addingTimeInterval(timeout)
    var interval = 0.01
    while true {
      let text = screen()
      if condition(text) { return text }
      if Date() > deadline {
        throw TerminalError(
          description: "timed out after \(timeout) s waiting for \(what); the screen:\n\(text)")
      }
      Thread.sleep(forTimeInterval: interval)
      interval = min(0.1, interval * 1.5)
    }
  }

  /// Waits until the screen contains `text`.
  @discardableResult
  func waitFor(_ text: String, timeout: Double = 20) throws -> String {
    try waitUntil("'\(text)'", timeout: timeout) { $0.contains(text) }
  }

  /// Waits until the cursor's line is `line` exactly (as typed after the prompt, say).
  func waitForLine(_ line: String, timeout: Double = 20) throws {
    try waitUntil("the line '\(line)'", timeout: timeout) { _ in self.currentLine == line }
  }

  /// Waits for an empty prompt, the `count`th on the screen when given.
  func waitForPrompt(count: Int? = nil, timeout: Double = 20) throws {
    try waitUntil("prompt \(count.map(String.init) ?? "")", timeout: timeout) { _ in
      self.currentLine == self.prompt && (count == nil || self.promptCount >= count!)
    }
  }

  /// Types `text`, presses Enter, waits for the next prompt and returns the lines printed
  /// in between.
  @discardableResult
  func enter(_ text: String, timeout: Double = 20) throws -> [String] {
    try waitForPrompt(timeout: timeout)
    let before = promptCount
    type(text)
    press("Enter")
    try waitForPrompt(count: before + 1, timeout: timeout)
    let lines = self.lines
    guard let echo = lines.lastIndex(where: { $0.hasPrefix(prompt + " ") && $0.hasSuffix(text) })
    else {
      throw TerminalError(description: "'\(text)' is not on the screen:\n\(screen())")
    }
    return Array(lines[(echo + 1)..<(lines.count - 1)])
  }

  /// Kills `nabla` with SIGKILL, as a crash would: no handler, no clean-up.
  func killNabla() throws {
    // The pane runs a shell, and nabla is the shell's child.
    let shell = try run(["list-panes", "-t", "t", "-F", "#{pane_pid}"])
      .trimmingCharacters(in: .whitespacesAndNewlines)
    let children = try String(contentsOfFile: "/proc/\(shell)/task/\(shell)/children", encoding: .utf8)
    guard let pid = children.split(separator: " ").first.flatMap({ Int32($0) }) else {
      throw TerminalError(description: "nabla is not running under the pane's shell \(shell)")
    }
    kill(pid, SIGKILL)
  }

  // MARK: Set-up

  @discardableResult
  private func run(_ arguments: [String]) throws -> String {
    var environment = ProcessInfo.processInfo.environment
    environment["TMUX"] = nil
    let (status, text) = try Spawn.run(
      tmux, ["-L", socket, "-f", "/dev/null"] + arguments, environment: environment)
    if status != 0 && arguments.first != "kill-server" {
      throw TerminalError(description: "tmux \(arguments.joined(separator: " ")) failed: \(text)")
    }
    return text
  }

  /// `tmux` on the PATH; a clear failure when it is missing.
  static func findTmux() throws -> String {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for directory in path.split(separator: ":") {
      let candidate = "\(directory)/tmux"
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    throw TerminalError(
      description:
        "tmux is not installed, and the REPL tests drive nabla through it: run `make deps` (or apt-get install tmux)"
    )
  }

  /// The `nabla` built next to this test executable (the same scratch path).
  static func nablaBinary() throws -> String {
    let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    let binary = executable.deletingLastPathComponent().appendingPathComponent("nabla").path
    guard FileManager.default.isExecutableFile(atPath: binary) else {
      throw TerminalError(
        description: "no nabla binary at \(binary): build it first (swift build --build-tests)")
    }
    return binary
  }

  /// A new empty directory under the system's temporary directory.
  static func makeTemporaryDirectory() throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "nabla-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url.path
  }
}

/// Runs a program and waits for it, without Foundation's `Process`: test threads block
/// every signal, `Process` passes that mask on (a tmux server that ignores SIGTERM, a nabla
/// that never sees Ctrl-C) and waits for SIGCHLD, which never comes. Here the child gets an
/// empty mask and default handlers, and `waitpid` reaps it.
enum Spawn {
  /// The exit status and everything the program wrote to stdout and stderr (through a file,
  /// not a pipe: a tmux server forked by `new-session` keeps the descriptor open).
  static func run(
    _ executable: String, _ arguments: [String], environment: [String: String], input: String? = nil
  ) throws -> (status: Int32, output: String) {
    let outputPath = NSTemporaryDirectory() + "nabla-spawn-\(UUID().uuidString)"
    defer { unlink(outputPath) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    var inputPath: String? = nil
    if let input {
      let path = NSTemporaryDirectory() + "nabla-stdin-\(UUID().uuidString)"
      try input.write(toFile: path, atomically: true, encoding: .utf8)
      inputPath = path
      posix_spawn_file_actions_addopen(&actions, 0, path, O_RDONLY, 0)
    } else {
      posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    }
    defer { if let inputPath { unlink(inputPath) } }
    posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)

    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    var allSignals = sigset_t()
    sigfillset(&allSignals)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    posix_spawnattr_setsigdefault(&attributes, &allSignals)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      argv.forEach { free($0) }
      envp.forEach { free($0) }
    }
    var pid = pid_t()
    let code = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
    guard code == 0 else {
      throw TerminalError(
        description: "cannot run \(executable): \(String(cString: strerror(code)))")
    }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    // (String(contentsOfFile:) leaks its read buffer under AddressSanitizer.)
    let output = FileManager.default.contents(atPath: outputPath).map { String(decoding: $0, as: UTF8.self) } ?? ""
    // WIFEXITED / WEXITSTATUS, which Swift does not import.
    let exitStatus = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return (exitStatus, output)
  }
}
