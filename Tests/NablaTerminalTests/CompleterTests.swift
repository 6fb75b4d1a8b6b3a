import NablaSession
import Testing

@testable import NablaTerminal

@Suite struct CompleterTests {
  let completer = Completer(
    tensors: ["x", "weights", "W"], functions: ["f", "loss"],
    listDirectory: { path in
      switch path {
      case ".":
        [
          DirectoryEntry(name: "lecture.nabla", isDirectory: false),
          DirectoryEntry(name: "sessions", isDirectory: true),
          DirectoryEntry(name: ".hidden", isDirectory: false),
        ]
      case "sessions/": [DirectoryEntry(name: "intro.nabla", isDirectory: false)]
      case "/home/me/": [DirectoryEntry(name: "notes.nabla", isDirectory: false)]
      default: nil
      }
    },
    homeDirectory: "/home/me")

  @Test func commandNamesAfterAColon() {
    #expect(
      completer.complete(":gr") == Completion(word: ":gr", candidates: [":grad ", ":graph "]))
    #expect(completer.complete("  :va").candidates == [":vars"])  // no arguments, no space
    #expect(completer.complete(":sa").candidates == [":save ", ":save! "])
    #expect(completer.complete(":").candidates.count >= 18)
    #expect(completer.complete(":zz").candidates == [])
  }

  @Test func settingNamesAfterSet() {
    #expect(completer.complete(":set pre") == Completion(word: "pre", candidates: ["precision "]))
    #expect(completer.complete(":set t").candidates == ["threshold ", "time ", "tol ", "trials "])
    #expect(completer.complete(":set ").candidates.count == Settings.names.count)
    #expect(completer.complete(":set precision ").candidates == [])
    #expect(completer.complete(":set precision 4").candidates == [])
  }

  @Test func namesAndBuiltinsInExpressions() {
    let si = completer.complete("y = si")
    #expect(si.word == "si" && si.candidates.contains("sigmoid(") && si.candidates.contains("sin("))
    #expect(si.candidates.allSatisfy { $0.hasPrefix("si") && $0.hasSuffix("(") })
    #expect(completer.complete("wei") == Completion(word: "wei", candidates: ["weights"]))
    #expect(completer.complete("2 * lo").candidates == ["log(", "logsumexp(", "loss("])
    #expect(completer.complete("p").candidates.contains("pi"))
    #expect(completer.complete(":grad f(2.0) wrt w").candidates.contains("weights"))
  }

  @Test func numbersAreNotNames() {
    #expect(completer.complete("1e").candidates == [])
    #expect(completer.complete("x[0").candidates == [])
  }

  @Test func keywordArgumentsInsideABuiltinsParentheses() {
    #expect(completer.complete("sum(x, ax") == Completion(word: "ax", candidates: ["axis: "]))
    #expect(completer.complete("sum(x, ").candidates == ["axis: ", "keepdims: "])
    #expect(completer.complete("sum(x, axis: 0, ").candidates == ["keepdims: "])
    #expect(completer.complete("1 + mean(W @ x, k").candidates.first == "keepdims: ")
    // Inside a nested call, the innermost builtin counts.
    #expect(completer.complete("sum(exp(x), ").candidates == ["axis: ", "keepdims: "])
    // Not at the start of an argument: names only.
    #expect(completer.complete("sum(x + ax").candidates == [])
    // A user function has no keywords.
    #expect(!completer.complete("f(").candidates.contains { $0.hasSuffix(": ") })
  }

  @Test func fileNamesAfterLoadAndSave() {
    #expect(
      completer.complete(":load lec") == Completion(word: "lec", candidates: ["lecture.nabla"]))
    #expect(completer.complete(":load ").candidates == ["lecture.nabla", "sessions/"])
    #expect(completer.complete(":load .").candidates == [".hidden"])
    #expect(
      completer.complete(":save sessions/i")
        == Completion(word: "sessions/i", candidates: ["sessions/intro.nabla"]))
    #expect(completer.complete(":save! ~/no").candidates == ["~/notes.nabla"])
    #expect(completer.complete(":dot f(2.0) > lec").candidates == ["lecture.nabla"])
    #expect(completer.complete(":load nowhere/x").candidates == [])
  }

  @Test func commandKeywordsOutsideBrackets() {
    #expect(completer.complete(":check f over x in [-10, 10] tr").candidates == ["trials "])
    #expect(completer.complete(":check f ov").candidates == ["over "])
    #expect(completer.complete(":check f over x i").candidates == ["in "])
    #expect(completer.complete(":grad loss(W, x) w").candidates == ["wrt "])
    #expect(completer.complete(":grad loss(W, x) wrt w").candidates.contains("weights"))
    #expect(completer.complete(":diff f a").candidates == ["as "])
    // Inside brackets or after an operator, a name.
    #expect(completer.complete(":grad loss(W, w").candidates.contains("weights"))
    #expect(completer.complete(":grad x + w").candidates.contains("weights"))
    #expect(completer.complete(":grad w").candidates.contains("weights"))
    #expect(!completer.complete(":grad w").candidates.contains("wrt "))
    #expect(Completer.commandKeywords(of: ":check").contains("seed"))
    #expect(Completer.commandKeywords(of: ":vars") == [])
  }

  @Test func helpTopicsAndDeletableNames() {
    #expect(completer.complete(":help gr").candidates == ["grad", "graph"])
    #expect(completer.complete(":help softm").candidates == ["softmax"])
    #expect(completer.complete(":del w").candidates == ["weights"])
  }
}

@Suite struct CompletionMatchesTests {
  @Test func libeditsShorterWordDropsTheTypedDirectory() {
    let completion = Completion(word: "sessions/i", candidates: ["sessions/intro.nabla"])
    #expect(CompletionMatches.reconcile(completion, withWord: "i") == ["intro.nabla"])
  }

  @Test func libeditsLongerWordIsKept() {
    let completion = Completion(word: "ax", candidates: ["axis: "])
    #expect(CompletionMatches.reconcile(completion, withWord: "x.ax") == ["x.axis: "])
  }

  @Test func disagreeingWordsGiveNothing() {
    #expect(
      CompletionMatches.reconcile(Completion(word: "ab", candidates: ["abc"]), withWord: "zz") == []
    )
  }

  @Test func commonPrefixIsWholeCharacters() {
    #expect(CompletionMatches.commonPrefix([":grad ", ":graph "]) == ":gra")
    #expect(CompletionMatches.commonPrefix(["∂a", "∂b"]) == "∂")
    #expect(CompletionMatches.commonPrefix(["sin("]) == "sin(")
    #expect(CompletionMatches.commonPrefix([]) == "")
  }
}
