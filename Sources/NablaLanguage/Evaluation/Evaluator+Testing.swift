import NablaCore

/// Hooks for tests, not public API.
extension Evaluator {
  /// Whether nothing of an evaluation is left in progress: no call's arguments, no operator
  /// chain, no call on the stack, and the top-level scope (as after every public entry).
  package var isIdle: Bool {
    frames.isEmpty && chainOperators.isEmpty && callStack.isEmpty
      && depth == 0
      && scope.parameters.isEmpty && scope.bindings.isEmpty
  }
}

extension Evaluator {
  /// What the evaluator makes of a call node's name (`elementwise sin`, `builtin`,
  /// `function`), as `evalCall` sees it: noted on the node the first time.
  package static func calleeDescription(of expr: Expr) -> String {
    switch callee(of: expr) {
    case .elementwise(let f): "elementwise \(f.rawValue)"
    case .builtin: "builtin"
    case .function: "function"
    }
  }
}

extension Evaluator {
  /// The steps `function`'s body is resolved into, one word each (`x` for a parameter, the
  /// number, the operator or builtin, `node` and the node's text for anything else), or nil
  /// when its tree is walked instead. Resolves the body if no call has yet.
  package static func resolvedSteps(of function: UserFunction) -> [String]? {
    guard
      let body = resolvedBody(of: function.definition.body, parameters: function.parameters)
    else { return nil }
    return body.steps.map { step in
      switch step {
      case .parameter(let i): function.parameters[i]
      case .number(let x): formatScalar(x)
      case .sign(let op, _): "sign \(op.symbol)"
      case .binary(let op, _): op.symbol
      case .binaryNumber(let op, _, let x): "\(op.symbol) \(formatScalar(x))"
      case .elementwise(let f, _): f.rawValue
      case .node(let node, let level): "node \(node.takeUnretainedValue()) at \(level)"
      }
    }
  }

  /// Whether `function`'s body, once resolved, calls nothing and reads no session name.
  package static func hasSelfContainedBody(_ function: UserFunction) -> Bool {
    resolvedBody(of: function.definition.body, parameters: function.parameters)?
      .isSelfContained ?? false
  }

  /// Whether `function`'s body, once resolved, can run on plain numbers
  /// (`valueOnNumbers`): self-contained, without `@`.
  package static func runsOnNumbers(_ function: UserFunction) -> Bool {
    resolvedBody(of: function.definition.body, parameters: function.parameters)?
      .numberStackSize != nil
  }
}
