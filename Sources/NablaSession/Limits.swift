import NablaCore
import NablaLanguage
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// The resource limits of a session: each is checked before the work it bounds starts, so
/// that hostile or mistaken input gets one clear error instead of a crash, a hang or an
/// exhausted machine. Each can be changed with `:set NAME VALUE` or, for a whole process,
/// an environment variable read when a session starts.
///
///     :set maxelements 1000000        # or NABLA_MAX_ELEMENTS=1000000 nabla …
///
/// | `:set` name   | environment            | default     | bounds |
/// |---------------|------------------------|-------------|--------|
/// | `maxelements` | `NABLA_MAX_ELEMENTS`   | 100000000   | elements of one tensor |
/// | `maxnodes`    | `NABLA_MAX_NODES`      | 10000000    | operations (graph nodes) one entry evaluates |
/// | `maxsymbolic` | `NABLA_MAX_SYMBOLIC`   | 100000      | distinct operations `:diff` works on |
/// | `maxnesting`  | `NABLA_MAX_NESTING`    | 200         | brackets, calls and operators inside each other |
/// | `maxentry`    | `NABLA_MAX_ENTRY`      | 10000000    | bytes of one entry |
public struct Limits: Sendable, Equatable {
  /// The most elements one tensor may have (`maxelements`).
  public var maximumElements = 100_000_000
  /// The most operations one entry may evaluate, counting a function's body once per call;
  /// each operation records at most a few graph nodes (`maxnodes`).
  public var maximumNodes = 10_000_000
  /// The most distinct operations in the expression symbolic differentiation works on, calls
  /// of session functions inlined (`maxsymbolic`).
  public var maximumSymbolicSize = 100_000
  /// The most levels of nesting the parser accepts (`maxnesting`).
  public var maximumNesting = Parser.defaultNestingLimit
  /// The most bytes (UTF-8) in one entry (`maxentry`).
  public var maximumEntryLength = 10_000_000

  /// The defaults, ignoring the environment.
  public init() {}

  /// One limit: its `:set` name, environment variable, accepted values and meaning.
  struct Setting: Sendable {
    var name: String
    var environment: String
    var range: ClosedRange<Int>
    var keyPath: WritableKeyPath<Limits, Int> & Sendable
    var help: String
  }

  static let settings: [Setting] = [
    Setting(
      name: "maxelements", environment: "NABLA_MAX_ELEMENTS", range: 1...2_000_000_000,
      keyPath: \.maximumElements, help: "the most elements one tensor may have"),
    Setting(
      name: "maxnodes", environment: "NABLA_MAX_NODES", range: 1...1_000_000_000_000,
      keyPath: \.maximumNodes,
      help: "the most operations (graph nodes) one entry evaluates"),
    Setting(
      name: "maxsymbolic", environment: "NABLA_MAX_SYMBOLIC", range: 1...1_000_000_000,
      keyPath: \.maximumSymbolicSize,
      help: "the most distinct operations :diff works on"),
    // The parser recurses once per level, about 11 KB of stack a level in a debug build:
    // past about 700 levels it overflows the 8 MB main thread.
    Setting(
      name: "maxnesting", environment: "NABLA_MAX_NESTING", range: 1...500,
      keyPath: \.maximumNesting, help: "the deepest nesting of brackets, calls and operators"),
    Setting(
      name: "maxentry", environment: "NABLA_MAX_ENTRY", range: 1...1_000_000_000,
      keyPath: \.maximumEntryLength, help: "the most bytes in one entry"),
  ]

  /// The `:set` names of the limits.
  public static let names = settings.map(\.name)

  /// The range `:set` accepts for a limit, or nil if `name` is not one.
  static func range(of name: String) -> ClosedRange<Int>? {
    settings.first { $0.name == name }?.range
  }

  /// The value of a limit by its `:set` name.
  public subscript(name: String) -> Int? {
    get { Limits.settings.first { $0.name == name }.map { self[keyPath: $0.keyPath] } }
    set {
      guard let setting = Limits.settings.first(where: { $0.name == name }), let newValue else { return }
      self[keyPath: setting.keyPath] = newValue
    }
  }

  // MARK: The environment

  /// The limits with the environment's values applied, and a warning for each variable that
  /// was set but not to a whole number in range (it is then ignored).
  public static func reading(environment: (String) -> String?) -> (limits: Limits, warnings: [String]) {
    var limits = Limits()
    var warnings: [String] = []
    for setting in settings {
      guard let text = environment(setting.environment) else { continue }
      let trimmed = text.trimmingWhitespace
      guard let value = Int(trimmed) ?? Double(trimmed).flatMap({ $0 == $0.rounded() && abs($0) < 1e18 ? Int($0) : nil }),
        setting.range.contains(value)
      else {
        warnings.append(
          "\(setting.environment)='\(text)' is not a whole number from \(setting.range.lowerBound) to \(setting.range.upperBound); using \(limits[keyPath: setting.keyPath])"
        )
        continue
      }
      limits[keyPath: setting.keyPath] = value
    }
    return (limits, warnings)
  }

