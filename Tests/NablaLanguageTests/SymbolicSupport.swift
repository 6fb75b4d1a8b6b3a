import NablaCore
import NablaLanguage
import Testing

/// A function definition from source: `f(x) = x^2`.
func definition(_ text: String) throws -> FunctionDefinition {
  guard case .definition(let d) = try entry(text) else {
    throw RenderedError(text: "not a definition: \(text)")
  }
  return d
}

/// A symbolic-differentiation case: the function `source` (its name is the first name in
/// it), other session functions, session tensors, and the domain of each argument.
struct SymbolicCase: CustomTestStringConvertible, Sendable {
  var source: String
  /// Session functions the body calls.
  var functions: [String] = []
  /// Session tensors, by name, with their values.
  var tensors: [String: Tensor] = [:]
  /// The shape of each argument (scalar by default).
  var shapes: [[Int]] = []
  /// Arguments are uniform in [low, high].
  var low = -2.0
  var high = 2.0
  /// Pass the arguments' ranks to the differentiation (as `:check` does).
  var knownRanks = true

  init(
    _ source: String, functions: [String] = [], tensors: [String: Tensor] = [:],
    shapes: [[Int]] = [],
    low: Double = -2, high: Double = 2, knownRanks: Bool = true
  ) {
    self.source = source
    self.functions = functions
    self.tensors = tensors
    self.shapes = shapes
    self.low = low
    self.high = high
    self.knownRanks = knownRanks
  }

  var testDescription: String { source }
}

/// Session functions from sources.
func userFunctions(_ sources: [String]) throws -> [String: UserFunction] {
  var result: [String: UserFunction] = [:]
  for s in sources {
    let d = try definition(s)
    result[d.name] = UserFunction(d)
  }
  return result
}

/// Whether `a` and `b` agree to a relative tolerance, elementwise (NaNs must match).
func agree(_ a: Tensor, _ b: Tensor, relative: Double = 1e-10) -> Bool {
  guard a.count == b.count else { return false }
  for (x, y) in zip(a.scalars, b.scalars) {
    if x.isNaN || y.isNaN { if x.isNaN != y.isNaN { return false } else { continue } }
    if x == y { continue }
    if Swift.abs(x - y) > relative * Swift.max(1, Swift.abs(x), Swift.abs(y)) { return false }
  }
  return true
}

/// Evaluates the symbolic derivative of a case at `trials` seeded random points, both as
/// the program and as the printed definitions (parsed back and called), and compares each
/// with autodiff. Returns the derivative for further checks.
@discardableResult
func checkSymbolic(_ c: SymbolicCase, trials: Int = 4, seed: UInt64 = 7) throws
  -> SymbolicDerivative
{
  let f = try definition(c.source)
  let functions = try userFunctions(c.functions)
  let shapes = c.shapes.isEmpty ? Array(repeating: [Int](), count: f.parameters.count) : c.shapes
  var ranks: [String: Int] = [:]
  if c.knownRanks { for (p, s) in zip(f.parameters, shapes) { ranks[p] = s.count } }
  let derivative = try SymbolicDifferentiation.derivative(
    of: f, functions: functions, tensors: c.tensors, parameterRanks: ranks)

  // The printed definitions parse back to themselves.
  var printed = functions
  for d in derivative.definitions {
    let again = try definition(d.description)
    #expect(again == d, "round trip of \(d)")
    printed[d.name] = UserFunction(again)
  }

  for trial in 0..<trials {
    let arguments = try shapes.enumerated().map { i, shape in
      try Tensor.rand(shape, low: c.low, high: c.high, seed: seed &+ UInt64(trial * 31 + i))
    }
    // Autodiff.
    var evaluator = Evaluator(tensors: c.tensors, functions: functions)
    let leaves = arguments.map { Variable.leaf($0) }
    let y = try evaluator.call(UserFunction(f), arguments: leaves)
    try #require(y.value.count == 1, "\(c.source) is not scalar-valued")
    let gradients = try backward(from: y)
    // Symbolic, as a program and as printed definitions.
    var symbolicEvaluator = Evaluator(tensors: c.tensors, functions: [:])
    let (program, _) = try derivative.program.evaluate(at: arguments, with: &symbolicEvaluator)
    // Resolved (and on plain numbers at a point of 0-d arguments) as walked, bit for bit.
    var walkingEvaluator = Evaluator(tensors: c.tensors, functions: [:])
    walkingEvaluator.resolvesBodies = false
    let (walked, _) = try derivative.program.evaluate(at: arguments, with: &walkingEvaluator)
    #expect(
      program.map(\.shape) == walked.map(\.shape)
        && program.flatMap(\.scalars).map(\.bitPattern) == walked.flatMap(\.scalars).map(\.bitPattern),
      "the program of \(c.source) resolved and walked")
    var printedEvaluator = Evaluator(tensors: c.tensors, functions: printed)
    for (i, p) in f.parameters.enumerated() {
      let autodiff = gradients[leaves[i]].value
      let name = derivative.derivatives[derivative.helperCount + i].name
      // Helpers are functions, so a call re-evaluates the helpers it uses: cheap for the
      // cases here, but not in general (see SymbolicSizeTests).
      var counter = OperationCount(functions: printed)
      let cost = counter.operations(in: .call(name, f.parameters.map { .name($0) }))
      let viaPrinted =
        cost > 200_000
        ? program[i]
        : try printedEvaluator.call(name, arguments: arguments.map { Variable($0) }).value
      let point = arguments.map(\.description).joined(separator: ", ")
      #expect(
        agree(autodiff, program[i]),
        "∂/∂\(p) of \(c.source) at (\(point)): autodiff \(autodiff), symbolic \(program[i])\n\(derivative.definitions.map(\.description).joined(separator: "\n"))"
      )
      #expect(
        agree(program[i], viaPrinted), "printed \(name) differs from the program at (\(point))")
      if shapes[i].count > 0 && !shapes[i].allSatisfy({ $0 == 1 }) {
        #expect(
          program[i].shape == autodiff.shape,
          "∂/∂\(p) of \(c.source) has shape \(program[i].shape), not \(autodiff.shape)")
      }
    }
  }
  return derivative
}

/// The printed derivative of a one-line function, helpers included, one definition a line.
func printedDerivative(
  _ source: String, wrt: [String]? = nil, functions: [String] = [], tensors: [String: Tensor] = [:]
) throws -> String {
  let d = try SymbolicDifferentiation.derivative(
    of: try definition(source), wrt: wrt, functions: try userFunctions(functions), tensors: tensors)
  return d.definitions.map(\.description).joined(separator: "\n")
}
