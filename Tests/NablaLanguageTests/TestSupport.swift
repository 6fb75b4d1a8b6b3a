import NablaLanguage

/// Parses `text` as an expression, failing the test with the rendered diagnostic otherwise.
func expr(_ text: String) throws -> Expr {
  do {
    return try Parser.parseExpression(text)
  } catch {
    throw RenderedError(text: DiagnosticRenderer.render(error, in: SourceText(text), color: false))
  }
}

/// Parses `text` as an entry, failing with the rendered diagnostic otherwise.
func entry(_ text: String) throws -> Entry {
  do {
    return try Parser.parseEntry(text)
  } catch {
    throw RenderedError(text: DiagnosticRenderer.render(error, in: SourceText(text), color: false))
  }
}

/// The rendered diagnostic for an entry that must fail, or a note that it parsed.
func renderedError(_ text: String, fileName: String? = nil, firstLine: Int = 1) -> String {
  let source = SourceText(text, fileName: fileName, firstLine: firstLine)
  do {
    let parsed = try Parser.parseEntry(source)
    return "(parsed: \(parsed))"
  } catch {
    return DiagnosticRenderer.render(error, in: source, color: false)
  }
}

/// A parse failure shown as the user would see it.
struct RenderedError: Error, CustomStringConvertible {
  var text: String
  var description: String { text }
}

/// The tree with every operation parenthesised: `(a + (b * c))`.
func parenthesized(_ e: Expr) -> String {
  switch e.kind {
  case .number(let value): return Expr.format(value)
  case .name(let name): return name
  case .tensor(let elements): return "[" + elements.map(parenthesized).joined(separator: ", ") + "]"
  case .unary(let op, let operand): return "(\(op.symbol)\(parenthesized(operand)))"
  case .binary(let op, let lhs, let rhs):
    return "(\(parenthesized(lhs)) \(op.symbol) \(parenthesized(rhs)))"
  case .call(let name, _, let arguments):
    let list = arguments.map { ($0.label.map { $0 + ": " } ?? "") + parenthesized($0.value) }
    return name + "(" + list.joined(separator: ", ") + ")"
  case .apply(let callee, let arguments):
    let list = arguments.map { ($0.label.map { $0 + ": " } ?? "") + parenthesized($0.value) }
    return parenthesized(callee) + "(" + list.joined(separator: ", ") + ")"
  case .index(let base, let items):
    let list = items.map { item -> String in
      switch item {
      case .index(let position): return parenthesized(position)
      case .slice(let start, let stop, let step):
        return (start.map(parenthesized) ?? "") + ":" + (stop.map(parenthesized) ?? "")
          + (step.map { ":" + parenthesized($0) } ?? "")
      case .ellipsis: return "..."
      }
    }
    return parenthesized(base) + "[" + list.joined(separator: ", ") + "]"
  }
}

/// A name with no range, for building expected commands.
func loc(_ name: String) -> Located<String> { Located(name) }
