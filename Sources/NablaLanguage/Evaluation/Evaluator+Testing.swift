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
