import NablaLanguage
import NablaSession

/// What Tab offers at the cursor: the word it replaces (the end of the text before the
/// cursor) and the texts that may replace it, each with whatever should follow (`":grad "`,
/// `"sin("`, `"axis: "`, `"sessions/"`).
struct Completion: Equatable, Sendable {
  /// The characters before the cursor that a candidate replaces.
  var word: String
  var candidates: [String]
}

/// Tab completion for one line, as a pure function of the text before the cursor:
///
///     var completer = Completer(tensors: ["x"], functions: ["f"])
///     completer.complete(":gr")           // [":grad "]
///     completer.complete("y = si")        // ["sin(", "sinh("] when both exist
///     completer.complete("sum(x, ax")     // ["axis: "]
///     completer.complete(":load sess")    // ["sessions/"], from `listDirectory`
///
/// Commands complete after a leading `:`, file names after `:load`, `:save` and `:dot … >`,
/// help topics after `:help`, setting names after `:set`, and elsewhere session names, builtins and constants; inside a
/// builtin's parentheses, at the start of an argument, its keyword arguments come first.
struct Completer: Sendable {
  /// Session tensors.
  var tensors: [String] = []
  /// Session functions.
  var functions: [String] = []
  /// Lists a directory for file-name completion (`nil` when it cannot be read).
  var listDirectory: @Sendable (String) -> [DirectoryEntry]? = { _ in nil }
  /// The home directory, for paths that start with `~/`.
  var homeDirectory: String? = nil

  /// The candidates at the end of `textBeforeCursor`, sorted, without duplicates.
  func complete(_ textBeforeCursor: String) -> Completion {
    let scalars = Array(textBeforeCursor.unicodeScalars)
    var first = 0
    while first < scalars.count && Completer.isSpace(scalars[first]) { first += 1 }
    if first < scalars.count && scalars[first] == ":" {
      return completeCommandLine(Array(scalars[first...]))
    }
    return completeExpression(scalars)
  }

  // MARK: Commands

  private func completeCommandLine(_ scalars: [Unicode.Scalar]) -> Completion {
    guard let space = scalars.firstIndex(where: Completer.isSpace) else {
      let typed = String(String.UnicodeScalarView(scalars))
      return Completion(word: typed, candidates: Completer.commandNames(matching: typed))
    }
    let name = String(String.UnicodeScalarView(scalars[..<space]))
    let rest = Array(scalars[space...])
    switch name {
    case ":load", ":save", ":save!":
      return completePath(lastWord(of: rest))
    case ":dot":
      guard let arrow = rest.lastIndex(of: ">") else { return completeExpression(rest) }
      return completePath(lastWord(of: Array(rest[(arrow + 1)...])))
    case ":help":
      let word = lastWord(of: rest)
      let topics = Command.catalog.map { String($0.name.dropFirst()) } + Builtin.all.keys
      return Completion(
        word: word, candidates: Completer.sortedUnique(topics.filter { $0.hasPrefix(word) }))
    case ":set":
      // The setting's name, then its value (nothing to complete).
      let words = String(String.UnicodeScalarView(rest)).split(separator: " ", omittingEmptySubsequences: true)
      let word = lastWord(of: rest)
      guard words.count <= 1 && (words.isEmpty || !word.isEmpty) else { return Completion(word: word, candidates: []) }
      return Completion(
        word: word, candidates: Completer.sortedUnique(Settings.names.filter { $0.hasPrefix(word) }).map { $0 + " " })
    case ":del":
      let word = lastWord(of: rest)
      return Completion(
        word: word,
        candidates: Completer.sortedUnique((tensors + functions).filter { $0.hasPrefix(word) }))
    default:
      var completion = completeExpression(rest)
      // After a complete operand and a space, outside brackets, no name can follow: only
      // the command's own words (`wrt`, `over`, `trials`), each once.
      let keywords = Completer.commandKeywords(of: name)
      if Completer.followsOperand(
        rest, wordLength: completion.word.unicodeScalars.count, keywords: keywords)
      {
        let used = Set(
          String(String.UnicodeScalarView(rest)).split { !$0.isLetter }.dropLast().map(String.init))
        completion.candidates =
          keywords
          .filter { $0.hasPrefix(completion.word) && !used.contains($0) }
          .map { $0 + " " }
      }
      return completion
    }
  }

