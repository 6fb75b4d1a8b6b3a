import NablaCore

/// The five workloads written with the NablaCore Swift API: constants are plain `Variable`s
/// (nothing recorded), parameters become leaves inside `valueWithGradient`.
///
/// Literal constants (2, 3, 1.0001, 1e-3, 1) are made once, outside the timed call, the way
/// Python keeps float literals as code constants. Everything the README computes inside f
/// (e.g. W1's `log(a)`) is computed inside the call.
enum APIPath {
  static func prepare(_ id: String) -> (() throws -> Prepared)? {
    switch id {
    case "W1": return w1
    case "W2": return w2
    case "W3": return w3
    case "W4": return w4
    case "W5": return w5
    default: return nil
    }
  }

  /// W1 "h2": f(x) = sum(exp((x*log(a) - 2)/3)^2), n = 1000. `^2` is the `power` op, as the
  /// language's `^` records it. Also the central-difference gradient: 2n evaluations of the
  /// same f on constants (no graph recorded), reusing one perturbed buffer.
  static func w1() throws -> Prepared {
    let a = Variable(try Inputs.a1())
    let x = try Inputs.x1()
    let two = Variable(Tensor(2))
    let three = Variable(Tensor(3))
    func f(_ x: Variable) throws -> Variable {
      try Variable.sum(Variable.pow(Variable.exp((x * Variable.log(a) - two) / three), two))
    }
    let call = { () throws -> Outcome in
      let (value, grads) = try valueWithGradient(at: [x]) { p in try f(p[0]) }
      return [value, grads[0]]
    }
    let numeric = { () throws -> Outcome in
      let n = x.count
      let eps = Inputs.eps
      var buffer = x.scalars
      var g = [Double](repeating: 0, count: n)
      // The tensor shares `buffer`'s storage and is released when f returns, so the next
      // write to `buffer` does not copy it.
      func evaluate(_ b: [Double]) throws -> Double {
        try f(Variable(Tensor(shape: [n], scalars: b))).value.scalars[0]
      }
      for i in 0..<n {
        let xi = buffer[i]
        buffer[i] = xi + eps
        let fp = try evaluate(buffer)
        buffer[i] = xi - eps
        let fm = try evaluate(buffer)
        buffer[i] = xi
        g[i] = (fp - fm) / (2 * eps)
      }
      return [try Tensor(shape: [n], scalars: g)]
    }
    return Prepared(
      call: call,
      secondary: [
        Secondary(
          name: "numeric", call: numeric,
          check: { primary, secondary in maxRelativeDifference(secondary[0], primary[1]) },
          tolerance: 1e-6)
      ])
  }

  /// W2 "mlp": 64x784 -> 128 (tanh) -> 10, softmax cross-entropy with the max-shifted
  /// logsumexp written out (max over axis 1 keepdims, exp, sum, log), not `logsumexp`.
  static func w2() throws -> Prepared {
    let x = Variable(try Inputs.x2())
    let y = Variable(try Inputs.y2())
    let params = try Inputs.params2()
    let batch = Variable(Tensor(Double(Inputs.b2)))
    func loss(_ p: [Variable]) throws -> Variable {
      let h = Variable.tanh(try Variable.matmul(x, p[0]) + p[1])
      let logits = try Variable.matmul(h, p[2]) + p[3]
      let m = try Variable.reduce(.max, logits, axes: [1], keepDims: true)
      let lse =
        try m + Variable.log(Variable.sum(Variable.exp(logits - m), axes: [1], keepDims: true))
      return try -Variable.sum(y * (logits - lse)) / batch
    }
    return Prepared(call: {
      let (value, grads) = try valueWithGradient(at: params) { p in try loss(p) }
      return [value] + grads
    })
  }

