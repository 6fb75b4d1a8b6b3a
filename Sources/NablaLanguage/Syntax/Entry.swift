/// One REPL input (possibly several lines), as the parser understands it.
///
///     try Parser.parseEntry("f(x) = x^2*sin(x)")  // .definition(f(x) = x^2*sin(x))
///     try Parser.parseEntry("W = randn(3, 4)")    // .assignment(name: "W", ...)
///     try Parser.parseEntry(":grad f(2) wrt x")   // .command(.grad(...))
///
/// Equality ignores source ranges.
public enum Entry: Sendable, Hashable {
  /// Nothing but blanks and comments.
  case empty
  /// An expression to evaluate and print: `f(2.0)`.
  case expression(Expr)
  /// `name = value`.
  case assignment(name: String, nameRange: SourceRange, value: Expr)
  /// `f(x, y) = body`.
  case definition(FunctionDefinition)
  /// A command starting with `:`.
  case command(Command)
}

/// A function definition `f(x, y) = body`.
///
/// Equality ignores source ranges. `description` prints it back as Nabla source.
public struct FunctionDefinition: Sendable, Hashable, CustomStringConvertible {
  /// The function's name.
  public var name: String
  /// Where the name was written.
  public var nameRange: SourceRange
  /// The parameter names, distinct, in order.
  public var parameters: [String]
  /// Where each parameter was written (same count as `parameters`).
  public var parameterRanges: [SourceRange]
  /// The body, in which the parameters are free names.
  public var body: Expr

  /// Creates a definition; the ranges default to `unknown` for definitions built by code.
  public init(
    name: String, parameters: [String], body: Expr,
    nameRange: SourceRange = .unknown, parameterRanges: [SourceRange]? = nil
  ) {
    precondition(
      parameterRanges == nil || parameterRanges!.count == parameters.count,
      "one range per parameter")
    self.name = name
    self.parameters = parameters
    self.body = body
    self.nameRange = nameRange
    self.parameterRanges =
      parameterRanges ?? Array(repeating: .unknown, count: parameters.count)
  }

  /// The definition as Nabla source: `f(x, y) = x*y`.
  public var description: String {
    "\(name)(\(parameters.joined(separator: ", "))) = \(body)"
  }

  /// Equality ignores ranges.
  public static func == (lhs: FunctionDefinition, rhs: FunctionDefinition) -> Bool {
    lhs.name == rhs.name && lhs.parameters == rhs.parameters && lhs.body == rhs.body
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(name)
    hasher.combine(parameters)
    hasher.combine(body)
  }
}

extension Entry {
  /// Equality ignores ranges.
  public static func == (lhs: Entry, rhs: Entry) -> Bool {
    switch (lhs, rhs) {
    case (.empty, .empty): true
    case (.expression(let a), .expression(let b)): a == b
    case (.assignment(let n, _, let a), .assignment(let m, _, let b)): n == m && a == b
    case (.definition(let a), .definition(let b)): a == b
    case (.command(let a), .command(let b)): a == b
    default: false
    }
  }

  public func hash(into hasher: inout Hasher) {
    switch self {
    case .empty: hasher.combine(0)
    case .expression(let e): hasher.combine(1); hasher.combine(e)
    case .assignment(let name, _, let value):
      hasher.combine(2)
      hasher.combine(name)
      hasher.combine(value)
    case .definition(let d): hasher.combine(3); hasher.combine(d)
    case .command(let c): hasher.combine(4); hasher.combine(c)
    }
  }
}
