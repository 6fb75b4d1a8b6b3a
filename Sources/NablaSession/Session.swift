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

  public init() {}

  /// Runs one entry (possibly several lines) and returns its output and diagnostics.
  @discardableResult
  public func run(_ text: String, fileName: String? = nil, line: Int = 1) -> EntryResult {
    let source = SourceText(text, fileName: fileName, firstLine: line)
    var result = EntryResult(source: source)
    cancellation.reset()
    do {
      let entry = try Parser.parseEntry(text)
      try execute(entry, into: &result)
    } catch let diagnostic as Diagnostic {
      result.diagnostics.append(diagnostic)
    } catch is Cancelled {
      result.diagnostics.append(Diagnostic.error("interrupted; the session is as it was before this entry", at: .unknown))
    } catch {
      result.diagnostics.append(Diagnostic.error("\(error)", at: .unknown))
    }
    if result.succeeded && result.recordsInHistory {
      history.append(RecordedEntry(text: text, output: result.output))
    }
    return result
  }

  /// A fresh evaluator over the session's names.
  func makeEvaluator(labels: Bool = false) -> Evaluator {
    var evaluator = Evaluator(tensors: tensors, functions: functions)
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
    case .assignment(let name, let nameRange, let expr):
      try checkAssignable(name, at: nameRange)
      var evaluator = makeEvaluator()
      let value = try evaluator.evaluate(expr).value
      result.diagnostics += evaluator.warnings
      tensors[name] = value
      result.fields.append(("value", .tensor(shape: value.shape, scalars: value.scalars)))
    case .definition(let definition):
      try define(definition)
    case .command(let command):
      try execute(command, into: &result)
    }
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

  private func define(_ definition: FunctionDefinition) throws(Diagnostic) {
    let name = definition.name
    if Builtin.all[name] != nil {
      throw Diagnostic.error("'\(name)' is a builtin function and cannot be redefined", at: definition.nameRange)
    }
    if Builtin.constants[name] != nil || tensors[name] != nil {
      throw Diagnostic.error(
        "'\(name)' is a \(tensors[name] != nil ? "tensor" : "constant"); choose another name for the function",
        at: definition.nameRange)
    }
    for (p, range) in zip(definition.parameters, definition.parameterRanges) where Builtin.all[p] != nil {
      throw Diagnostic.error("parameter '\(p)' hides the builtin '\(p)'", at: range)
    }
    // Names the body uses must exist now (or be parameters); recursion is an error.
    var unknown: [(String, SourceRange)] = []
    var calls: Set<String> = []
    collectNames(
      definition.body, selfName: name, parameters: Set(definition.parameters), unknown: &unknown, calls: &calls)
    if let (first, range) = unknown.first {
      var evaluator = makeEvaluator()
      evaluator.functions[name] = UserFunction(definition)
      throw Diagnostic.error(
        "unknown name '\(first)' in the body of \(name)", at: range,
        help: evaluator.suggestion(for: first, bindings: Dictionary(uniqueKeysWithValues: definition.parameters.map { ($0, Variable(Tensor(0))) })))
    }
    if let cycle = callCycle(from: name, body: calls) {
      throw Diagnostic.error(
        "\(name) would call itself (\(cycle.joined(separator: " → "))); recursion is not supported",
        at: definition.nameRange)
    }
    functions[name] = UserFunction(definition)
  }

  private func collectNames(
    _ expr: Expr, selfName: String = "", parameters: Set<String>, unknown: inout [(String, SourceRange)], calls: inout Set<String>
  ) {
    var stack = [expr]
    while let e = stack.popLast() {
      switch e.kind {
      case .number: break
      case .name(let n):
        if !parameters.contains(n) && tensors[n] == nil && Builtin.constants[n] == nil {
          unknown.append((n, e.range))
        }
      case .tensor(let items): stack += items
      case .unary(_, let x): stack.append(x)
      case .binary(_, let a, let b): stack += [a, b]
      case .call(let n, let range, let args):
        if Builtin.all[n] == nil {
          calls.insert(n)
          if functions[n] == nil && n != selfName { unknown.append((n, range)) }
        }
        stack += args.map(\.value)
      case .index(let base, let items):
        stack.append(base)
        for item in items {
          switch item {
          case .index(let i): stack.append(i)
          case .slice(let a, let b, let c): stack += [a, b, c].compactMap { $0 }
          case .ellipsis: break
          }
        }
      }
    }
    unknown.sort { $0.1.start < $1.1.start }
  }

  /// The call chain that leads back to `name`, if the new body would make one.
  private func callCycle(from name: String, body calls: Set<String>) -> [String]? {
    var queue: [[String]] = calls.sorted().map { [name, $0] }
    var seen: Set<String> = []
    while !queue.isEmpty {
      let path = queue.removeFirst()
      let last = path[path.count - 1]
      if last == name { return path }
      guard seen.insert(last).inserted, let f = functions[last] else { continue }
      var next: Set<String> = []
      var ignored: [(String, SourceRange)] = []
      collectNames(f.definition.body, parameters: Set(f.parameters), unknown: &ignored, calls: &next)
      for n in next.sorted() { queue.append(path + [n]) }
    }
    return nil
  }
}

/// One successful entry and its printed output.
public struct RecordedEntry: Sendable, Equatable {
  public var text: String
  public var output: [String]
}

/// Settings a person can change with `:set NAME VALUE`.
public struct Settings: Sendable {
  /// How tensors print.
  public var format = TensorFormat()
  /// Default trials of `:check … over`.
  public var trials = 1000
  /// Default absolute tolerance of `:check`.
  public var tolerance = 1e-5
  /// Default relative tolerance of `:check`.
  public var relativeTolerance = 1e-5
  /// Seconds `:time` spends on each measurement.
  public var timeBudget = 0.2
}