  /// W3 "chain": x <- x*1.0001 + sin(x)*1e-3, 2500 steps from 0.5, value and d/dx0.
  static func w3() throws -> Prepared {
    let c1 = Variable(Tensor(1.0001))
    let c2 = Variable(Tensor(1e-3))
    func chain(_ x0: Variable) throws -> Variable {
      var x = x0
      for _ in 0..<Inputs.steps3 { x = try x * c1 + Variable.sin(x) * c2 }
      return x
    }
    let call = { () throws -> Outcome in
      let (value, grads) = try valueWithGradient(at: [Tensor(Inputs.x3)]) { p in try chain(p[0]) }
      return [value, grads[0]]
    }
    // Graph memory: malloc'd bytes while the forward graph is built and held, per node.
    let extras = { () throws -> [(String, JSON)] in
      guard let before = mallocInUseBytes() else { return [] }
      let y = try chain(Variable.leaf(Tensor(Inputs.x3)))
      guard let after = mallocInUseBytes() else { return [] }
      let bytes = after - before
      let (nodes, constants) = countNodes(y.node)
      withExtendedLifetime(y) {}
      return [
        ("graph_bytes", .int(bytes)), ("graph_nodes", .int(nodes)),
        ("graph_constant_nodes", .int(constants)),
        ("graph_bytes_per_node", .number(Double(bytes) / Double(nodes))),
        ("graph_bytes_per_op", .number(Double(bytes) / Double(Inputs.ops3))),
      ]
    }
    return Prepared(call: call, extras: extras)
  }

  /// W4 "check": 1000 scalar gradient checks of f(x) = log(x*x+1)*sin(x) + exp(-x*x), each
  /// against the central difference with step 1e-6 of the same f on constants; |diff| < 1e-5.
  static func w4() throws -> Prepared {
    let one = Variable(Tensor(1))
    func f(_ x: Variable) throws -> Variable {
      try Variable.log(x * x + one) * Variable.sin(x) + Variable.exp(-x * x)
    }
    let eps = Inputs.eps
    return Prepared(call: {
      var sum = 0.0
      var maxDiff = 0.0
      for x in Inputs.xs4 {
        let (_, grads) = try valueWithGradient(at: [Tensor(x)]) { p in try f(p[0]) }
        let g = grads[0].scalars[0]
        let fp = try f(Variable(Tensor(x + eps))).value.scalars[0]
        let fm = try f(Variable(Tensor(x - eps))).value.scalars[0]
        let d = Swift.abs(g - (fp - fm) / (2 * eps))
        guard d < Inputs.tol4 else {
          throw BenchmarkError.gradientCheck(x: x, autodiff: g, difference: d)
        }
        maxDiff = Swift.max(maxDiff, d)
        sum += g
      }
      return [Tensor(sum), Tensor(maxDiff)]
    })
  }

  /// W5 "broadcast": z = sum(tanh(A + b) * c), gradients with respect to A, b and c.
  static func w5() throws -> Prepared {
    let params = [try Inputs.a5(), try Inputs.b5(), try Inputs.c5()]
    return Prepared(call: {
      let (value, grads) = try valueWithGradient(at: params) { p in
        try Variable.sum(Variable.tanh(p[0] + p[1]) * p[2])
      }
      return [value] + grads
    })
  }
}

/// Distinct nodes reachable from `root` (all of them, and how many are constants).
func countNodes(_ root: Node?) -> (all: Int, constants: Int) {
  guard let root else { return (0, 0) }
  var seen = Set<ObjectIdentifier>([ObjectIdentifier(root)])
  var stack = [root]
  var constants = 0
  while let node = stack.popLast() {
    if node.op == .constant { constants += 1 }
    for input in node.inputs where seen.insert(ObjectIdentifier(input)).inserted {
      stack.append(input)
    }
  }
  return (seen.count, constants)
}

enum BenchmarkError: Error, CustomStringConvertible {
  case gradientCheck(x: Double, autodiff: Double, difference: Double)

  var description: String {
    switch self {
    case .gradientCheck(let x, let g, let d):
      "gradient check failed at x=\(x): autodiff=\(g), |autodiff - central difference| = \(d)"
    }
  }
}
