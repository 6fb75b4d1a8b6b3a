// Random inputs for the fuzz target (FuzzHarness.swift): whole programs from the grammar,
// and byte-level mutations of seeds. Shared with the libFuzzer binary (Fuzz/FuzzEntry.swift),
// whose custom mutator calls both.

import NablaCore
import NablaLanguage

/// Grammar-aware programs: definitions, assignments and commands whose expressions use the
/// builtins with sensible and hostile arguments, the names defined so far, and edge-case
/// numbers (0, -0, 1e308, nan, huge sizes).
struct EntryGenerator {
  var rng: SeededGenerator
  /// Tensors and functions (with their arity) defined so far in the program.
  var tensors: [String] = []
  var functions: [(name: String, arity: Int)] = []

  init(seed: UInt64) { rng = SeededGenerator(seed: seed) }

  mutating func int(_ n: Int) -> Int { Int(rng.next() % UInt64(max(n, 1))) }
  mutating func chance(_ p: Double) -> Bool { rng.nextUniform() < p }
  mutating func pick<T>(_ items: [T]) -> T { items[int(items.count)] }

  static let unary = ["exp", "log", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "sqrt", "abs"]
  static let reductions = ["sum", "mean", "max", "min", "logsumexp"]
  static let binary = ["+", "-", "*", "/", "^", "@", "==", "<", ">=", "!="]
  static let numbers = [
    "0", "1", "2", "0.5", "-1", "3", "1e-8", "1e308", "-0", "nan", "inf", "pi", "e", "1e15", "100",
    "0.0001", "-2.5", "9007199254740993", "1e-320", "true",
  ]
  static let parameterNames = ["x", "y", "z", "w", "b"]
  static let settings = [
    ("precision", ["0", "17", "99", "-1"]), ("threshold", ["0", "5", "1e9"]), ("linewidth", ["20", "10000"]),
    ("trials", ["1", "5", "0"]), ("tol", ["0", "1e-3", "nan"]), ("maxelements", ["1", "100", "0"]),
    ("maxnodes", ["1", "50"]), ("maxnesting", ["1", "3", "5000"]), ("maxentry", ["1", "10"]),
    ("maxsymbolic", ["1", "10"]), ("bogus", ["1"]),
  ]

  /// A program of 1 to 12 entries, one per line.
  mutating func program() -> String {
    tensors = []
    functions = []
    var lines: [String] = []
    for _ in 0..<(1 + int(12)) { lines.append(entry()) }
    return lines.joined(separator: "\n")
  }

  mutating func entry() -> String {
    switch int(15) {
    case 0, 1, 2:
      let name = pick(["x", "y", "W", "v", "A", "t\(int(3))"])
      let text = "\(name) = \(expression(depth: 3, parameters: []))"
      if !tensors.contains(name) { tensors.append(name) }
      return text
    case 3, 4, 5:
      let arity = 1 + int(3)
      let parameters = Array(EntryGenerator.parameterNames.prefix(arity))
      let name = pick(["f", "g", "h", "loss", "f\(int(4))"])
      let text = "\(name)(\(parameters.joined(separator: ", "))) = \(expression(depth: 4, parameters: parameters))"
      functions.removeAll { $0.name == name }
      functions.append((name, arity))
      return text
    case 6: return expression(depth: 4, parameters: [])
    case 7, 8: return ":grad " + target() + (chance(0.2) ? " wrt \(pick(EntryGenerator.parameterNames))" : "")
    case 9: return ":check " + target() + (chance(0.2) ? " tol \(pick(EntryGenerator.numbers))" : "")
    case 10:
      guard let f = functions.last else { return ":vars" }
      let domains = EntryGenerator.parameterNames.prefix(f.arity).map { p in
        "\(p) in [\(pick(["-1", "0", "-10", "nan", "1e308"])), \(pick(["1", "10", "0", "-1"]))]"
          + (chance(0.3) ? "^(\(pick(["3", "2, 2", "", "0", "100000, 100000"])))" : "")
      }
      return ":check \(f.name) over \(domains.joined(separator: ", ")) trials \(pick(["1", "3", "10", "0", "100000000"]))"
        + (chance(0.3) ? " seed \(int(100))" : "")
    case 11:
      guard let f = functions.last else { return ":funcs" }
      return ":diff \(f.name)" + (chance(0.3) ? " wrt \(pick(EntryGenerator.parameterNames))" : "")
        + (chance(0.3) ? " as d\(f.name)\(int(3))" : "")
    case 12:
      return pick([":jacobian ", ":hessian ", ":graph ", ":time "]) + target()
    case 13:
      guard let f = functions.last else { return "grad(sin)(1.0)" }
      let args = (0..<f.arity).map { _ in argument() }.joined(separator: ", ")
      switch int(4) {
      case 0:
        return ":plot \(f.name)\(chance(0.3) ? ", sin" : "") over x in [\(pick(["-1", "0", "nan", "-1e308"])), \(pick(["1", "0", "1e308"]))]"
      case 1: return ":plot error \(f.name) at \(argument())"
      case 2:
        return "grad(\(chance(0.3) ? "grad(\(f.name))" : f.name)\(chance(0.3) ? ", wrt: \(pick(EntryGenerator.parameterNames))" : ""))(\(args))"
      default:
        return ":descend \(f.name)(\(args)) lr \(pick(["0.1", "10", "1e300"])) steps \(pick(["1", "5", "50"]))"
          + (chance(0.3) ? " momentum 0.9" : "")
      }
    default:
      let (name, values) = pick(EntryGenerator.settings)
      return pick([
        ":set \(name) \(pick(values))", ":vars", ":funcs", ":help", ":help \(pick(["grad", "set", "sum", "nope"]))",
        ":del \(pick(tensors + ["nothing"]))", ":clear", "# a comment", "",
      ])
    }
  }

