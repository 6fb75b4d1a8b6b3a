import NablaCore
import NablaLanguage

extension Session {
  /// `:diff f [wrt x] [as df]`: the symbolic derivative, printed as definitions that paste
  /// back as input (helpers for shared subexpressions first), notes as `#` comments; with
  /// `as`, the helpers and the derivative are also defined.
  ///
  ///     :diff f
  ///     df(x) = 2*x*sin(x) + x^2*cos(x)
  func diff(
    _ function: Located<String>, wrt: Located<String>?, as alias: Located<String>?,
    into result: inout EntryResult
  ) throws {
    let name = function.value
    guard let f = functions[name] else {
      if tensors[name] != nil || Builtin.all[name] != nil {
        throw Diagnostic.error(
          ":diff takes a session function, and '\(name)' is a \(tensors[name] != nil ? "tensor" : "builtin")",
          at: function.range, help: "define one first, for example: f(x) = x^2 * sin(x)")
      }
      throw Diagnostic.error(
        "unknown function '\(name)'", at: function.range,
        help: makeEvaluator().suggestion(for: name, functionsOnly: true)
          ?? "define it first, for example: \(name)(x) = x^2 * sin(x)")
    }
    var selected = f.parameters
    if let wrt {
      guard f.parameters.contains(wrt.value) else {
        throw Diagnostic.error(
          "\(name) has no parameter '\(wrt.value)'", at: wrt.range,
          help: "its parameters are \(f.parameters.joined(separator: ", "))")
      }
      selected = [wrt.value]
    }
    guard !selected.isEmpty else {
      throw Diagnostic.error(
        "\(name) has no parameters to differentiate with respect to", at: function.range)
    }
    if let alias {
      guard selected.count == 1 else {
        throw Diagnostic.error(
          ":diff \(name) as \(alias.value) defines one function, but \(name) has \(selected.count) parameters",
          at: alias.range, help: "say which: :diff \(name) wrt \(selected[0]) as \(alias.value)")
      }
      try checkDefinable(alias.value, at: alias.range, for: f)
    }
    let names =
      alias.map { [$0.value] }
      ?? selected.map { f.parameters.count == 1 ? "d\(name)" : "d\(name)_d\($0)" }
    let derivative = try symbolicDerivative(
      of: f.definition, wrt: selected, names: names,
      helperPrefix: names.count == 1 ? names[0] : "d\(name)", evaluable: false,
      at: function.range)

    // Each definition's text once: printed, defined and in the JSON.
    var texts: [String] = []
    for (k, definition) in derivative.definitions.enumerated() {
      if k & 255 == 255 && cancellation.isCancelled { throw Cancelled() }
      texts.append(definition.description)
      result.print(texts[k])
    }
    for note in derivative.notes { result.print("# note: \(note)") }
    if let alias {
      // All or nothing: a definition that fails leaves the session as it was.
      let saved = functions
      let savedHelpers = derivativeHelpers
      let helpers = derivative.definitions.prefix(derivative.helperCount).map(\.name)
      do {
        // The helpers of an earlier `:diff … as` of this name go; the new ones replace them.
        // (One that a function of the user's calls stays, as the user's.)
        let oldHelpers = derivativeHelpers[alias.value] ?? []
        let family = Set(oldHelpers + [alias.value])
        var calledOutside: Set<String> = []
        for (f, function) in functions where !family.contains(f) {
          for r in bodyReferences(function.definition.body) where r.arguments != nil {
            calledOutside.insert(r.name)
          }
        }
        for old in oldHelpers where !helpers.contains(old) && !calledOutside.contains(old) {
          functions[old] = nil
        }
        disown(alias.value)
        derivativeHelpers[alias.value] = nil
        // The names are new (or the derivative's own), so no call among them can be a cycle.
        for (k, definition) in derivative.definitions.enumerated() {
          if k & 255 == 255 && cancellation.isCancelled { throw Cancelled() }
          try define(
            definition, source: SourceText(texts[k]), checkCycles: false,
            into: &result)
        }
        derivativeHelpers[alias.value] = helpers.isEmpty ? nil : Array(helpers)
      } catch {
        functions = saved
        derivativeHelpers = savedHelpers
        throw error
      }
    }
    result.fields.append(
      (
        "derivatives",
        .object(
          zip(derivative.definitions, texts).dropFirst(derivative.helperCount).map {
            ($0.name, .string($1))
          })
      ))
    result.fields.append(
      (
        "helpers",
        .array(
          texts.prefix(derivative.helperCount).map { .string($0) })
      ))
    result.fields.append(("notes", .array(derivative.notes.map { .string($0) })))
  }

