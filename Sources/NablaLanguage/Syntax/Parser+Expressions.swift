/// The expression grammar, one method per precedence level, loosest first:
///
///     expression     → comparison
///     comparison     → additive ( ("==" | "!=" | "<" | "<=" | ">" | ">=") additive )?
///     additive       → multiplicative ( ("+" | "-") multiplicative )*
///     multiplicative → unary ( ("*" | "/" | "@") unary )*
///     unary          → ("-" | "+") unary | power
///     power          → postfix ( "^" unary )?
///     postfix        → primary ( "(" arguments ")" | "[" indices "]" )*
///     primary        → NUMBER | NAME | "(" expression ")" | "[" ( expression "," )* "]"
extension SyntaxParser {
  mutating func parseExpression() throws(Diagnostic) -> Expr {
    try parseComparison()
  }

  /// Comparisons do not chain: `a < b < c` is an error, not `(a < b) < c`.
  mutating func parseComparison() throws(Diagnostic) -> Expr {
    let lhs = try parseAdditive()
    guard let op = comparisonOperator(current.kind) else { return lhs }
    advance()
    let rhs = try parseAdditive()
    if comparisonOperator(current.kind) != nil {
      throw error(
        "comparison operators cannot be chained",
        help: "add parentheses to say which comparison comes first, as in (a < b) == c")
    }
    return Expr(.binary(op, lhs, rhs), range: SourceRange(from: lhs.range, to: rhs.range))
  }

  mutating func parseAdditive() throws(Diagnostic) -> Expr {
    var lhs = try parseMultiplicative()
    while true {
      let op: BinaryOperator
      switch current.kind {
      case .plus: op = .add
      case .minus: op = .subtract
      default: return lhs
      }
      advance()
      let rhs = try parseMultiplicative()
      lhs = Expr(.binary(op, lhs, rhs), range: SourceRange(from: lhs.range, to: rhs.range))
    }
  }

  mutating func parseMultiplicative() throws(Diagnostic) -> Expr {
    var lhs = try parseUnary()
    while true {
      let op: BinaryOperator
      switch current.kind {
      case .star: op = .multiply
      case .slash: op = .divide
      case .at: op = .matmul
      default: return lhs
      }
      advance()
      let rhs = try parseUnary()
      lhs = Expr(.binary(op, lhs, rhs), range: SourceRange(from: lhs.range, to: rhs.range))
    }
  }

  /// `-x^2` is `-(x^2)`: the operand of a prefix operator is a power.
  mutating func parseUnary() throws(Diagnostic) -> Expr {
    let op: UnaryOperator
    switch current.kind {
    case .minus: op = .negate
    case .plus: op = .plus
    default: return try parsePower()
    }
    try enterNesting()
    let opToken = advance()
    let operand = try parseUnary()
    exitNesting()
    return Expr(.unary(op, operand), range: SourceRange(from: opToken.range, to: operand.range))
  }

  /// `^` is right-associative and its exponent may carry a sign: `2^3^4`, `2^-1`.
  mutating func parsePower() throws(Diagnostic) -> Expr {
    let base = try parsePostfix()
    guard check(.caret) else { return base }
    try enterNesting()
    advance()
    let exponent = try parseUnary()
    exitNesting()
    return Expr(
      .binary(.power, base, exponent), range: SourceRange(from: base.range, to: exponent.range))
  }

  mutating func parsePostfix() throws(Diagnostic) -> Expr {
    let startIndex = position
    var expr = try parsePrimary()
    while true {
      if check(.leftParen) {
        // A call's result may be called again: `grad(f)(x)`.
        if case .call = expr.kind {
          expr = try parseApply(of: expr)
          continue
        } else if case .apply = expr.kind {
          expr = try parseApply(of: expr)
          continue
        }
        guard case .name(let name) = expr.kind, position == startIndex + 1 else {
          var help: String?
          if case .number = expr.kind { help = "write '*' to multiply" }
          throw Diagnostic.error(
            "only a function name can be called", at: expr.range, help: help)
        }
        expr = try parseCall(name: name, nameRange: expr.range)
      } else if check(.leftBracket) {
        expr = try parseIndex(of: expr)
      } else {
        return expr
      }
    }
  }

  /// `f(a, b, axis: 0)`: keyword arguments after positional ones, each keyword once.
  mutating func parseCall(name: String, nameRange: SourceRange) throws(Diagnostic) -> Expr {
    let (arguments, closer) = try parseArguments()
    return Expr(
      .call(name: name, nameRange: nameRange, arguments: arguments),
      range: SourceRange(from: nameRange, to: closer.range))
  }

  /// `grad(f)(x)`: the arguments of a call of a function-valued expression.
  mutating func parseApply(of callee: Expr) throws(Diagnostic) -> Expr {
    let (arguments, closer) = try parseArguments()
    return Expr(
      .apply(callee: callee, arguments: arguments),
      range: SourceRange(from: callee.range, to: closer.range))
  }

