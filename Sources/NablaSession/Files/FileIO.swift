#if canImport(Glibc)
  import Glibc
#endif

/// Reading and writing whole files with plain POSIX calls: atomic replacement for `:save`,
/// append-and-flush for the journal, and careful decoding for `:load`.
public enum FileIO {
  /// Why a file could not be read or written.
  public enum Failure: Error, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case notUTF8(path: String, offset: Int)
    case binary(path: String)
    case exists(path: String)
    case writeFailed(path: String, reason: String)
    /// Larger than `FileIO.maximumTextBytes` (or endless, like /dev/zero).
    case tooLarge(path: String, limit: Int)

    public var description: String {
      switch self {
      case .cannotOpen(let path, let reason): "cannot open \(path): \(reason)"
      case .notUTF8(let path, let offset): "\(path) is not UTF-8 text (invalid byte at offset \(offset))"
      case .binary(let path): "\(path) looks like a binary file, not a session (it contains NUL bytes)"
      case .exists(let path): "\(path) already exists; use :save! \(path) to overwrite it"
      case .writeFailed(let path, let reason): "cannot write \(path): \(reason)"
      case .tooLarge(let path, let limit): "\(path) is larger than \(limit / 1_048_576) MB, too large for a session file"
      }
    }
  }

  static func errorText() -> String { String(cString: strerror(errno)) }

  /// The most bytes `readText` reads: a session file is text typed by people, and a device
  /// such as /dev/zero never ends.
  public static let maximumTextBytes = 256 << 20

  /// The bytes of a file, at most `maximumBytes`; with `refusingNUL`, the first chunk with a
  /// NUL byte stops the reading (a binary file, or /dev/zero).
  /// - Complexity: O(size).
  public static func readBytes(
    _ path: String, maximumBytes: Int = .max, refusingNUL: Bool = false
  ) throws(Failure) -> [UInt8] {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw .cannotOpen(path: path, reason: errorText()) }
    defer { close(fd) }
    var st = stat()
    if fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
      throw .cannotOpen(path: path, reason: "it is a directory")
    }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if n < 0 {
        if errno == EINTR { continue }
        throw .cannotOpen(path: path, reason: errorText())
      }
      if n == 0 { break }
      if refusingNUL && chunk[0..<n].contains(0) { throw .binary(path: path) }
      guard bytes.count + n <= maximumBytes else { throw .tooLarge(path: path, limit: maximumBytes) }
      bytes.append(contentsOf: chunk[0..<n])
    }
    return bytes
  }

  /// The text of a session file, refusing binary and non-UTF-8 content with a clear reason.
  public static func readText(_ path: String) throws(Failure) -> String {
    let bytes = try readBytes(path, maximumBytes: maximumTextBytes, refusingNUL: true)
    guard let text = String(validating: bytes, as: UTF8.self) else {
      // Find the first bad byte for the message.
      var offset = 0
      var iterator = bytes.makeIterator()
      var decoder = UTF8()
      var consumed = 0
      loop: while true {
        switch decoder.decode(&iterator) {
        case .scalarValue(let s):
          consumed += UTF8.width(s)
        case .emptyInput: break loop
        case .error:
          offset = consumed
          break loop
        }
      }
      throw .notUTF8(path: path, offset: offset)
    }
    return text
  }

  /// Writes `text` to `path` atomically: a temporary file beside it, fsync, rename. A crash
  /// at any moment leaves either the old file or the new one, never half of one.
  public static func writeAtomically(_ text: String, to requested: String, overwrite: Bool) throws(Failure) {
    if !overwrite && access(requested, F_OK) == 0 { throw .exists(path: requested) }
    // Through a symbolic link, replace the file it points to, not the link.
    var path = requested
    if let resolved = realpath(requested, nil) {
      path = String(cString: resolved)
      free(resolved)
    }
    let temporary = path + ".tmp-\(getpid())"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { throw .writeFailed(path: path, reason: errorText()) }
    var ok = writeAll(fd, Array(text.utf8))
    ok = ok && fsync(fd) == 0
    let reason = errorText()
    close(fd)
    guard ok else {
      unlink(temporary)
      throw .writeFailed(path: path, reason: reason)
    }
    guard rename(temporary, path) == 0 else {
      let reason = errorText()
      unlink(temporary)
      throw .writeFailed(path: path, reason: reason)
    }
    // Make the rename itself durable.
    let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
    let dfd = open(directory.isEmpty ? "/" : directory, O_RDONLY)
    if dfd >= 0 {
      fsync(dfd)
      close(dfd)
    }
  }

  /// Writes every byte, retrying short writes.
  static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    var offset = 0
    while offset < bytes.count {
      let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
      if n < 0 {
        if errno == EINTR { continue }
        return false
      }
      offset += n
    }
    return true
  }

  /// Creates a directory and its parents (like `mkdir -p`).
  public static func makeDirectories(_ path: String) {
    var current = path.hasPrefix("/") ? "" : "."
    for part in path.split(separator: "/") {
      current += "/" + part
      mkdir(current, 0o755)
    }
  }

  /// `$XDG_STATE_HOME/nabla` (default `~/.local/state/nabla`), created if missing.
  public static func stateDirectory() -> String {
    let base: String
    if let xdg = getenv("XDG_STATE_HOME"), xdg.pointee != 0 {
      base = String(cString: xdg)
    } else {
      let home = getenv("HOME").map { String(cString: $0) } ?? "."
      base = home + "/.local/state"
    }
    let directory = base + "/nabla"
    makeDirectories(directory)
    return directory
  }
}