  /// What a derivative command differentiates: a call of a defined function, or an
  /// expression of session tensors, or a builtin call.
  mutating func target() -> String {
    if let f = functions.isEmpty ? nil : pick(functions), chance(0.7) {
      let args = (0..<f.arity).map { _ in argument() }
      return "\(f.name)(\(args.joined(separator: ", ")))"
    }
    return expression(depth: 3, parameters: [])
  }

  mutating func argument() -> String {
    switch int(6) {
    case 0: return pick(EntryGenerator.numbers)
    case 1: return tensors.isEmpty ? "2.0" : pick(tensors)
    case 2: return "[\(pick(EntryGenerator.numbers)), \(pick(EntryGenerator.numbers))]"
    case 3: return "linspace(\(pick(["-1", "0"])), 1, \(pick(["3", "5", "0", "1"])))"
    case 4: return "randn(\(pick(["3", "2, 2", "[2, 3]"])), seed: \(int(9)))"
    default: return "\(Double(int(2000)) / 100 - 10)"
    }
  }

  /// A random expression at most `depth` levels deep.
  mutating func expression(depth: Int, parameters: [String]) -> String {
    if depth <= 0 || chance(0.2) { return atom(parameters) }
    let d = depth - 1
    switch int(12) {
    case 0, 1:
      return "\(expression(depth: d, parameters: parameters)) \(pick(EntryGenerator.binary)) \(expression(depth: d, parameters: parameters))"
    case 2: return "\(pick(EntryGenerator.unary))(\(expression(depth: d, parameters: parameters)))"
    case 3:
      let keywords = chance(0.4) ? ", axis: \(pick(["0", "1", "-1", "[0, 1]", "5"]))" + (chance(0.5) ? ", keepdims: true" : "") : ""
      return "\(pick(EntryGenerator.reductions))(\(expression(depth: d, parameters: parameters))\(keywords))"
    case 4: return "(\(expression(depth: d, parameters: parameters)))"
    case 5: return "-\(expression(depth: d, parameters: parameters))"
    case 6:
      let count = int(4)
      let items = (0..<count).map { _ in expression(depth: d, parameters: parameters) }
      return "[\(items.joined(separator: ", "))]"
    case 7:
      let items = (0..<(1 + int(3))).map { _ in index() }
      return "\(atom(parameters))[\(items.joined(separator: ", "))]"
    case 8:
      if let f = functions.isEmpty ? nil : pick(functions) {
        let args = (0..<f.arity).map { _ in expression(depth: d, parameters: parameters) }
        return "\(f.name)(\(args.joined(separator: ", ")))"
      }
      return constructor()
    case 9: return constructor()
    case 10:
      let x = expression(depth: d, parameters: parameters)
      return pick([
        "reshape(\(x), [-1])", "transpose(\(x))", "broadcast_to(\(x), [2, 3])", "softmax(\(x))",
        "concat([\(x), \(x)])", "stack([\(x), \(x)], axis: 1)", "matmul(\(x), \(x))", "dot(\(x), \(x))",
        "where(\(x) > 0, \(x), 0)", "clip(\(x), -1, 1)", "expand_dims(\(x), axis: 0)", "squeeze(\(x))",
        "pow(\(x), 0.5)", "maximum(\(x), 0)", "minimum(\(x), \(x))",
      ])
    default:
      return "\(expression(depth: d, parameters: parameters)) \(pick(EntryGenerator.binary)) \(atom(parameters))"
    }
  }

  mutating func atom(_ parameters: [String]) -> String {
    switch int(5) {
    case 0, 1: return parameters.isEmpty ? pick(EntryGenerator.numbers) : pick(parameters)
    case 2: return tensors.isEmpty ? pick(EntryGenerator.numbers) : pick(tensors)
    case 3: return pick(EntryGenerator.numbers)
    default: return pick(["pi", "undefined_name", "[1, 2, 3]", "[[1, 2], [3, 4]]", "[]", "sin"])
    }
  }