  /// `(a, b, axis: 0)`, and the closing parenthesis.
  mutating func parseArguments() throws(Diagnostic) -> ([Expr.Argument], Token) {
    let opener = try open()
    var arguments: [Expr.Argument] = []
    var firstLabel: String?
    var labels: Set<String> = []
    while !check(.rightParen) {
      if case .identifier(let label) = current.kind, peek(1).kind == .colon {
        let labelToken = advance()
        advance()
        guard labels.insert(label).inserted else {
          throw Diagnostic.error("'\(label)' is given twice", at: labelToken.range)
        }
        firstLabel = firstLabel ?? label
        let value = try parseExpression()
        arguments.append(Expr.Argument(label: label, labelRange: labelToken.range, value: value))
      } else {
        let value = try parseExpression()
        if let firstLabel {
          throw Diagnostic.error(
            "positional argument after keyword argument '\(firstLabel)'", at: value.range,
            help: "put positional arguments first")
        }
        arguments.append(Expr.Argument(value))
      }
      if match(.comma) == nil { break }
    }
    let help: String? =
      if check(.equal) {
        "keyword arguments use ':', as in sum(x, axis: 0)"
      } else {
        startsExpression(current.kind) ? "is a ',' missing?" : nil
      }
    let closer = try close(opener, help: help)
    return (arguments, closer)
  }

  /// `x[0]`, `W[:, 1:3]`, `x[::-1]`, `x[..., 0]`.
  mutating func parseIndex(of base: Expr) throws(Diagnostic) -> Expr {
    let opener = try open()
    if check(.rightBracket) {
      throw error(
        "expected an index after '['", help: "x[0] is the first element, x[:] all of them")
    }
    var items: [IndexItem] = []
    var sawEllipsis = false
    repeat {
      if let dots = match(.ellipsis) {
        if sawEllipsis {
          throw Diagnostic.error("an index can have only one '...'", at: dots.range)
        }
        sawEllipsis = true
        items.append(.ellipsis)
      } else {
        items.append(try parseIndexItem())
      }
    } while match(.comma) != nil
    let closer = try close(opener, help: startsExpression(current.kind) ? "is a ',' missing?" : nil)
    return Expr(
      .index(base: base, items: items), range: SourceRange(from: base.range, to: closer.range))
  }

  /// `i`, or a slice `start:stop:step` with every part optional.
  mutating func parseIndexItem() throws(Diagnostic) -> IndexItem {
    var start: Expr?
    if !check(.colon) { start = try parseExpression() }
    guard match(.colon) != nil else { return .index(start!) }
    let atEnd = { (kind: Token.Kind) in kind == .comma || kind == .rightBracket }
    let stop = atEnd(current.kind) || check(.colon) ? nil : try parseExpression()
    var step: Expr?
    if match(.colon) != nil, !atEnd(current.kind) { step = try parseExpression() }
    return .slice(start: start, stop: stop, step: step)
  }

  mutating func parsePrimary() throws(Diagnostic) -> Expr {
    switch current.kind {
    case .number(let value):
      return Expr(.number(value), range: advance().range)
    case .identifier(let name):
      return Expr(.name(name), range: advance().range)
    case .leftParen:
      let opener = try open()
      let inner = try parseExpression()
      let closer = try close(opener)
      // Keep the parentheses in the node's range, so errors underline what was written.
      return Expr(inner.kind, range: SourceRange(from: opener.range, to: closer.range))
    case .leftBracket:
      let opener = try open()
      var elements: [Expr] = []
      while !check(.rightBracket) {
        elements.append(try parseExpression())
        if match(.comma) == nil { break }
      }
      let closer = try close(
        opener, help: startsExpression(current.kind) ? "is a ',' missing?" : nil)
      return Expr(.tensor(elements), range: SourceRange(from: opener.range, to: closer.range))
    case .ellipsis:
      throw error("'...' can only be used inside an index", help: "as in x[..., 0]")
    default:
      throw expectedExpression()
    }
  }

  /// "expected an expression after '+'", pointing at what came instead.
  func expectedExpression() -> Diagnostic {
    if current.kind == .rightParen || current.kind == .rightBracket, openBrackets.isEmpty {
      return error("unmatched '\(current.kind.symbol)'")
    }
    if let previous = describePrevious() {
      let help = check(.newline) ? "an entry continues on the next line only inside ( or [" : nil
      return error("expected an expression after \(previous)", help: help)
    } else {
      return error("expected an expression")
    }
  }

  func comparisonOperator(_ kind: Token.Kind) -> BinaryOperator? {
    switch kind {
    case .equalEqual: .equal
    case .bangEqual: .notEqual
    case .less: .less
    case .lessEqual: .lessEqual
    case .greater: .greater
    case .greaterEqual: .greaterEqual
    default: nil
    }
  }

  /// Whether a token can begin an expression (used to guess at a missing operator or comma).
  func startsExpression(_ kind: Token.Kind) -> Bool {
    switch kind {
    case .number, .identifier, .leftParen, .leftBracket: true
    default: false
    }
  }
}