  /// Whether the word at the end of `scalars` comes after a space that follows an operand
  /// (a name other than a keyword, a number, a closing bracket) at bracket depth 0:
  /// `f(2.0) w`, `[-1, 1] tr`, but not `wrt w`.
  private static func followsOperand(
    _ scalars: [Unicode.Scalar], wordLength: Int, keywords: [String]
  ) -> Bool {
    let wordStart = scalars.count - wordLength
    var previous = wordStart - 1
    while previous >= 0 && isSpace(scalars[previous]) { previous -= 1 }
    guard previous >= 0, previous < wordStart - 1 else { return false }
    let c = scalars[previous]
    guard isIdentifierScalar(c) || c == ")" || c == "]" || c == "." else { return false }
    var tokenStart = previous
    while tokenStart > 0 && isIdentifierScalar(scalars[tokenStart - 1]) { tokenStart -= 1 }
    let token = String(String.UnicodeScalarView(scalars[tokenStart...previous]))
    return !keywords.contains(token) && bracketDepth(Array(scalars[..<wordStart])) == 0
  }

  /// The lowercase words in a command's usages: `wrt` for `:grad`; `over`, `in`, `trials`,
  /// `tol`, `rtol` and `seed` for `:check`.
  static func commandKeywords(of name: String) -> [String] {
    guard let syntax = Command.catalog.first(where: { $0.name == name }) else { return [] }
    let words = syntax.usages.flatMap { usage in
      usage.split { !$0.isLetter }.map(String.init)
    }
    return sortedUnique(
      words.filter { word in word.allSatisfy(\.isLowercase) && ":" + word != name })
  }

  private static func bracketDepth(_ scalars: [Unicode.Scalar]) -> Int {
    scalars.reduce(0) { depth, c in
      c == "(" || c == "[" ? depth + 1 : c == ")" || c == "]" ? depth - 1 : depth
    }
  }

  /// Command names that start with `typed`, each followed by a space when it takes arguments.
  static func commandNames(matching typed: String) -> [String] {
    var names: [String] = []
    for syntax in Command.catalog {
      let takesArguments = syntax.usages.contains { $0 != syntax.name }
      for usage in syntax.usages {
        // `:save!` is its own spelling of `:save`.
        guard let spelling = usage.split(separator: " ").first.map(String.init),
          spelling.hasPrefix(syntax.name)
        else { continue }
        names.append(spelling + (takesArguments ? " " : ""))
      }
    }
    return sortedUnique(names.filter { $0.hasPrefix(typed) })
  }

  // MARK: Files

  /// Entries of the directory part of `word` whose names start with its last component:
  /// directories end in `/`; hidden files show only once the name starts with a dot.
  private func completePath(_ word: String) -> Completion {
    let slash = word.lastIndex(of: "/")
    let directoryPart = slash.map { String(word[...$0]) } ?? ""
    let namePrefix = slash.map { String(word[word.index(after: $0)...]) } ?? word
    var directory = directoryPart.isEmpty ? "." : directoryPart
    if directory.hasPrefix("~/"), let home = homeDirectory {
      directory = home + directory.dropFirst()
    }
    guard let entries = listDirectory(directory) else {
      return Completion(word: word, candidates: [])
    }
    let candidates = entries.compactMap { entry -> String? in
      guard entry.name != "." && entry.name != "..", entry.name.hasPrefix(namePrefix) else {
        return nil
      }
      if entry.name.hasPrefix(".") && !namePrefix.hasPrefix(".") { return nil }
      return directoryPart + entry.name + (entry.isDirectory ? "/" : "")
    }
    return Completion(word: word, candidates: Completer.sortedUnique(candidates))
  }

  // MARK: Expressions

  private func completeExpression(_ scalars: [Unicode.Scalar]) -> Completion {
    var start = scalars.count
    while start > 0 && Completer.isIdentifierScalar(scalars[start - 1]) { start -= 1 }
    let word = String(String.UnicodeScalarView(scalars[start...]))
    // A number (`2e`, `1_000`) is not a name.
    if let head = word.unicodeScalars.first, head.properties.numericType != nil {
      return Completion(word: word, candidates: [])
    }
    // `x.` and `2.` continue a number or are an error; nothing to offer.
    if start > 0 && scalars[start - 1] == "." { return Completion(word: word, candidates: []) }

    var candidates: [String] = []
    if let call = enclosingBuiltinCall(scalars, wordStart: start) {
      candidates += call.keywords.filter { $0.hasPrefix(word) }.map { $0 + ": " }
      // With nothing typed, the keywords are the useful list; every name would drown them.
      if word.isEmpty { return Completion(word: word, candidates: candidates) }
    }
    var names = tensors + Builtin.constants.keys
    names += (functions + Builtin.all.keys + FunctionExpression.transforms).map { $0 + "(" }
    candidates += Completer.sortedUnique(names.filter { $0.hasPrefix(word) })
    return Completion(word: word, candidates: candidates)
  }

