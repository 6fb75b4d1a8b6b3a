import Synchronization

/// A flag that long commands poll; the terminal sets it on Ctrl-C.
public final class Cancellation: Sendable {
  private let flag = Atomic<Bool>(false)
  public init() {}
  /// Asks the running command to stop.
  public func cancel() { flag.store(true, ordering: .relaxed) }
  /// Clears the flag before the next entry.
  public func reset() { flag.store(false, ordering: .relaxed) }
  /// Whether a stop was asked for.
  public var isCancelled: Bool { flag.load(ordering: .relaxed) }
}

/// How far a long command has got: `completed` of `total` units of `label`.
public struct Progress: Sendable {
  public var label: String
  public var completed: Int
  public var total: Int
  /// Seconds since the command started.
  public var elapsed: Double
}

/// Thrown inside a command when the cancellation flag is set.
struct Cancelled: Error {}
