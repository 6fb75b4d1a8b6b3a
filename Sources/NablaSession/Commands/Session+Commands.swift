import NablaCore
import NablaLanguage

extension Session {
  func execute(_ command: Command, into result: inout EntryResult) throws {
    switch command {
    case .grad(let expr, let wrt):
      try grad(expr, wrt: wrt, into: &result)
    case .check(let expr, let tolerance):
      try checkAtPoint(expr, tolerance: tolerance?.value, into: &result)
    case .checkOver(let spec):
      try checkOver(spec, into: &result)
    case .time(let expr):
      try time(expr, into: &result)
    case .jacobian(let expr):
      try jacobianCommand(expr, into: &result)
    case .hessian(let expr):
      try hessianCommand(expr, into: &result)
    case .graph(let expr):
      try graph(expr, into: &result)
    case .plot(let functions, let domain):
      try plot(functions, over: domain, into: &result)
    case .plotError(let function, let point):
      try plotError(function, at: point, into: &result)
    case .descend(let spec):
      try descend(spec, into: &result)
    case .diff(let function, let wrt, let alias):
      try diff(function, wrt: wrt, as: alias, into: &result)
    case .dot(let expr, let path):
      try dot(expr, path: path, into: &result)
    case .vars:
      result.recordsInHistory = false
      listVariables(into: &result)
    case .funcs:
      result.recordsInHistory = false
      listFunctions(into: &result)
    case .delete(let names):
      try delete(names, into: &result)
    case .clear:
      let counts =
        "\(tensors.count) tensor\(tensors.count == 1 ? "" : "s") and \(functions.count) function\(functions.count == 1 ? "" : "s")"
      tensors = [:]
      functions = [:]
      derivativeHelpers = [:]
      result.print("cleared \(counts)")
    case .help(let topic):
      result.recordsInHistory = false
      try help(topic, into: &result)
    case .quit:
      result.recordsInHistory = false
      result.action = .quit
    case .set(let name, let value):
      try set(name, value, into: &result)
    case .save(let path, let overwrite):
      try save(path, overwrite: overwrite, into: &result)
    case .load(let path):
      try load(path, into: &result)
    case .recover:
      try recover(into: &result)
    }
  }

  /// `:del a, f`: all the names or none; warns about functions left using a deleted name.
  private func delete(_ names: [Located<String>], into result: inout EntryResult) throws(Diagnostic)
  {
    var tensors = self.tensors
    var functions = self.functions
    var deleted: [String] = []
    for name in names {
      let n = name.value
      if tensors.removeValue(forKey: n) == nil && functions.removeValue(forKey: n) == nil {
        if deleted.contains(n) {
          throw Diagnostic.error("'\(n)' is named twice", at: name.range)
        }
        if Builtin.all[n] != nil || Builtin.constants[n] != nil {
          throw Diagnostic.error(
            "'\(n)' is a builtin \(Builtin.all[n] != nil ? "function" : "constant") and cannot be deleted",
            at: name.range)
        }
        let near = nearestNames(to: n, among: Array(tensors.keys) + Array(functions.keys))
        throw Diagnostic.error(
          "nothing named '\(n)' to delete", at: name.range,
          help: near.isEmpty
            ? ":vars and :funcs list what there is"
            : "did you mean " + near.map { "'\($0)'" }.joined(separator: " or ") + "?")
      }
      deleted.append(n)
    }
    let deletedTensors = Set(deleted.filter { self.tensors[$0] != nil })
    self.tensors = tensors
    self.functions = functions
    for n in deleted { disown(n) }
    result.print("deleted " + deleted.joined(separator: ", "))
    // Functions that remain but use what is gone will fail when called.
    for n in deleted {
      let users = deletedTensors.contains(n) ? self.users(ofTensor: n) : callers(of: n)
      if !users.isEmpty {
        let range = names.first { $0.value == n }!.range
        result.diagnostics.append(
          Diagnostic(
            .warning,
            "\(users.joined(separator: ", ")) still use\(users.count == 1 ? "s" : "") '\(n)'",
            at: range,
            help: "calls of \(users.count == 1 ? "it" : "them") fail until '\(n)' is defined again")
        )
      }
    }
  }

  private func listVariables(into result: inout EntryResult) {
    if tensors.isEmpty {
      result.print("no tensors yet; define one with  x = [1, 2, 3]")
      return
    }
    let names = tensors.keys.sorted()
    let nameWidth = max(4, names.map(\.count).max() ?? 0)
    let shapes = names.map { formatShape(tensors[$0]!.shape) }
    let shapeWidth = max(5, shapes.map(\.count).max() ?? 0)
    result.print(pad("name", nameWidth) + "  " + pad("shape", shapeWidth) + "  value")
    for (name, shape) in zip(names, shapes) {
      result.print(
        pad(name, nameWidth) + "  " + pad(shape, shapeWidth) + "  "
          + inlineDescription(tensors[name]!, maxWidth: 50))
    }
  }

