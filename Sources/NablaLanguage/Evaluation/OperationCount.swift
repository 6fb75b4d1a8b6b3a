/// How many operations evaluating an expression performs at most, counting the body of a
/// session function once per call: the number of graph nodes it can record, and the size of
/// the expression symbolic differentiation inlines. Computed before any evaluation, so a
/// function that doubles its work at every level (`g(x) = f(f(x))`) is refused at once rather
/// than after minutes.
///
///     var counter = OperationCount(functions: session.functions)
///     counter.operations(in: expr)   // 2^30 for f30(2.0) below
///
///     f0(x) = x * x
///     f1(x) = f0(f0(x))   …   f30(x) = f29(f29(x))
///
/// Recursion (which the evaluator refuses) counts a call of a function already being counted
/// as one operation. Counts saturate at `OperationCount.saturated` instead of overflowing.
public struct OperationCount {
  /// The largest count reported.
  public static let saturated = Int.max / 4

  /// Session functions, by name.
  public let functions: [String: UserFunction]
  /// Counts of whole function bodies found so far.
  private var bodies: [String: Int] = [:]

  public init(functions: [String: UserFunction]) {
    self.functions = functions
  }

  /// The operations of `expr`, calls of session functions included.
  /// - Complexity: O(size of `expr` + size of the bodies of the functions it reaches), each
  ///   body walked once.
  public mutating func operations(in expr: Expr) -> Int {
    let (own, calls) = OperationCount.walk(expr)
    var total = own
    for (name, times) in calls {
      total = OperationCount.add(total, OperationCount.multiply(times, operations(ofFunction: name)))
    }
    return total
  }

  /// The operations of one call of a session function (0 for an unknown name).
  public mutating func operations(ofFunction name: String) -> Int {
    if let known = bodies[name] { return known }
    guard functions[name] != nil else { return 0 }
    // Post-order over the call graph with an explicit stack: a chain of ten thousand
    // functions calling each other must not recurse ten thousand deep.
    var pending: [(name: String, own: Int, calls: [(String, Int)], next: Int)] = []
    var active: Set<String> = []
    func push(_ name: String) {
      let (own, calls) = OperationCount.walk(functions[name]!.definition.body)
      pending.append((name, own, calls, 0))
      active.insert(name)
    }
    push(name)
    while var top = pending.popLast() {
      var descended = false
      while top.next < top.calls.count {
        let (callee, _) = top.calls[top.next]
        if bodies[callee] == nil && functions[callee] != nil && !active.contains(callee) {
          pending.append(top)
          push(callee)
          descended = true
          break
        }
        top.next += 1
      }
      if descended { continue }
      var total = top.own
      for (callee, times) in top.calls {
        // A recursive call (refused when evaluated) counts as the call itself.
        let each = bodies[callee] ?? 0
        total = OperationCount.add(total, OperationCount.multiply(times, each))
      }
      bodies[top.name] = total
      active.remove(top.name)
    }
    return bodies[name] ?? 0
  }

  /// The nodes of one tree, and how many times it calls each session function (by name; a
  /// builtin's name is never a session function's).
  static func walk(_ expr: Expr) -> (own: Int, calls: [(String, Int)]) {
    var own = 0
    var calls: [String: Int] = [:]
    var order: [String] = []
    expr.forEachValueNode { e in
      own += 1
      switch e.kind {
      case .call(let name, _, _):
        if Builtin.all[name] == nil {
          if calls[name] == nil { order.append(name) }
          calls[name, default: 0] += 1
        }
      case .apply(let callee, _):
        // A gradient costs a forward and a backward pass, about three calls.
        if let function = try? FunctionExpression(callee), Builtin.all[function.name] == nil {
          if calls[function.name] == nil { order.append(function.name) }
          calls[function.name, default: 0] += 1 + 2 * function.gradients.count
        }
      default: break
      }
    }
    return (own, order.map { ($0, calls[$0]!) })
  }

  static func add(_ a: Int, _ b: Int) -> Int {
    let (sum, overflow) = a.addingReportingOverflow(b)
    return overflow ? saturated : Swift.min(sum, saturated)
  }

  static func multiply(_ a: Int, _ b: Int) -> Int {
    let (product, overflow) = a.multipliedReportingOverflow(by: b)
    return overflow ? saturated : Swift.min(product, saturated)
  }
}