  /// When the word starts an argument of a builtin call (right after `(` or `,`), that
  /// builtin's parameters not yet given positionally or by keyword.
  private func enclosingBuiltinCall(
    _ scalars: [Unicode.Scalar], wordStart: Int
  ) -> (name: String, keywords: [String])? {
    var before = wordStart - 1
    while before >= 0 && Completer.isSpace(scalars[before]) { before -= 1 }
    guard before >= 0, scalars[before] == "(" || scalars[before] == "," else { return nil }
    // Find the innermost unclosed bracket, counting the top-level commas and keywords in it.
    var depth = 0
    var commas = 0
    var i = before
    var open = -1
    while i >= 0 {
      switch scalars[i] {
      case ")", "]": depth += 1
      case "(", "[":
        if depth == 0 { open = i } else { depth -= 1 }
      case "," where depth == 0: commas += 1
      default: break
      }
      if open >= 0 { break }
      i -= 1
    }
    guard open >= 0, scalars[open] == "(" else { return nil }
    var nameEnd = open
    while nameEnd > 0 && Completer.isSpace(scalars[nameEnd - 1]) { nameEnd -= 1 }
    var nameStart = nameEnd
    while nameStart > 0 && Completer.isIdentifierScalar(scalars[nameStart - 1]) { nameStart -= 1 }
    let name = String(String.UnicodeScalarView(scalars[nameStart..<nameEnd]))
    guard let builtin = Builtin.all[name] else { return nil }
    let arguments = String(String.UnicodeScalarView(scalars[(open + 1)..<wordStart]))
    let given = Completer.keywordsGiven(in: arguments)
    // Arguments before the first keyword are positional and take the leading parameters.
    let positional = given.isEmpty ? commas : Completer.commasBeforeFirstKeyword(in: arguments)
    let keywords = builtin.parameters.enumerated().compactMap { index, parameter -> String? in
      index < positional || given.contains(parameter.name) ? nil : parameter.name
    }
    return (name, keywords)
  }

  /// `axis` and `keepdims` in `x, axis: 0, keepdims: true, `.
  private static func keywordsGiven(in arguments: String) -> Set<String> {
    var given: Set<String> = []
    let scalars = Array(arguments.unicodeScalars)
    var depth = 0
    for (i, c) in scalars.enumerated() {
      switch c {
      case "(", "[": depth += 1
      case ")", "]": depth -= 1
      default: break
      }
      guard c == ":" && depth == 0 else { continue }
      var end = i
      while end > 0 && isSpace(scalars[end - 1]) { end -= 1 }
      var start = end
      while start > 0 && isIdentifierScalar(scalars[start - 1]) { start -= 1 }
      if start < end { given.insert(String(String.UnicodeScalarView(scalars[start..<end]))) }
    }
    return given
  }

  private static func commasBeforeFirstKeyword(in arguments: String) -> Int {
    var commas = 0
    var depth = 0
    for c in arguments.unicodeScalars {
      switch c {
      case "(", "[": depth += 1
      case ")", "]": depth -= 1
      case "," where depth == 0: commas += 1
      case ":" where depth == 0: return max(0, commas)
      default: break
      }
    }
    return commas
  }

  // MARK: Helpers

  /// The text after the last space (the word being typed in a command's arguments).
  private func lastWord(of scalars: [Unicode.Scalar]) -> String {
    let start = (scalars.lastIndex(where: Completer.isSpace).map { $0 + 1 }) ?? 0
    return String(String.UnicodeScalarView(scalars[start...]))
  }

  static func isSpace(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" || c == "\n" }

  /// The lexer's identifier characters: ASCII letters, digits and `_`, and non-ASCII letters,
  /// digits and marks.
  static func isIdentifierScalar(_ c: Unicode.Scalar) -> Bool {
    if c.isASCII {
      return c == "_" || c.properties.isAlphabetic || ("0"..."9").contains(c)
    }
    let p = c.properties
    return p.isAlphabetic || p.numericType != nil || p.generalCategory == .nonspacingMark
      || p.generalCategory == .spacingMark
  }

  static func sortedUnique(_ names: [String]) -> [String] {
    Array(Set(names)).sorted()
  }
}

/// One name in a directory listing.
struct DirectoryEntry: Sendable, Equatable {
  var name: String
  var isDirectory: Bool
}
