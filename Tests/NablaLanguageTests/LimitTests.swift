import NablaLanguage
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Nesting limits, long entries and deep trees: nothing may overflow the stack or go quadratic.
@Suite struct LimitTests {
  static let tooDeep = "expression nested too deeply (limit 200)"

  @Test(arguments: ["(", "[", "-", "+", "f(", "x[", "2^"])
  func hundredThousandOpenersFailQuickly(opener: String) {
    let text = String(repeating: opener, count: 100_000)
    do {
      _ = try Parser.parseEntry(text)
      Issue.record("parsed")
    } catch {
      #expect(error.message == Self.tooDeep)
      #expect(!error.isIncompleteInput)
      // The parser gave up at the limit, not after reading everything.
      #expect(error.range.start <= 200 * opener.utf8.count + 1)
    }
  }

  @Test func hundredThousandOpenersInACommand() {
    do {
      _ = try Parser.parseEntry(":grad " + String(repeating: "(", count: 100_000))
      Issue.record("parsed")
    } catch {
      #expect(error.message == Self.tooDeep)
    }
  }

  @Test(arguments: [
    ("(", "1", ")"), ("[", "1", "]"), ("-", "x", ""), ("f(", "x", ")"), ("2^", "2", ""),
  ])
  func exactlyTheLimitParses(open: String, middle: String, close: String) throws {
    let depth = Parser.defaultNestingLimit
    let text =
      String(repeating: open, count: depth) + middle + String(repeating: close, count: depth)
    _ = try Parser.parseExpression(text)
    let deeper = open + text + close
    #expect(throws: Diagnostic.self) { try Parser.parseExpression(deeper) }
  }

  @Test func limitIsConfigurable() throws {
    let text = "((((x))))"
    _ = try Parser.parseExpression(text, nestingLimit: 4)
    do {
      _ = try Parser.parseExpression(text, nestingLimit: 3)
      Issue.record("parsed")
    } catch {
      #expect(
        DiagnosticRenderer.render(error, in: SourceText(text), color: false) == """
          error: expression nested too deeply (limit 3)
            ((((x))))
               ^
            help: split it into smaller definitions
          """)
    }
  }

  @Test func deepestTreesFreeAndPrint() throws {
    // The deepest trees the limit allows, mixing every nesting construct.
    let unit = ["-(", "f(", "[", "x[", "2^("]
    var text = ""
    for level in 0..<Parser.defaultNestingLimit / 2 { text += unit[level % unit.count] }
    text += "1"
    for level in (0..<Parser.defaultNestingLimit / 2).reversed() {
      text += ["-(", "f(", "2^("].contains(unit[level % unit.count]) ? ")" : "]"
    }
    var tree: Expr? = try Parser.parseExpression(text)
    #expect(tree!.height > 100)
    #expect(try Parser.parseExpression(tree!.description) == tree!)
    tree = nil
  }

  @Test func megabyteChainParsesInLinearTime() throws {
    // About 1 MB: 500,000 additions, a left-leaning tree 500,001 nodes deep.
    let text = "1" + String(repeating: "+1", count: 500_000)
    let start = threadCPUSeconds()
    var tree: Expr? = try Parser.parseExpression(text)
    let seconds = threadCPUSeconds() - start
    #expect(tree!.height == 500_001)
    tree = nil  // freed without recursion
    #if DEBUG
      #expect(seconds < 20)
    #else
      #expect(seconds < 1)
    #endif
  }

  @Test func longChainPrintsAndCompares() throws {
    let text = "x" + String(repeating: " - 1", count: 100_000)
    let tree = try Parser.parseExpression(text)
    #expect(tree.description == text)
    #expect(tree == tree.copyForTesting())
    #expect(tree != Expr.binary(.add, tree.copyForTesting(), .number(1)))
    #expect(Set([tree, tree.copyForTesting()]).count == 1)
  }

  @Test func longEntryOfManyLines() throws {
    let rows = (0..<20_000).map { "[\($0), \($0 + 1)]," }.joined(separator: "\n")
    let parsed = try entry("x = [" + rows + "]")
    guard case .assignment(_, _, let value) = parsed, case .tensor(let elements) = value.kind else {
      Issue.record("not a tensor assignment")
      return
    }
    #expect(elements.count == 20_000)
  }

  @Test func longPowerAndIndexChains() throws {
    // Postfix chains are iterative too.
    let indexed = "x" + String(repeating: "[0]", count: 100_000)
    #expect(try Parser.parseExpression(indexed).height == 100_001)
    let product = Array(repeating: "x", count: 100_000).joined(separator: "*")
    #expect(try Parser.parseExpression(product).height == 100_000)
  }
}

/// CPU time of the calling thread, unaffected by other tests running in parallel.
func threadCPUSeconds() -> Double {
  var time = timespec()
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
  return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

extension Expr {
  /// A structurally equal tree sharing no nodes with this one (built without recursion).
  func copyForTesting() -> Expr {
    // Only chains of binary nodes are needed here.
    var spine: [(BinaryOperator, Expr)] = []
    var node = self
    while case .binary(let op, let lhs, let rhs) = node.kind {
      spine.append((op, Expr(rhs.kind, range: rhs.range)))
      node = lhs
    }
    var copy = Expr(node.kind, range: node.range)
    for (op, rhs) in spine.reversed() { copy = .binary(op, copy, rhs) }
    return copy
  }
}