  mutating func index() -> String {
    let n = { (g: inout EntryGenerator) in g.pick(["", "0", "1", "-1", "2", "-5", "100", "1e20", "0.5"]) }
    switch int(4) {
    case 0: return n(&self).isEmpty ? "0" : n(&self)
    case 1: return "\(n(&self)):\(n(&self))"
    case 2: return "\(n(&self)):\(n(&self)):\(pick(["1", "-1", "2", "0", "-9223372036854775807"]))"
    default: return pick(["...", ":", "::-1"])
    }
  }

  mutating func constructor() -> String {
    let size = { (g: inout EntryGenerator) in g.pick(["0", "1", "3", "2, 3", "[2, 2]", "-1", "100000, 100000", "1e10", "[]"]) }
    switch int(8) {
    case 0: return "zeros(\(size(&self)))"
    case 1: return "ones(\(size(&self)))"
    case 2: return "full(\(size(&self)), \(pick(EntryGenerator.numbers)))"
    case 3: return "arange(\(pick(["5", "0", "-3", "1e9", "nan"])))"
    case 4: return "linspace(0, 1, \(pick(["5", "0", "1", "-2", "1e9"])))"
    case 5: return "eye(\(pick(["3", "0", "2, 3", "100000"])))"
    case 6: return "rand(\(size(&self)), seed: \(int(9)))"
    default: return "randn(\(size(&self)), seed: \(pick(["0", "-1", "1e19"])))"
    }
  }
}

/// Byte-level mutations of seed inputs: flips, insertions, deletions, duplications, tokens
/// from a dictionary, splices of two seeds, and runs of brackets.
struct ByteMutator {
  var rng: SeededGenerator

  init(seed: UInt64) { rng = SeededGenerator(seed: seed) }

  mutating func int(_ n: Int) -> Int { Int(rng.next() % UInt64(max(n, 1))) }

  /// Tokens worth inserting whole.
  static let dictionary: [String] = [
    "(", ")", "[", "]", ",", ":", "=", "^", "@", "+", "-", "*", "/", "...", "::", "#", "#=> ", "\n", " wrt ",
    " over ", " in ", " trials ", " tol ", " as ", ":grad ", ":check ", ":diff ", ":jacobian ", ":hessian ",
    ":plot ", ":plot error ", " at ", ":descend ", " lr ", " steps ", " momentum ", "grad(", ")(",
    ":graph ", ":time ", ":set ", ":del ", "axis:", "keepdims:", "seed:", "nan", "inf", "1e308", "-0",
    "9223372036854775807", "sum(", "reshape(", "zeros(", "f(x) = ", "x = ", "\u{0}", "\u{FFFD}", "é", "∂", "\t",
    "\r\n", "\"",
  ]

  /// `seed` mutated 1 to 8 times; `other` is spliced in sometimes.
  mutating func mutate(_ seed: [UInt8], other: [UInt8], maximumSize: Int = 4096) -> [UInt8] {
    var bytes = seed
    for _ in 0..<(1 + int(8)) {
      switch int(10) {
      case 0 where !bytes.isEmpty:
        bytes[int(bytes.count)] ^= UInt8(1 << int(8))
      case 1:
        bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: int(bytes.count + 1))
      case 2 where !bytes.isEmpty:
        let start = int(bytes.count)
        bytes.removeSubrange(start..<min(bytes.count, start + 1 + int(16)))
      case 3 where !bytes.isEmpty:
        let start = int(bytes.count)
        let piece = Array(bytes[start..<min(bytes.count, start + 1 + int(32))])
        bytes.insert(contentsOf: piece, at: int(bytes.count + 1))
      case 4, 5:
        let token = Array(ByteMutator.dictionary[int(ByteMutator.dictionary.count)].utf8)
        bytes.insert(contentsOf: token, at: int(bytes.count + 1))
      case 6 where !other.isEmpty:
        let cut = int(bytes.count + 1)
        let from = int(other.count)
        bytes = Array(bytes[..<cut]) + Array(other[from..<min(other.count, from + 1 + int(200))])
      case 7:
        let opener = Array(["(", "[", "-", "f(", "x[", "2^"][int(6)].utf8)
        let run = [UInt8](repeating: 0, count: 0) + (0..<(1 + int(300))).flatMap { _ in opener }
        bytes.insert(contentsOf: run, at: int(bytes.count + 1))
      case 8 where !bytes.isEmpty:
        // A digit becomes a large number.
        if let i = bytes.indices.filter({ bytes[$0] >= 48 && bytes[$0] <= 57 }).randomElement(using: &rng) {
          bytes.insert(contentsOf: Array(["00000", "e300", "9999999", ".5"][int(4)].utf8), at: i + 1)
        }
      default:
        bytes.append(UInt8(truncatingIfNeeded: rng.next()))
      }
    }
    return Array(bytes.prefix(maximumSize))
  }
}
