import NablaCore

/// Symbolic differentiation of a session function: its derivative as Nabla source.
///
///     let d = try SymbolicDifferentiation.derivative(
///       of: try Parser.parseDefinition("f(x) = x^2*sin(x)"), functions: [:], tensors: [:])
///     print(d.definitions[0])   // df(x) = 2*x*sin(x) + x^2*cos(x)
///
/// The pipeline, one phase per file: `Lowering` (syntax → terms, calls inlined), the
/// simplifying constructors of `TermGraph` (canonical forms), `Differentiator` (reverse mode
/// over the terms), `Emission` (terms → syntax, shared terms bound once as helpers).
public enum SymbolicDifferentiation {
  /// The derivative of `definition` with respect to each parameter in `wrt` (all when nil).
  ///
  /// - Parameters:
  ///   - functions: the session functions the body may call (inlined).
  ///   - tensors: the session tensors the body may use (constants).
  ///   - parameterRanks: the ranks of parameters when known (from argument values); a
  ///     matrix product of an operand of unknown rank assumes a matrix.
  ///   - names: the name of each derivative function (default `df` for one parameter,
  ///     `df_dx` for each of several).
  ///   - helperName: the name of helper k (from 1), e.g. `df_1`.
  ///   - maximumSize: the most distinct operations the function may have, calls inlined
  ///     (the derivative may have a few times more).
  ///   - evaluable: whether to build `program` (`:diff` only prints, and leaves it empty).
  ///   - isCancelled: asked now and then; when it returns true the work stops and
  ///     `SymbolicError.cancelled` (`isCancellation`) is thrown.
  /// - Complexity: O(n) in the distinct operations of the function with its calls inlined
  ///   (a sum or product of k terms counts k), except a product of k factors, O(k²).
  public static func derivative(
    of definition: FunctionDefinition, wrt: [String]? = nil, functions: [String: UserFunction],
    tensors: [String: Tensor], parameterRanks: [String: Int] = [:], names: [String]? = nil,
    helperName: ((Int) -> String)? = nil, maximumSize: Int = 1_000_000, evaluable: Bool = true,
    isCancelled: (() -> Bool)? = nil
  ) throws(SymbolicError) -> SymbolicDerivative {
    let parameters = definition.parameters
    let wrt = wrt ?? parameters
    for name in wrt where !parameters.contains(name) {
      throw SymbolicError("\(definition.name) has no parameter '\(name)'")
    }
    let base = definition.name.isEmpty ? "f" : definition.name
    let names = names ?? wrt.map { parameters.count == 1 ? "d\(base)" : "d\(base)_d\($0)" }
    let helperName = helperName ?? { "d\(base)_\($0)" }

    // First pass: which parameters hold one element (they are used elementwise on the way
    // to the output); the second pass treats those as scalars.
    func lowered(_ scalars: Set<String>) throws(SymbolicError) -> (TermGraph, Term) {
      let graph = TermGraph(
        parameters: parameters, parameterRanks: parameterRanks, scalarParameters: scalars,
        tensors: tensors)
      var lowering = Lowering(graph: graph, functions: functions)
      lowering.maximumTerms = maximumSize
      lowering.isCancelled = isCancelled
      var scope: [String: Term] = [:]
      for p in parameters { scope[p] = graph.variable(p) }
      let root = try lowering.lower(definition.body, scope).term
      if graph.terms.count > maximumSize { throw Lowering.tooLarge(maximumSize) }
      return (graph, root)
    }
    let (firstGraph, firstRoot) = try lowered([])
    let oneElement = Differentiator.oneElementTerms(firstRoot)
    let scalars = Set(
      parameters.filter { p in
        parameterRanks[p] == 0
          || (parameterRanks[p] == nil && oneElement.contains(firstGraph.variable(p).id))
      })
    // (With no scalar parameters the second pass would build the same graph.)
    let (graph, root) = scalars.isEmpty ? (firstGraph, firstRoot) : try lowered(scalars)
    if isCancelled?() == true { throw SymbolicError.cancelled }
    let differentiator = Differentiator(graph: graph, root: root)
    differentiator.isCancelled = isCancelled
    let gradients = try differentiator.gradients(of: root, wrt: wrt)

    // Printed: helpers for the terms the gradients share.
    let shared = Emission.sharedTerms(gradients)
    var bound: [Int: Int] = [:]
    for (k, t) in shared.enumerated() { bound[t.id] = k + 1 }
    let arguments = parameters.map { Expr.name($0) }
    let printer = Emission(bound: bound, reference: { .call(helperName($0), arguments) })
    var definitions: [FunctionDefinition] = []
    for (k, t) in shared.enumerated() {
      if k & 255 == 255, isCancelled?() == true { throw SymbolicError.cancelled }
      definitions.append(
        FunctionDefinition(name: helperName(k + 1), parameters: parameters, body: printer.render(t)))
    }
    for (name, g) in zip(names, gradients) {
      definitions.append(
        FunctionDefinition(name: name, parameters: parameters, body: printer.render(g)))
    }

    // Evaluated: exactly what is printed (the same terms bound to the same helpers, which
    // become variables rather than calls); the sites of singularities apart from it.
    let evaluator = Emission(bound: bound, reference: { .name("__s\($0)") })
    let siteTerms = differentiator.sites.map(\.term)
    let sharedSites = Emission.sharedTerms(siteTerms)
    var siteBound: [Int: Int] = [:]
    for (k, t) in sharedSites.enumerated() { siteBound[t.id] = k + 1 }
    let siteEvaluator = Emission(bound: siteBound, reference: { .name("__t\($0)") })
    let plain = Emission(bound: [:], reference: { _ in .number(0) })
    func describe(_ t: Term) -> String? { t.size <= 12 ? plain.render(t).description : nil }
    var steps: [(String, Expr)] = []
    for (k, t) in shared.enumerated() where evaluable {
      if k & 255 == 255, isCancelled?() == true { throw SymbolicError.cancelled }
      steps.append(("__s\(k + 1)", evaluator.render(t)))
    }
    let program = SymbolicProgram(
      parameters: parameters,
      steps: steps,
      gradients: evaluable ? gradients.map(evaluator.render) : [],
      siteSteps: sharedSites.enumerated().map { k, t in ("__t\(k + 1)", siteEvaluator.render(t)) },
      sites: differentiator.sites.map { site in
        SymbolicProgram.Site(
          kind: SingularReading.Kind(site.kind),
          description: SymbolicDifferentiation.siteText(
            site, describe(site.kind == .tie ? site.argument : site.term)),
          expr: siteEvaluator.render(site.term))
      })
    return SymbolicDerivative(
      definitions: definitions, helperCount: shared.count, wrt: wrt,
      notes: differentiator.notes.sorted { $0.argument.order < $1.argument.order }.map {
        noteText($0, describe($0.argument))
      }, program: program)
  }

