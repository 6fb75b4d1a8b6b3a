/// What is known of a term's sign everywhere it is defined, so that a derivative is noted as
/// undefined only where it can be: `log(x^2 + 1)`, `sqrt(exp(x))` and `2^x` have derivatives
/// everywhere, `log(x^2)` not at 0.
///
///     positive      numbers > 0, e, pi, exp(…), sigmoid(…), softmax(…), a > 0 to any power,
///                   sums of nonnegative terms with a positive one (x^2 + 1), abs(x) + 1
///     nonnegative   numbers ≥ 0, abs, relu, sqrt, even powers (x^2), products and sums of these
enum TermSign: Comparable {
  case unknown
  case nonnegative
  case positive
}

extension TermGraph {
  /// The sign of `t` wherever it is defined; `memo` caches what is known (terms are shared).
  /// Deep terms are not explored past a bound: their sign is then unknown.
  func sign(of t: Term, memo: inout [Int: TermSign], depth: Int = 0) -> TermSign {
    if let known = memo[t.id] { return known }
    guard depth < 200 else { return .unknown }
    func of(_ u: Term) -> TermSign { sign(of: u, memo: &memo, depth: depth + 1) }
    let result: TermSign
    switch t.op {
    case .number(let bits):
      let x = numberValue(bits)
      result = x > 0 ? .positive : x == 0 ? .nonnegative : .unknown
    case .constant(let name):
      result = name == "e" || name == "pi" || name == "inf" || name == "true" ? .positive : .unknown
    case .tensor(let name):
      let values = tensors[name]?.scalars ?? []
      result =
        values.isEmpty
        ? .unknown
        : values.allSatisfy { $0 > 0 } ? .positive : values.allSatisfy { $0 >= 0 } ? .nonnegative : .unknown
    case .variable:
      result = .unknown
    case .sum(let k, let coefficients, _):
      // Every term nonnegative (after its coefficient), and the constant too: nonnegative;
      // positive when something is surely positive.
      let constant = numberValue(k)
      var anyPositive = constant > 0
      var allNonnegative = constant >= 0
      for (c, a) in zip(coefficients, t.args) where allNonnegative {
        let s = of(a)
        if numberValue(c) > 0 && s >= .nonnegative {
          if s == .positive { anyPositive = true }
        } else {
          allNonnegative = false
        }
      }
      result = !allNonnegative ? .unknown : anyPositive ? .positive : .nonnegative
    case .product(let k, let exponents):
      guard numberValue(k) > 0 else {
        result = .unknown
        break
      }
      var s = TermSign.positive
      for (e, a) in zip(exponents, t.args) {
        let exponent = numberValue(e)
        let base = of(a)
        let even = exponent.truncatingRemainder(dividingBy: 2) == 0
        if base == .positive {
          continue
        } else if base == .nonnegative || (even && exponent > 0) {
          // 0 to a negative power is undefined, so a nonnegative base with one is positive
          // wherever defined; x^2 is nonnegative.
          if exponent > 0 { s = min(s, .nonnegative) }
        } else {
          s = .unknown
        }
      }
      result = s
    case .power:
      result = of(t.args[0]) == .positive ? .positive : .unknown
    case .call(let name, _):
      switch name {
      case "exp", "sigmoid", "softmax":
        result = .positive
      case "abs", "relu", "sqrt", "size", "shape":
        result = .nonnegative
      case "sum", "mean", "max", "min", "logsumexp", "broadcast_to", "reshape", "transpose",
        "expand_dims", "squeeze", "sum_to", "maximum":
        // Sums, means and extremes of positive elements are positive (logsumexp is not).
        let inner = t.args.first.map(of) ?? .unknown
        if name == "logsumexp" {
          result = .unknown
        } else if name == "maximum" {
          result = t.args.map(of).max() ?? .unknown
        } else {
          result = inner
        }
      default:
        result = .unknown
      }
    case .compare, .matmul, .literal, .index:
      if case .literal = t.op {
        result = t.args.map(of).min() ?? .unknown
      } else if case .compare = t.op {
        result = .nonnegative
      } else if case .index = t.op {
        result = t.args.first.map(of) ?? .unknown
      } else {
        result = .unknown
      }
    }
    memo[t.id] = result
    return result
  }
}
