import NablaCore

/// A function built into the language, with its signature and help.
///
/// The evaluator binds arguments by the signature (positional, then keywords) and converts
/// each to its parameter's kind before calling `body`, so every builtin reports arity,
/// keyword and type errors the same way.
public struct Builtin: Sendable {
  /// What a parameter accepts.
  public enum Kind: Sendable, Equatable {
    /// Any tensor (differentiable).
    case tensor
    /// A one-element tensor read as a number.
    case number
    /// A one-element tensor holding an integer.
    case integer
    /// `true` or `false` (any one-element tensor; nonzero is true).
    case boolean
    /// An integer or a list of integers (`axis: 0`, `axis: [0, 1]`).
    case axes
    /// A shape: a list of sizes, or (when last among the positionals) separate integers.
    case shape
    /// A list of tensors: `[a, b]` (each element evaluated separately).
    case tensors
  }

  /// One parameter of a builtin.
  public struct Parameter: Sendable {
    public var name: String
    public var kind: Kind
    /// Whether the argument may be left out (the body then sees `nil`).
    public var optional: Bool
    /// How the default reads in help text (`0`, `false`, `none`).
    public var defaultText: String?
    /// Other keywords that name this parameter (numpy's: `fill_value:` for `value:`).
    public var aliases: [String]

    public init(
      _ name: String, _ kind: Kind, default defaultText: String? = nil, aliases: [String] = []
    ) {
      self.name = name
      self.kind = kind
      self.optional = defaultText != nil
      self.defaultText = defaultText
      self.aliases = aliases
    }

    /// Whether `label:` names this parameter (its name or an alias).
    public func accepts(_ label: String) -> Bool { name == label || aliases.contains(label) }
  }

  /// Groups for help listings.
  public enum Category: String, Sendable, CaseIterable {
    case elementwise = "elementwise"
    case reduction = "reductions"
    case shape = "shapes and indexing"
    case linearAlgebra = "linear algebra"
    case construction = "constructors"
  }

  public var name: String
  public var parameters: [Parameter]
  public var category: Category
  /// One line: what it computes.
  public var summary: String
  /// An entry a person can type.
  public var example: String
  let body: @Sendable (BoundArguments) throws -> Variable

  /// `name(x, axis: none, keepdims: false)`
  public var signature: String {
    let parts = parameters.map { p in
      p.defaultText.map { "\(p.name): \($0)" } ?? p.name
    }
    return "\(name)(\(parts.joined(separator: ", ")))"
  }
}

/// Arguments bound to a builtin's parameters and converted to their kinds.
public struct BoundArguments {
  enum Value {
    case variable(Variable)
    case number(Double)
    case integer(Int)
    case boolean(Bool)
    case list([Int])
    case tensors([Variable])
  }

  var values: [String: Value]

  func variable(_ name: String) -> Variable? {
    if case .variable(let v)? = values[name] { return v }
    return nil
  }
  func tensor(_ name: String) -> Variable {
    variable(name) ?? Variable(Tensor(0))
  }
  func number(_ name: String) -> Double? {
    if case .number(let v)? = values[name] { return v }
    return nil
  }
  func integer(_ name: String) -> Int? {
    if case .integer(let v)? = values[name] { return v }
    return nil
  }
  func boolean(_ name: String) -> Bool? {
    if case .boolean(let v)? = values[name] { return v }
    return nil
  }
  func list(_ name: String) -> [Int]? {
    if case .list(let v)? = values[name] { return v }
    return nil
  }
  func tensors(_ name: String) -> [Variable] {
    if case .tensors(let v)? = values[name] { return v }
    return []
  }
}