  /// What a note says, with the argument written out when it is short.
  static func noteText(_ note: SymbolicNote, _ argument: String?) -> String {
    let u = argument ?? "its argument"
    let f = note.function
    switch note.kind {
    case .kink:
      switch f {
      case "abs":
        return
          "abs is not differentiable where \(u) = 0; the derivative uses sign(\(u)), which is 0 there (as autodiff does)"
      case "relu":
        return
          "relu is not differentiable where \(u) = 0; the derivative uses (\(u) > 0), which is 0 there (as autodiff does)"
      case "sign":
        return "sign(\(u)) jumps at 0; its derivative is taken as 0"
      case "maximum", "minimum":
        return
          "\(f) is not differentiable where its arguments are equal, as in \(u); there each gets half the gradient (as in autodiff)"
      case "clip":
        return
          "clip is not differentiable at its bounds, as in \(u); there the gradient is shared half and half (as in autodiff)"
      case "where":
        return "where switches where its condition \(u) changes; the derivative ignores the jump"
      default:
        return "\(u) is a step: its derivative is taken as 0, and does not exist where it jumps"
      }
    case .pole:
      switch f {
      case "log":
        return
          "log(\(u)) has no derivative where \(u) = 0, and a large one near it, where numerical checks lose precision"
      case "sqrt":
        return "sqrt(\(u)) has an infinite derivative where \(u) = 0"
      case "^":
        return
          "a power with a variable exponent has a derivative with log(\(u)), undefined where \(u) ≤ 0"
      default:
        return "\(u)\(f) has an infinite derivative where \(u) = 0"
      }
    case .tie:
      let which = f == "max" ? "largest" : "smallest"
      return
        "\(f) is not differentiable where elements of \(u) tie for the \(which); there they share the gradient equally (as in autodiff)"
    case .assumption(let what):
      let op = f == "@" ? "@" : "\(f)(…)"
      return "the derivative of \(op) takes \(u) to be \(what), since its rank is not known here"
    }
  }

  /// How a site reads in `:check`: `the kink of relu(x) at x = 0`.
  static func siteText(_ site: SingularSite, _ term: String?) -> String {
    let u = term ?? "its argument"
    switch (site.kind, site.function) {
    case (.tie, let f): return "tied elements of \(f)(\(u))"
    case (.pole, "log"), (.pole, "sqrt"):
      return "the singularity of \(site.function)(\(u)) at \(u) = 0"
    case (.pole, "/"): return "the singularity of a division by \(u) at \(u) = 0"
    case (.pole, _): return "the singularity of a power of \(u) at \(u) = 0"
    case (_, "abs"), (_, "relu"), (_, "sign"):
      return "the kink of \(site.function)(\(u)) at \(u) = 0"
    case (_, "maximum"), (_, "minimum"), (_, "clip"):
      return "the kink of \(site.function) where \(u) = 0"
    default: return "the step where \(u) = 0"
    }
  }
}