  /// The process environment's limits, read once.
  public static let environment: (limits: Limits, warnings: [String]) = reading { name in
    getenv(name).map { String(cString: $0) }
  }

  // MARK: Checks

  /// Refuses an entry longer than `maximumEntryLength` before it is parsed.
  /// - Complexity: O(1) for native strings.
  func checkLength(of source: SourceText) throws(Diagnostic) {
    let length = source.text.utf8.count
    guard length > maximumEntryLength else { return }
    throw Diagnostic.error(
      "this entry is \(length) bytes long; the limit is \(maximumEntryLength)", at: .unknown,
      help: "split it into several entries, or raise the limit with :set maxentry N (or NABLA_MAX_ENTRY)")
  }

  /// Runs `body` with the tensor size limit in force.
  func apply<R>(_ body: () throws -> R) rethrows -> R {
    try TensorLimits.$maximumElementCount.withValue(maximumElements, operation: body)
  }

  /// Adds the way out to an error that a limit raised deep in the engine.
  func explain(_ diagnostic: inout Diagnostic) {
    guard diagnostic.help == nil, diagnostic.message.hasSuffix("elements per tensor") else { return }
    diagnostic.help = "raise the limit with :set maxelements N (or NABLA_MAX_ELEMENTS)"
  }
}

/// Whether the environment's bad limit values have been reported (once per process).
private let environmentReported = Atomic<Bool>(false)

extension Session {
  /// Adds a warning for each limit variable of the environment that was ignored, to the
  /// first entry a process runs.
  func reportEnvironmentLimits(into result: inout EntryResult) {
    let warnings = Limits.environment.warnings
    guard !warnings.isEmpty, !environmentReported.exchange(true, ordering: .relaxed) else { return }
    for warning in warnings { result.diagnostics.append(Diagnostic(.warning, warning, at: .unknown)) }
  }

  /// Refuses an entry that would evaluate more operations than `maxnodes`, before any
  /// evaluation starts. (`maxsymbolic` is checked by symbolic differentiation itself, which
  /// shares repeated subexpressions and so can differentiate bodies that evaluate slowly.)
  /// - Complexity: O(size of the entry and of the functions it reaches).
  func checkOperations(_ entry: Entry) throws(Diagnostic) {
    let limits = settings.limits
    var counter = OperationCount(functions: functions)
    func check(_ expr: Expr) throws(Diagnostic) {
      let n = counter.operations(in: expr)
      guard n > limits.maximumNodes else { return }
      var plain = OperationCount(functions: [:])
      let callsDominate = plain.operations(in: expr) < n
      throw Diagnostic.error(
        "this would evaluate \(Limits.describe(n)) operations (graph nodes); the limit is \(limits.maximumNodes)",
        at: expr.range,
        help: (callsDominate ? "a function that calls another twice doubles the work at each level; " : "split it into several entries, or ")
          + "raise the limit with :set maxnodes N (or NABLA_MAX_NODES)")
    }
    func check(function name: Located<String>) throws(Diagnostic) {
      let n = counter.operations(ofFunction: name.value)
      guard n > limits.maximumNodes else { return }
      throw Diagnostic.error(
        "one call of \(name.value) evaluates \(Limits.describe(n)) operations (graph nodes); the limit is \(limits.maximumNodes)",
        at: name.range, help: "raise the limit with :set maxnodes N (or NABLA_MAX_NODES)")
    }
    switch entry {
    case .empty: break
    case .expression(let e), .assignment(_, _, let e): try check(e)
    case .definition:
      // A definition evaluates nothing; a body too costly to evaluate may still be small
      // enough to differentiate symbolically, and the limit may be raised before a call.
      break
    case .command(let command):
      switch command {
      case .grad(let e, _), .check(let e, _), .time(let e), .jacobian(let e), .hessian(let e), .graph(let e),
        .dot(let e, _):
        try check(e)
      case .checkOver(let spec): try check(function: spec.function)
      default: break
      }
    }
  }
}

extension Limits {
  /// A count as a person reads it: `1073741824`, or `more than 10^18` once saturated.
  static func describe(_ n: Int) -> String {
    n >= OperationCount.saturated ? "more than 10^18" : String(n)
  }
}

extension String {
  fileprivate var trimmingWhitespace: String {
    String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
  }
}
