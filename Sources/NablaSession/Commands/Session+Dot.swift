import NablaCore
import NablaLanguage

#if canImport(Glibc)
  import Glibc
#endif

/// `:dot f(args) > FILE`: the graph the pane shows, as Graphviz DOT, or rendered by `dot`.

extension GraphSnapshot {
  /// The graph as Graphviz DOT: one box per node with its label, op, shape, value and
  /// gradient (filled by gradient magnitude, as the pane colours it), edges from inputs to
  /// consumers labelled with broadcast reductions, and a cluster per user-function call.
  ///
  /// - Complexity: O(nodes + edges), plus the summaries' O(elements).
  public func dot() -> String {
    let scale = MagnitudeScale(nodes.compactMap { $0.gradient.map { TensorSummary($0).maxMagnitude } })
    var lines = [
      "// \(title): \(nodes.count) node\(nodes.count == 1 ? "" : "s"), written by Nabla's :dot",
      "// render with: dot -Tsvg FILE.dot -o FILE.svg",
      "digraph nabla {",
      "  graph [label=\(quoted("graph of " + title)), labelloc=t, fontname=\"Helvetica\", rankdir=TB];",
      "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=11, fillcolor=\"#ffffff\"];",
      "  edge [fontname=\"Helvetica\", fontsize=9, color=\"#555555\"];",
    ]
    // Nodes, each in its innermost call's cluster; clusters nest as the calls do.
    var members = [[Int]](repeating: [], count: calls.count)
    var children = [[Int]](repeating: [], count: calls.count)
    var top: [Int] = []
    for (i, node) in nodes.enumerated() {
      if let c = node.call { members[c].append(i) } else { top.append(i) }
    }
    var topCalls: [Int] = []
    for (c, call) in calls.enumerated() {
      if let p = call.parent { children[p].append(c) } else { topCalls.append(c) }
    }
    for i in top { lines.append("  " + nodeStatement(i, scale: scale)) }
    // Iterative, outermost first: (call, depth, whether opening).
    var stack: [(Int, Int, Bool)] = topCalls.reversed().map { ($0, 1, true) }
    while let (c, depth, opening) = stack.popLast() {
      let indent = String(repeating: "  ", count: depth)
      if !opening {
        lines.append(indent + "}")
        continue
      }
      lines.append(indent + "subgraph cluster_\(c) {")
      lines.append(indent + "  label=\(quoted(calls[c].text)); style=\"rounded,dashed\"; color=\"#888888\"; fontsize=10;")
      for i in members[c] { lines.append(indent + "  " + nodeStatement(i, scale: scale)) }
      stack.append((c, depth, false))
      for child in children[c].reversed() { stack.append((child, depth + 1, true)) }
    }
    for (i, node) in nodes.enumerated() {
      for (j, input) in node.inputs.enumerated() {
        var attributes: [String] = []
        if j < node.reductions.count, let reduction = node.reductions[j] {
          attributes.append("label=\(quoted(reduction))")
          attributes.append("fontcolor=\"#b03000\"")
        }
        if node.inputs.count > 1 && (node.op == "-" || node.op == "/" || node.op == "^" || node.op == "@") {
          attributes.append("headlabel=\(quoted(j == 0 ? "a" : "b"))")
        }
        let suffix = attributes.isEmpty ? "" : " [" + attributes.joined(separator: ", ") + "]"
        lines.append("  n\(nodes[input].id) -> n\(nodes[i].id)\(suffix);")
      }
    }
    lines.append("}")
    return lines.joined(separator: "\n") + "\n"
  }

  private func nodeStatement(_ i: Int, scale: MagnitudeScale) -> String {
    let node = nodes[i]
    if node.isLiteral {
      return "n\(node.id) [label=\(quoted(node.label)), shape=plaintext, style=\"\"];"
    }
    var text = [node.label, "#\(node.id) \(node.op)  \(formatShape(node.value.shape))"]
    text.append("value " + TensorSummary(node.value).text)
    var fill = "#ffffff"
    if let g = node.gradient {
      let summary = TensorSummary(g)
      text.append("grad " + summary.text)
      fill = MagnitudeScale.dotColors[scale.level(of: summary)]
    }
    var attributes = ["label=\(quoted(text.joined(separator: "\n")))", "fillcolor=\"\(fill)\""]
    if i == nodes.count - 1 { attributes.append("penwidth=2") }
    if node.op == "input" { attributes.append("shape=box, style=\"filled\"") }
    return "n\(node.id) [" + attributes.joined(separator: ", ") + "];"
  }
}

/// A DOT string literal.
private func quoted(_ text: String) -> String {
  var result = "\""
  for c in text {
    switch c {
    case "\"": result += "\\\""
    case "\\": result += "\\\\"
    case "\n": result += "\\n"
    default: result.append(c)
    }
  }
  return result + "\""
}

/// Grades magnitudes on a log scale between the smallest and largest non-zero magnitudes of
/// one graph, so colours compare nodes of the same graph.
///
///     let scale = MagnitudeScale([1e-3, 0.1, 10])
///     scale.level(of: 10)     // 5, the largest
public struct MagnitudeScale: Sendable {
  /// The number of levels for non-zero finite magnitudes (1...levels); 0 is zero.
  public static let levels = 5
  /// `level(of:)` for a tensor with NaN or Inf.
  public static let nonFinite = levels + 1
  /// Fill colours for DOT, by level: grey for zero, blue to red, magenta for non-finite.
  static let dotColors = ["#eeeeee", "#d6e6f5", "#c7e9c0", "#fff3b0", "#fdd0a2", "#fcae91", "#f0b6f0"]