  private func listFunctions(into result: inout EntryResult) {
    if functions.isEmpty {
      result.print("no functions yet; define one with  f(x) = x^2 * sin(x)")
      return
    }
    for name in functions.keys.sorted(by: naturalOrder) {
      result.print(functions[name]!.definition.description)
    }
  }

  /// `:set NAME VALUE`: checks the value against the setting's range, then echoes it.
  private func set(
    _ name: Located<String>, _ value: Located<String>, into result: inout EntryResult
  ) throws(Diagnostic) {
    func bound(_ x: Double) -> String {
      x == x.rounded() && x < 1e15 ? String(Int(x)) : formatScalar(x)
    }
    func number(_ range: ClosedRange<Double>, integer: Bool) throws(Diagnostic) -> Double {
      let kind = integer ? "a whole number" : "a number"
      guard let x = Double(value.value), range.contains(x), !integer || x == x.rounded() else {
        throw Diagnostic.error(
          "\(name.value) must be \(kind) "
            + (range.upperBound >= 1e9 && !integer
              ? "≥ \(bound(range.lowerBound))"
              : "from \(bound(range.lowerBound)) to \(bound(range.upperBound))")
            + ", got '\(value.value)'",
          at: value.range, help: Settings.help[name.value])
      }
      return x
    }
    var settings = self.settings
    switch name.value {
    case "precision": settings.format.precision = Int(try number(0...17, integer: true))
    case "threshold": settings.format.threshold = Int(try number(0...1e9, integer: true))
    case "linewidth": settings.format.lineWidth = Int(try number(20...10_000, integer: true))
    case "trials": settings.trials = Int(try number(1...100_000_000, integer: true))
    case "tol": settings.tolerance = try number(0...1e300, integer: false)
    case "rtol": settings.relativeTolerance = try number(0...1e300, integer: false)
    case "time": settings.timeBudget = try number(0.001...60, integer: false)
    case "plotheight": settings.plotHeight = Int(try number(4...200, integer: true))
    case let limit where Limits.range(of: limit) != nil:
      let range = Limits.range(of: limit)!
      settings.limits[limit] = Int(try number(Double(range.lowerBound)...Double(range.upperBound), integer: true))
    default:
      let near = nearestNames(to: name.value, among: Settings.names)
      throw Diagnostic.error(
        "unknown setting '\(name.value)'", at: name.range,
        help: (near.isEmpty ? "" : "did you mean '\(near[0])'? ") + "settings: "
          + Settings.names.joined(separator: ", "))
    }
    self.settings = settings
    result.print("\(name.value) = \(settings.value(of: name.value)!)")
  }
}

/// A tensor on one line for listings: the whole value when it fits in `maxWidth` (a small
/// matrix too, its rows side by side), else `Tensor.shortDescription(maxWidth:)`.
func inlineDescription(_ t: Tensor, maxWidth: Int) -> String {
  if t.rank >= 2 && t.count <= maxWidth / 3 {
    let lines = t.formatted(TensorFormat(threshold: Int.max, lineWidth: Int.max / 2)).split(
      separator: "\n")
    let text = lines.map { $0.drop { $0 == " " } }.filter { !$0.isEmpty }.joined(separator: " ")
    if text.count <= maxWidth { return text }
  }
  return t.shortDescription(maxWidth: maxWidth)
}

func pad(_ s: String, _ width: Int) -> String {
  s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
}

/// Words joined by spaces into lines of at most `width` characters: the first line starts
/// with `first`, the others with `indent`. A word longer than a line gets a line of its own.
func wrapWords(_ words: [String], first: String, indent: String, width: Int) -> [String] {
  var lines: [String] = []
  var line = first
  var lineHasWord = false
  for word in words {
    if lineHasWord && line.count + 1 + word.count > width {
      lines.append(line)
      line = indent
      lineHasWord = false
    }
    line += (lineHasWord ? " " : "") + word
    lineHasWord = true
  }
  lines.append(line)
  return lines
}

/// Names in the order a person sorts them: runs of digits by their value, so `df_2` comes
/// before `df_10`.
func naturalOrder(_ a: String, _ b: String) -> Bool {
  func parts(_ s: String) -> [(String, Int?)] {
    var result: [(String, Int?)] = []
    var current = ""
    var digits = false
    for c in s {
      let d = c.isASCII && c.isNumber
      if !current.isEmpty && d != digits {
        result.append((current, digits ? Int(current) : nil))
        current = ""
      }
      digits = d
      current.append(c)
    }
    if !current.isEmpty { result.append((current, digits ? Int(current) : nil)) }
    return result
  }
  let (x, y) = (parts(a), parts(b))
  for (p, q) in zip(x, y) {
    if let m = p.1, let n = q.1 {
      if m != n { return m < n }
      if p.0 != q.0 { return p.0 < q.0 }
    } else if p.0 != q.0 {
      return p.0 < q.0
    }
  }
  if x.count != y.count { return x.count < y.count }
  return a < b
}
