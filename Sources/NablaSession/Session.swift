import NablaCore
import NablaLanguage

/// The state of one notebook: named tensors and functions, the entries that succeeded, and
/// settings. `run(_:)` takes one entry as typed and returns what to show.
///
///     let session = Session()
///     session.run("f(x) = x^2 * sin(x)")
///     print(session.run(":grad f(2.0)").text())
///
/// An entry that fails changes nothing: every command computes first and commits last.
public final class Session {
  /// Session tensors, by name.
  public internal(set) var tensors: [String: Tensor] = [:]
  /// Session functions, by name.
  public internal(set) var functions: [String: UserFunction] = [:]
  /// The entries that succeeded, with their output, in order (what `:save` writes).
  public internal(set) var history: [RecordedEntry] = []
  /// Settings changed with `:set`.
  public var settings = Settings()
  /// Set by the terminal on Ctrl-C; long commands poll it.
  public let cancellation = Cancellation()
  /// Called now and then by long commands (`:check … trials`, `:time`).
  public var onProgress: ((Progress) -> Void)?
  /// When set, `:load` and `:recover` hand it each replayed entry's echo and output as soon
  /// as the entry has run (the REPL prints them), instead of collecting them in the result.
  public var onOutput: (([String]) -> Void)?
  /// Where successful entries are appended as they run (the REPL sets it).
  public var journal: Journal?
  /// How many `:load`s are running inside each other.
  var loadDepth = 0
  /// Whether `:save` and `:dot` write their files. Only entries a person types (or a script
  /// they run) write files: replaying a file never does, and verifying one only checks.
  public var fileWrites = FileWrites.write

  /// See `fileWrites`.
  public enum FileWrites: Sendable {
    /// Write files (entries typed, or a script run with `nabla run`).
    case write
    /// Do everything but write, and print what would have been written (`--verify`).
    case dryRun
    /// Do not run the entry; say so (entries replayed by `:load` and `:recover`).
    case skip
  }

  /// The helpers `:diff … as NAME` defined along with each derivative NAME, so that a new
  /// `:diff … as NAME` replaces them, and no helper name ever takes a user's function.
  var derivativeHelpers: [String: [String]] = [:]

  public init() {}

  /// Runs one entry (possibly several lines) and returns its output and diagnostics.
  @discardableResult
  public func run(_ text: String, fileName: String? = nil, line: Int = 1) -> EntryResult {
    let source = SourceText(text, fileName: fileName, firstLine: line)
    var result = EntryResult(source: source)
    // A Ctrl-C between the entries of a `:load` must reach the load, not be cleared.
    if loadDepth == 0 { cancellation.reset() }
    reportEnvironmentLimits(into: &result)
    let limits = settings.limits
    do {
      try limits.checkLength(of: source)
      let entry = try Parser.parseEntry(source, nestingLimit: limits.maximumNesting)
      try checkOperations(entry)
      try limits.apply { try execute(entry, into: &result) }
    } catch var diagnostic as Diagnostic {
      if diagnostic.isIncompleteInput && diagnostic.help == nil {
        diagnostic.help = Session.unclosedBracket(in: source)
      }
      limits.explain(&diagnostic)
      result.diagnostics.append(diagnostic)
    } catch is Cancelled {
      result.diagnostics.append(Diagnostic.interrupted)
    } catch {
      result.diagnostics.append(Diagnostic.error("\(error)", at: .unknown))
    }
    if result.succeeded && result.recordsInHistory {
      let recorded = RecordedEntry(text: result.historyText ?? text, output: result.output)
      history.append(recorded)
      journal?.append(recorded)
    }
    return result
  }

  /// A fresh evaluator over the session's names.
  func makeEvaluator(labels: Bool = false) -> Evaluator {
    var evaluator = Evaluator(tensors: tensors, functions: functions)
    let cancellation = cancellation
    evaluator.shouldStop = { cancellation.isCancelled }
    evaluator.labelsNodes = labels
    return evaluator
  }

  private func execute(_ entry: Entry, into result: inout EntryResult) throws {
    switch entry {
    case .empty:
      result.recordsInHistory = false
    case .expression(let expr):
      var evaluator = makeEvaluator()
      let value = try evaluator.evaluate(expr).value
      result.diagnostics += evaluator.warnings
      result.output += value.formatted(settings.format).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
      result.fields.append(("value", .tensor(shape: value.shape, scalars: value.scalars)))
    case .assignment(let name, let nameRange, let expr)
    where Session.isFunctionValue(expr, functions: functions):
      // `df = grad(f)` names the function: df(x) = grad(f)(x).
      let resolved = try makeEvaluator().resolveFunction(expr)
      let arguments = resolved.parameters.map { Expr.Argument(.name($0)) }
      let definition = FunctionDefinition(
        name: name, parameters: resolved.parameters,
        body: Expr(.apply(callee: expr, arguments: arguments), range: expr.range),
        nameRange: nameRange)
      try define(definition, source: result.source, into: &result)
    case .assignment(let name, let nameRange, let expr):
      try checkAssignable(name, at: nameRange)
      var evaluator = makeEvaluator()
      let value = try evaluator.evaluate(expr).value
      result.diagnostics += evaluator.warnings
      tensors[name] = value
      result.fields.append(("value", .tensor(shape: value.shape, scalars: value.scalars)))
    case .definition(let definition):
      try define(definition, source: result.source, into: &result)
      // A function the user defines is theirs, even with a helper's name.
      disown(definition.name)
    case .command(let command):
      try execute(command, into: &result)
    }
  }

  /// Whether an assigned expression is a function (`grad(f)`) rather than a tensor.
  private static func isFunctionValue(_ expr: Expr, functions: [String: UserFunction]) -> Bool {
    guard case .call(let name, _, _) = expr.kind else { return false }
    return FunctionExpression.transforms.contains(name) && functions[name] == nil
  }

  private func checkAssignable(_ name: String, at range: SourceRange) throws(Diagnostic) {
    if Builtin.all[name] != nil {
      throw Diagnostic.error("'\(name)' is a builtin function and cannot be reassigned", at: range)
    }
    if Builtin.constants[name] != nil {
      throw Diagnostic.error("'\(name)' is a constant and cannot be reassigned", at: range)
    }
    if functions[name] != nil {
      throw Diagnostic.error(
        "'\(name)' is a function; delete it first with :del \(name) to reuse the name", at: range)
    }
  }
}

/// One successful entry and its printed output.
public struct RecordedEntry: Sendable, Equatable {
  public var text: String
  public var output: [String]
}

/// Settings a person can change with `:set NAME VALUE`.
public struct Settings: Sendable {
  /// How tensors print: numpy's style, summarised past 100 elements (numpy: 1000) so a
  /// gradient of a 1000-dimensional input fits on a screen (`:set threshold 1000`).
  public var format = TensorFormat(threshold: 100)
  /// Default trials of `:check … over`.
  public var trials = 1000
  /// Default absolute tolerance of `:check`.
  public var tolerance = 1e-5
  /// Default relative tolerance of `:check`.
  public var relativeTolerance = 1e-5
  /// Seconds `:time` spends on each measurement.
  public var timeBudget = 0.2
  /// Resource limits (`:set maxelements …`), from the environment when given there.
  public var limits = Limits.environment.limits
  /// Whether output may use characters beyond ASCII in plots (braille); the REPL clears it
  /// when the locale is not UTF-8.
  public var unicode = true
  /// Text rows of a plot's drawing area (`:set plotheight`).
  public var plotHeight = 16
}
