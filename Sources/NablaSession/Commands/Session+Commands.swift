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
    case .diff(let function, _, _):
      throw Diagnostic.error(
        ":diff (symbolic differentiation) is not available yet", at: function.range)
    case .dot(let expr, _):
      throw Diagnostic.error(":dot (Graphviz export) is not available yet", at: expr.range)
    case .vars:
      result.recordsInHistory = false
      listVariables(into: &result)
    case .funcs:
      result.recordsInHistory = false
      listFunctions(into: &result)
    case .delete(let names):
      var tensors = self.tensors
      var functions = self.functions
      for name in names {
        if tensors.removeValue(forKey: name.value) == nil && functions.removeValue(forKey: name.value) == nil {
          let near = nearestNames(to: name.value, among: Array(tensors.keys) + Array(functions.keys))
          throw Diagnostic.error(
            "nothing named '\(name.value)' to delete", at: name.range,
            help: near.isEmpty ? nil : "did you mean " + near.map { "'\($0)'" }.joined(separator: " or ") + "?")
        }
      }
      self.tensors = tensors
      self.functions = functions
    case .clear:
      tensors = [:]
      functions = [:]
      result.print("cleared all tensors and functions")
    case .help(let topic):
      result.recordsInHistory = false
      try help(topic, into: &result)
    case .quit:
      result.recordsInHistory = false
      result.action = .quit
    case .set(let name, let value):
      try set(name, value, into: &result)
    case .save(let path, _), .load(let path):
      throw Diagnostic.error("\(command.name) is not available yet", at: path.range)
    case .recover:
      throw Diagnostic.error(":recover is not available yet", at: .unknown)
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
      result.print(pad(name, nameWidth) + "  " + pad(shape, shapeWidth) + "  " + tensors[name]!.shortDescription(maxWidth: 50))
    }
  }

  private func listFunctions(into result: inout EntryResult) {
    if functions.isEmpty {
      result.print("no functions yet; define one with  f(x) = x^2 * sin(x)")
      return
    }
    for name in functions.keys.sorted() {
      result.print(functions[name]!.definition.description)
    }
  }

  private func set(_ name: Located<String>, _ value: Located<String>, into result: inout EntryResult) throws(Diagnostic) {
    let settingsList = ["precision", "threshold", "trials", "tol", "rtol", "time"]
    func number() throws(Diagnostic) -> Double {
      guard let x = Double(value.value), x.isFinite, x >= 0 else {
        throw Diagnostic.error("'\(value.value)' is not a number ≥ 0", at: value.range)
      }
      return x
    }
    switch name.value {
    case "precision": settings.format.precision = Int(try number())
    case "threshold": settings.format.threshold = Int(try number())
    case "trials": settings.trials = max(1, Int(try number()))
    case "tol": settings.tolerance = try number()
    case "rtol": settings.relativeTolerance = try number()
    case "time": settings.timeBudget = max(0.01, try number())
    default:
      let near = nearestNames(to: name.value, among: settingsList)
      throw Diagnostic.error(
        "unknown setting '\(name.value)'", at: name.range,
        help: (near.isEmpty ? "" : "did you mean '\(near[0])'? ") + "settings: " + settingsList.joined(separator: ", "))
    }
  }
}

func pad(_ s: String, _ width: Int) -> String {
  s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
}