  /// The symbolic derivative of a definition, an error at `range` when there is none.
  /// Helpers are named `prefix_1`, `prefix_2`, … skipping names already in use.
  func symbolicDerivative(
    of definition: FunctionDefinition, wrt: [String]? = nil, names: [String]? = nil,
    helperPrefix: String? = nil,
    parameterRanks: [String: Int] = [:], maximumSize: Int? = nil, evaluable: Bool = true,
    at range: SourceRange
  ) throws -> SymbolicDerivative {
    let prefix = helperPrefix ?? "d\(definition.name.isEmpty ? "f" : definition.name)"
    var taken = Set(tensors.keys).union(Builtin.all.keys).union(Builtin.constants.keys).union(
      definition.parameters)
    // Every function is taken, except the helpers an earlier `:diff … as` of these names
    // defined (which this derivative replaces).
    let replaced = Set((names ?? []).flatMap { derivativeHelpers[$0] ?? [] })
    taken.formUnion(functions.keys.filter { !replaced.contains($0) })
    taken.formUnion(names ?? [])
    var helperNames: [Int: String] = [:]
    var next = 1
    func helperName(_ k: Int) -> String {
      if let known = helperNames[k] { return known }
      while taken.contains("\(prefix)_\(next)") { next += 1 }
      let name = "\(prefix)_\(next)"
      next += 1
      helperNames[k] = name
      return name
    }
    do {
      return try SymbolicDifferentiation.derivative(
        of: definition, wrt: wrt, functions: functions, tensors: tensors,
        parameterRanks: parameterRanks,
        names: names, helperName: helperName, maximumSize: maximumSize ?? settings.limits.maximumSymbolicSize, evaluable: evaluable,
        isCancelled: { [cancellation] in cancellation.isCancelled })
    } catch {
      if error.isCancellation { throw Cancelled() }
      let what = definition.name.isEmpty ? "this expression" : definition.name
      throw Diagnostic.error(
        "cannot differentiate \(what) symbolically: \(error.message)", at: range, help: error.help)
    }
  }

  /// Forgets that `name` is a derivative's helper (the user defined or deleted it); a
  /// helper forgotten this way is never replaced by `:diff`.
  func disown(_ name: String) {
    for (owner, helpers) in derivativeHelpers where helpers.contains(name) {
      derivativeHelpers[owner] = helpers.filter { $0 != name }
    }
  }

  /// A name `:diff … as NAME` may define.
  private func checkDefinable(_ name: String, at range: SourceRange, for f: UserFunction)
    throws(Diagnostic)
  {
    if Builtin.all[name] != nil || Builtin.constants[name] != nil {
      throw Diagnostic.error("'\(name)' is a builtin and cannot be redefined", at: range)
    }
    if tensors[name] != nil {
      throw Diagnostic.error("'\(name)' is a tensor; choose another name", at: range)
    }
    if name == f.name {
      throw Diagnostic.error("'\(name)' would replace the function being differentiated", at: range)
    }
    if f.parameters.contains(name) {
      throw Diagnostic.error(
        "'\(name)' is a parameter of \(f.name); choose another name", at: range)
    }
  }
}
