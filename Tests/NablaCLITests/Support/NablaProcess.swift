import Foundation

/// Runs the built `nabla` binary the way a person does in a shell, with stdout and stderr
/// into one pipe so they interleave as on a terminal.
///
///     let run = try NablaProcess.run(["run", "basics.nabla"], in: transcripts)
///     #expect(run.status == 0)
enum NablaProcess {
  /// What one run printed and how it ended.
  struct Result {
    /// stdout and stderr, interleaved in the order they were written.
    var output: String
    var status: Int32
  }

  /// The `nabla` executable: `$NABLA_BINARY`, else next to this test binary (SwiftPM puts
  /// every product of a build in one folder), else under a `.build*` folder of the package.
  static let binary: URL? = {
    let fileManager = FileManager.default
    if let path = ProcessInfo.processInfo.environment["NABLA_BINARY"] {
      return URL(fileURLWithPath: path)
    }
    var candidates: [URL] = []
    if let exe = try? fileManager.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
      var folder = URL(fileURLWithPath: exe).deletingLastPathComponent()
      // An .xctest bundle is a folder on some platforms; climb out of it.
      while folder.path != "/" {
        candidates.append(folder.appendingPathComponent("nabla"))
        if !folder.path.contains(".xctest") { break }
        folder = folder.deletingLastPathComponent()
      }
    }
    if let bundle = Bundle.main.executableURL {
      candidates.append(bundle.deletingLastPathComponent().appendingPathComponent("nabla"))
    }
    let root = packageRoot
    for scratch in [".build", ".build-cli"] {
      candidates.append(root.appendingPathComponent("\(scratch)/debug/nabla"))
    }
    return candidates.first { fileManager.isExecutableFile(atPath: $0.path) }
  }()

  /// The package's root folder, found from this file's path.
  static let packageRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()  // Support
    .deletingLastPathComponent()  // NablaCLITests
    .deletingLastPathComponent()  // Tests
    .deletingLastPathComponent()

  /// The folder of golden transcripts (found from `#filePath`, so no resources are needed).
  static let transcripts: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()
    .deletingLastPathComponent()
    .appendingPathComponent("Transcripts")

  struct BinaryNotFound: Error, CustomStringConvertible {
    var description: String {
      "the nabla binary was not found next to the test binary or under .build/debug; build it or set NABLA_BINARY"
    }
  }

  /// Runs `nabla arguments` in `directory`, feeding `stdin` (an empty stdin when nil), with
  /// colour off. Gives up after `timeout` seconds.
  static func run(
    _ arguments: [String], stdin: Data? = nil, in directory: URL, timeout: Double = 120
  ) throws -> Result {
    guard let binary else { throw BinaryNotFound() }
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    process.currentDirectoryURL = directory
    var environment = ProcessInfo.processInfo.environment
    environment["NO_COLOR"] = "1"
    environment["TERM"] = "dumb"
    process.environment = environment
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    let input = Pipe()
    process.standardInput = input
    try process.run()
    // Feed stdin on another thread, so a large input cannot deadlock against a full pipe.
    let writer = Thread {
      if let stdin { input.fileHandleForWriting.write(stdin) }
      try? input.fileHandleForWriting.close()
    }
    writer.start()
    let deadline = Date().addingTimeInterval(timeout)
    let reader = output.fileHandleForReading
    var data = Data()
    while true {
      let chunk = reader.availableData
      if chunk.isEmpty { break }
      data.append(chunk)
      if Date() > deadline {
        process.terminate()
        break
      }
    }
    process.waitUntilExit()
    return Result(output: String(decoding: data, as: UTF8.self), status: process.terminationStatus)
  }
}