/// A symbolic derivative, printed and ready to evaluate.
public struct SymbolicDerivative: Sendable {
  /// The helpers (shared subexpressions), then one derivative per parameter, in the order
  /// they must be defined. Their `description`s paste back as valid input.
  public var definitions: [FunctionDefinition]
  /// How many of `definitions` are helpers.
  public var helperCount: Int
  /// The parameters differentiated, in the order of the derivatives.
  public var wrt: [String]
  /// What a reader should know: where the derivative does not exist, what it assumed.
  public var notes: [String]
  /// The derivative as expressions to evaluate at argument values.
  public var program: SymbolicProgram

  /// The derivative definitions (without the helpers).
  public var derivatives: ArraySlice<FunctionDefinition> { definitions[helperCount...] }
}

/// The derivative as a straight-line program over the parameters: shared values first, then
/// one gradient expression per parameter, and the places where the derivative is singular.
public struct SymbolicProgram: Sendable {
  struct Site: Sendable {
    var kind: SingularReading.Kind
    var description: String
    var expr: Expr
  }

  public let parameters: [String]
  /// The printed helpers, as variables `__s1`, `__s2`, … rather than calls.
  let steps: [(String, Expr)]
  /// One expression per differentiated parameter, in terms of the parameters, session
  /// tensors and the values of `steps`: the printed derivatives.
  let gradients: [Expr]
  /// The values the sites share, `__t1`, `__t2`, …
  let siteSteps: [(String, Expr)]
  let sites: [Site]

  /// The gradients at the given arguments (one per parameter), and how close the point is to
  /// each place where the derivative is singular.
  public func evaluate(
    at arguments: [Tensor], with evaluator: inout Evaluator
  ) throws(Diagnostic) -> (gradients: [Tensor], singularities: [SingularReading]) {
    // The names bound so far, in order: each expression is evaluated with the same names at
    // every point, so it resolves once (see `Evaluator.evaluate(_:names:values:)`).
    var names = Array(parameters.prefix(arguments.count))
    var values = arguments.prefix(parameters.count).map { Variable($0) }
    for (name, expr) in steps {
      values.append(try evaluator.evaluate(expr, names: names, values: values))
      names.append(name)
    }
    var gradients: [Tensor] = []
    for g in self.gradients {
      gradients.append(try evaluator.evaluate(g, names: names, values: values).value)
    }
    return (gradients, singularities(at: arguments, with: &evaluator))
  }

  /// How close the point is to each place where the derivative is singular (the sites that
  /// cannot be evaluated there are left out).
  public func singularities(at arguments: [Tensor], with evaluator: inout Evaluator)
    -> [SingularReading]
  {
    guard !sites.isEmpty else { return [] }
    var bindings: [String: Variable] = [:]
    for (p, a) in zip(parameters, arguments) { bindings[p] = Variable(a) }
    for (name, expr) in siteSteps {
      guard let value = try? evaluator.evaluate(expr, bindings: bindings) else { return [] }
      bindings[name] = value
    }
    var readings: [SingularReading] = []
    for site in sites {
      guard let value = try? evaluator.evaluate(site.expr, bindings: bindings).value else {
        continue
      }
      let distance: Double
      switch site.kind {
      case .tie:
        distance = value.scalars.contains { $0 > 1 } ? 0 : .infinity
      case .kink, .pole:
        distance = value.scalars.lazy.filter { !$0.isNaN }.map { Swift.abs($0) }.min() ?? .infinity
      }
      readings.append(
        SingularReading(kind: site.kind, description: site.description, distance: distance))
    }
    return readings
  }
}

/// How close a point is to a place where a derivative does not exist.
public struct SingularReading: Sendable, Equatable {
  public enum Kind: Sendable, Equatable {
    /// Not differentiable (abs, relu, maximum, steps); `distance` is |u| at the kink u = 0.
    case kink
    /// An infinite or undefined derivative (log, sqrt); `distance` is |u| at u = 0.
    case pole
    /// Tied elements of a max or min; `distance` is 0 when some tie.
    case tie

    init(_ kind: SymbolicNote.Kind) {
      switch kind {
      case .pole: self = .pole
      case .tie: self = .tie
      default: self = .kink
      }
    }
  }
  public var kind: Kind
  /// `relu(x) at x = 0`
  public var description: String
  /// The smallest |u| over the elements (0 for a tie).
  public var distance: Double
}