  private let low: Double
  private let high: Double

  /// A scale over the magnitudes of one graph.
  public init(_ magnitudes: [Double]) {
    let positive = magnitudes.filter { $0 > 0 && $0.isFinite }
    low = positive.min().map { Foundationless.log10($0) } ?? 0
    high = positive.max().map { Foundationless.log10($0) } ?? 0
  }

  /// 0 for zero, 1 (smallest) ... `levels` (largest) otherwise.
  public func level(of magnitude: Double) -> Int {
    guard magnitude > 0 else { return 0 }
    guard magnitude.isFinite else { return MagnitudeScale.nonFinite }
    guard high > low else { return MagnitudeScale.levels }
    let t = (Foundationless.log10(magnitude) - low) / (high - low)
    return 1 + min(MagnitudeScale.levels - 1, max(0, Int(t * Double(MagnitudeScale.levels))))
  }

  /// The level of a tensor: non-finite if any element is, else its largest magnitude's.
  public func level(of summary: TensorSummary) -> Int {
    summary.hasNonFinite ? MagnitudeScale.nonFinite : level(of: summary.maxMagnitude)
  }
}

/// Glibc's `log10`, named so it does not clash with anything in scope.
private enum Foundationless {
  static func log10(_ x: Double) -> Double { Glibc.log10(x) }
}

extension Session {
  /// `:dot f(args) > FILE`: writes DOT for `.dot`/`.gv`; renders `.svg`, `.png` or `.pdf`
  /// with Graphviz's `dot` when it is installed.
  func dot(_ expr: Expr, path: Located<String>, into result: inout EntryResult) throws {
    if skipsWriting(path, into: &result) { return }
    let file = path.value
    let ext = file.split(separator: ".").count > 1 ? String(file.split(separator: ".").last!).lowercased() : ""
    let renders = ["svg", "png", "pdf"]
    guard ext == "dot" || ext == "gv" || renders.contains(ext) else {
      throw Diagnostic.error(
        "cannot tell what to write from the name '\(file)'", at: path.range,
        help: "end it with .dot for Graphviz source, or .svg, .png or .pdf to render it with dot")
    }
    let snapshot = try graphSnapshot(expr, source: result.source, command: ":dot")
    let text = snapshot.dot()
    let what = "graph of \(snapshot.title) (\(snapshot.nodes.count) node\(snapshot.nodes.count == 1 ? "" : "s"))"
    if !renders.contains(ext) {
      do {
        if fileWrites == .write { try FileIO.writeAtomically(text, to: file, overwrite: true) }
      } catch {
        throw Diagnostic.error(error.description, at: path.range)
      }
      result.print("wrote \(what) to \(file)")
      return
    }
    if fileWrites == .dryRun {
      result.print("rendered \(what) to \(file)")
      return
    }
    guard let dot = Graphviz.findDot() else {
      throw Diagnostic.error(
        "rendering \(file) needs Graphviz's dot, which is not installed", at: path.range,
        help: "install it with: apt-get install graphviz (or write a .dot file and render it elsewhere)")
    }
    if let problem = Graphviz.render(text, with: dot, format: ext, to: file) {
      throw Diagnostic.error("dot could not render \(file): \(problem)", at: path.range)
    }
    result.print("rendered \(what) to \(file)")
  }
}

/// Running Graphviz's `dot` with plain POSIX calls.
enum Graphviz {
  /// `dot` on the PATH, or nil.
  static func findDot() -> String? {
    let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin"
    for directory in path.split(separator: ":") where !directory.isEmpty {
      let candidate = String(directory) + "/dot"
      if access(candidate, X_OK) == 0 { return candidate }
    }
    return nil
  }

  /// Renders DOT `text` to `path` in `format`; nil on success, else what went wrong.
  static func render(_ text: String, with dot: String, format: String, to path: String) -> String? {
    var template = Array("/tmp/nabla-dot-XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard fd >= 0 else { return "cannot create a temporary file: \(String(cString: strerror(errno)))" }
    let source = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    defer { unlink(source) }
    let written = FileIO.writeAll(fd, Array(text.utf8))
    close(fd)
    guard written else { return "cannot write a temporary file" }
    var errorTemplate = Array("/tmp/nabla-dot-err-XXXXXX".utf8CString)
    let errorFD = errorTemplate.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    let errorPath = String(decoding: errorTemplate.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    defer { if errorFD >= 0 { unlink(errorPath) } }

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    if errorFD >= 0 {
      posix_spawn_file_actions_adddup2(&actions, errorFD, 2)
      posix_spawn_file_actions_adddup2(&actions, errorFD, 1)
    }
    let arguments = [dot, "-T" + format, "-o", path, source]
    var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    defer { for p in argv { free(p) } }
    var pid = pid_t()
    let spawned = posix_spawn(&pid, dot, &actions, nil, &argv, environ)
    if errorFD >= 0 { close(errorFD) }
    guard spawned == 0 else { return "cannot run \(dot): \(String(cString: strerror(spawned)))" }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    // WIFEXITED and WEXITSTATUS are macros.
    let exited = status & 0x7f == 0
    let code = (status >> 8) & 0xff
    if exited && code == 0 { return nil }
    let message = (try? FileIO.readText(errorPath))?.split(separator: "\n").first.map(String.init)
    return message ?? (exited ? "dot exited with status \(code)" : "dot was killed by a signal")
  }
}
