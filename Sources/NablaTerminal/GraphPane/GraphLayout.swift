/// A layered drawing of a DAG, top to bottom: where each box goes and how each edge runs, in
/// character cells. Pure: it knows boxes only by their sizes.
///
///     let layout = GraphLayout(GraphLayout.Input(sizes: [(14, 5), (14, 5)], edges: [(0, 1)]))
///     layout.boxes[1].y       // 6: below box 0 and one row of edge
///
/// The steps are the classic ones (Sugiyama): layers by longest path, with inputs pulled
/// down next to their first consumer; a chain of one-column dummies per source for edges
/// that skip layers (shared by all of that source's long edges, so fan-out runs as one bus);
/// crossing reduction by barycentre sweeps, keeping the best order seen; x positions pulled
/// toward neighbours with ordered least squares (pool-adjacent-violators); and between two
/// layers, each source's edges as one horizontal "track" row, tracks stacked so no two
/// overlap, then rows for edge labels.
struct GraphLayout {
  struct Input {
    /// Each box's size in cells.
    var sizes: [(width: Int, height: Int)]
    /// Edges between boxes; every edge goes from a lower index to a higher one.
    var edges: [(from: Int, to: Int)]
    /// Columns of a box's top border (relative to the box) where edges may enter; the
    /// border's interior when nil.
    var portRanges: [ClosedRange<Int>?] = []
    /// A label for each edge, and a shorter one to use when it does not fit.
    var labels: [String?] = []
    var shortLabels: [String?] = []
    /// The label of a labelled edge where neither label fits.
    var fallbackLabel = "Σ"
  }

  struct Box {
    var x: Int
    var y: Int
    var width: Int
    var height: Int
    var layer: Int
    /// The column edges leave from (on the bottom border).
    var exitX: Int { x + width / 2 }
  }

  /// A line of an edge (or of several edges of one source, where they share it).
  struct Path {
    var points: [(Int, Int)]
    var edges: [Int]
  }

  struct Label {
    var x: Int
    var y: Int
    var text: String
    var edge: Int
  }

  /// Where an edge enters a box: the arrowhead on its top border.
  struct Port {
    var x: Int
    var y: Int
    var edges: [Int]
  }

  var boxes: [Box] = []
  var paths: [Path] = []
  var labels: [Label] = []
  var ports: [Port] = []
  /// Boxes by layer, left to right.
  var layers: [[Int]] = []
  var width = 0
  var height = 0

  /// Columns between neighbouring boxes, and beside a dummy.
  static let boxGap = 3
  static let dummyGap = 2

  /// - Complexity: about O(V·L + E·log E) for V boxes and dummies, L layers, E edges.
  init(_ input: Input) {
    let n = input.sizes.count
    guard n > 0 else { return }
    var succs = [[Int]](repeating: [], count: n)
    var preds = [[Int]](repeating: [], count: n)
    for (e, edge) in input.edges.enumerated() {
      succs[edge.from].append(e)
      preds[edge.to].append(e)
    }

    // Layers: longest path from the inputs, then each input just above its first consumer.
    var layer = [Int](repeating: 0, count: n)
    for v in 0..<n {
      for e in preds[v] { layer[v] = max(layer[v], layer[input.edges[e].from] + 1) }
    }
    for v in 0..<n where preds[v].isEmpty && !succs[v].isEmpty {
      layer[v] = succs[v].map { layer[input.edges[$0].to] }.min()! - 1
    }
    let layerCount = (layer.max() ?? 0) + 1

    // Vertices: the boxes, then dummies; layered edges join adjacent layers only.
    var vLayer = layer
    var vWidth = input.sizes.map(\.width)
    var vHint = (0..<n).map(Double.init)
    var lin = [[Int]](repeating: [], count: n)  // layered edges in, by vertex
    var lout = [[Int]](repeating: [], count: n)
    var ledges: [(a: Int, b: Int, edges: [Int])] = []
    func addVertex(layer l: Int, hint: Double) -> Int {
      vLayer.append(l)
      vWidth.append(1)
      vHint.append(hint)
      lin.append([])
      lout.append([])
      return vLayer.count - 1
    }
    func addEdge(_ a: Int, _ b: Int, _ edges: [Int]) {
      lout[a].append(ledges.count)
      lin[b].append(ledges.count)
      ledges.append((a, b, edges))
    }
    for u in 0..<n {
      var long: [Int] = []
      for e in succs[u] {
        if layer[input.edges[e].to] == layer[u] + 1 { addEdge(u, input.edges[e].to, [e]) } else { long.append(e) }
      }
      guard let deepest = long.map({ layer[input.edges[$0].to] }).max() else { continue }
      var chain: [Int: Int] = [:]
      var previous = u
      for l in (layer[u] + 1)..<deepest {
        let d = addVertex(layer: l, hint: Double(u) + 0.5)
        addEdge(previous, d, long.filter { layer[input.edges[$0].to] > l })
        chain[l] = d
        previous = d
      }
      for e in long { addEdge(chain[layer[input.edges[e].to] - 1]!, input.edges[e].to, [e]) }
    }
    let vCount = vLayer.count

    // Crossing reduction.
    var order = [[Int]](repeating: [], count: layerCount)
    for v in (0..<vCount).sorted(by: { vHint[$0] < vHint[$1] }) { order[vLayer[v]].append(v) }
    var position = [Int](repeating: 0, count: vCount)
    func renumber() {
      for row in order { for (i, v) in row.enumerated() { position[v] = i } }
    }
    renumber()
    func sweep(_ l: Int, usingAbove: Bool) {
      let keyed = order[l].map { v -> (Double, Int, Int) in
        let neighbours = usingAbove ? lin[v].map { ledges[$0].a } : lout[v].map { ledges[$0].b }
        guard !neighbours.isEmpty else { return (Double(position[v]), position[v], v) }
        let mean = Double(neighbours.reduce(0) { $0 + position[$1] }) / Double(neighbours.count)
        return (mean, position[v], v)
      }
      order[l] = keyed.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map(\.2)
      for (i, v) in order[l].enumerated() { position[v] = i }
    }
    func crossings() -> Int {
      var total = 0
      for l in 0..<(layerCount - 1) {
        var pairs: [(Int, Int)] = []
        for v in order[l] { for e in lout[v] { pairs.append((position[v], position[ledges[e].b])) } }
        pairs.sort { $0 < $1 }
        total += GraphLayout.inversions(pairs.map(\.1), bound: order[l + 1].count)
      }
      return total
    }
    var best = order
    var bestCrossings = crossings()
    for _ in 0..<10 where bestCrossings > 0 {
      for l in stride(from: 1, to: layerCount, by: 1) { sweep(l, usingAbove: true) }
      for l in stride(from: layerCount - 2, through: 0, by: -1) { sweep(l, usingAbove: false) }
      let c = crossings()
      if c < bestCrossings {
        bestCrossings = c
        best = order
      }
    }
    order = best
    renumber()

    // x: centres pulled toward their neighbours, keeping order and spacing.
    func separation(_ a: Int, _ b: Int) -> Double {
      Double(vWidth[a] + vWidth[b]) / 2 + Double(a >= n || b >= n ? GraphLayout.dummyGap : GraphLayout.boxGap)
    }
    var centre = [Double](repeating: 0, count: vCount)
    for row in order {
      var x = 0.0
      for (i, v) in row.enumerated() {
        if i > 0 { x += separation(row[i - 1], v) }
        centre[v] = x
      }
    }
    func place(_ l: Int, above: Bool, below: Bool) {
      let row = order[l]
      guard !row.isEmpty else { return }
      let targets = row.map { v -> Double in
        var sum = 0.0, count = 0
        if above { for e in lin[v] { sum += centre[ledges[e].a]; count += 1 } }
        if below { for e in lout[v] { sum += centre[ledges[e].b]; count += 1 } }
        return count == 0 ? centre[v] : sum / Double(count)
      }
      var offsets = [0.0]
      for i in 1..<row.count { offsets.append(offsets[i - 1] + separation(row[i - 1], row[i])) }
      let fitted = GraphLayout.isotonic(zip(targets, offsets).map { $0 - $1 })
      for (i, v) in row.enumerated() { centre[v] = fitted[i] + offsets[i] }
    }
    for round in 0..<8 {
      let both = round == 7
      for l in 0..<layerCount { place(l, above: true, below: both) }
      for l in stride(from: layerCount - 1, through: 0, by: -1) { place(l, above: both, below: true) }
    }
    var left = (0..<vCount).map { Int((centre[$0] - Double(vWidth[$0]) / 2).rounded()) }
    for row in order {
      for i in row.indices.dropFirst() {
        let (a, b) = (row[i - 1], row[i])
        let gap = a >= n || b >= n ? GraphLayout.dummyGap : GraphLayout.boxGap
        left[b] = max(left[b], left[a] + vWidth[a] + gap)
      }
    }
    let shift = 1 - (left.min() ?? 0)
    for v in 0..<vCount { left[v] += shift }

    // Routing, gap by gap; rows are relative to the gap until the bands are stacked.
    var bandHeight = [Int](repeating: 1, count: layerCount)
    for v in 0..<n { bandHeight[layer[v]] = max(bandHeight[layer[v]], input.sizes[v].height) }
    func exitX(_ v: Int) -> Int { v < n ? left[v] + vWidth[v] / 2 : left[v] }
    var entryX = [Int](repeating: 0, count: ledges.count)
    for v in 0..<vCount {
      let incoming = lin[v].sorted { exitX(ledges[$0].a) < exitX(ledges[$1].a) }
      guard !incoming.isEmpty else { continue }
      if v >= n {
        for e in incoming { entryX[e] = left[v] }
        continue
      }
      let w = vWidth[v]
      var range = (input.portRanges.count > v ? input.portRanges[v] : nil) ?? (1...max(1, w - 2))
      if range.count < incoming.count { range = 1...max(1, w - 2) }
      let lo = left[v] + range.lowerBound, span = range.count, k = incoming.count
      for (i, e) in incoming.enumerated() {
        let slotLo = lo + i * span / k
        let slotHi = max(slotLo, lo + (i + 1) * span / k - 1)
        entryX[e] = min(max(exitX(ledges[e].a), slotLo), slotHi)
      }
    }

    struct Net {
      var source: Int
      var exit: Int
      var pieces: [Int]
      var lo: Int
      var hi: Int
      var track = -1
      var straight: Bool { lo == hi }
    }
    var gapHeight = [Int](repeating: 0, count: layerCount)
    var gapNets = [[Net]](repeating: [], count: layerCount)
    var gapLabels = [[(piece: Int, x: Int, text: String)]](repeating: [], count: layerCount)
    var gapTracks = [Int](repeating: 0, count: layerCount)
    for l in 0..<max(0, layerCount - 1) {
      var nets: [Net] = []
      for a in order[l] where !lout[a].isEmpty {
        let xs = lout[a].map { entryX[$0] } + [exitX(a)]
        nets.append(Net(source: a, exit: exitX(a), pieces: lout[a], lo: xs.min()!, hi: xs.max()!))
      }
      // A net whose exit column is another's entry column must run above it.
      var entryColumns: [Int: [Int]] = [:]
      for (i, net) in nets.enumerated() where !net.straight {
        for p in net.pieces { entryColumns[entryX[p], default: []].append(i) }
      }
      var below = [[Int]](repeating: [], count: nets.count)
      var aboveCount = [Int](repeating: 0, count: nets.count)
      for (i, net) in nets.enumerated() where !net.straight {
        for j in entryColumns[net.exit] ?? [] where j != i {
          below[i].append(j)
          aboveCount[j] += 1
        }
      }
      var ready = nets.indices.filter { !nets[$0].straight && aboveCount[$0] == 0 }
      var remaining = Set(nets.indices.filter { !nets[$0].straight })
      var minimumTrack = [Int](repeating: 0, count: nets.count)
      var occupied: [[(Int, Int)]] = []
      while !remaining.isEmpty {
        // Narrow nets first among those ready; a cycle of constraints is broken anywhere.
        let i: Int
        if let k = ready.indices.min(by: { nets[ready[$0]].hi - nets[ready[$0]].lo < nets[ready[$1]].hi - nets[ready[$1]].lo }) {
          i = ready.remove(at: k)
        } else {
          i = remaining.min()!
        }
        guard remaining.remove(i) != nil else { continue }
        var t = minimumTrack[i]
        while t < occupied.count && occupied[t].contains(where: { $0.0 <= nets[i].hi + 1 && nets[i].lo - 1 <= $0.1 }) {
          t += 1
        }
        if t == occupied.count { occupied.append([]) }
        occupied[t].append((nets[i].lo, nets[i].hi))
        nets[i].track = t
        for j in below[i] {
          minimumTrack[j] = max(minimumTrack[j], t + 1)
          aboveCount[j] -= 1
          if aboveCount[j] == 0 && remaining.contains(j) { ready.append(j) }
        }
      }
      let tracks = occupied.count

      // Labels, one row each, beside the vertical that enters the labelled box.
      let blocked = Set(nets.flatMap { $0.pieces.map { entryX[$0] } })
      var labels: [(piece: Int, x: Int, text: String)] = []
      let labelled = nets.flatMap(\.pieces).filter { p in
        ledges[p].b < n && ledges[p].edges.count == 1 && (input.labels.count > ledges[p].edges[0] ? input.labels[ledges[p].edges[0]] : nil) != nil
      }.sorted { entryX[$0] < entryX[$1] }
      for p in labelled {
        let e = ledges[p].edges[0]
        let x = entryX[p]
        let candidates = [input.labels[e], input.shortLabels.count > e ? input.shortLabels[e] : nil, input.fallbackLabel].compactMap { $0 }
        func fits(_ from: Int, _ count: Int) -> Bool {
          from >= 0 && !(from..<(from + count)).contains { $0 != x && blocked.contains($0) }
        }
        for text in candidates {
          if fits(x + 2, text.count) {
            labels.append((p, x + 2, text))
            break
          }
          if fits(x - 1 - text.count, text.count) {
            labels.append((p, x - 1 - text.count, text))
            break
          }
        }
      }
      gapNets[l] = nets
      gapLabels[l] = labels
      gapTracks[l] = tracks
      gapHeight[l] = max(1, tracks + labels.count)
    }

    // Stack the bands and gaps, then emit boxes, paths, ports and labels.
    var bandTop = [Int](repeating: 0, count: layerCount)
    for l in 1..<max(1, layerCount) { bandTop[l] = bandTop[l - 1] + bandHeight[l - 1] + gapHeight[l - 1] }
    boxes = (0..<n).map { v in
      Box(x: left[v], y: bandTop[layer[v]], width: vWidth[v], height: input.sizes[v].height, layer: layer[v])
    }
    layers = order.map { $0.filter { $0 < n } }
    var portEdges: [Int: (x: Int, y: Int, edges: [Int])] = [:]
    for l in 0..<max(0, layerCount - 1) {
      let gapTop = bandTop[l] + bandHeight[l]
      let gapBottom = gapTop + gapHeight[l] - 1
      for net in gapNets[l] {
        let top = net.source < n ? bandTop[l] + input.sizes[net.source].height : gapTop
        for p in net.pieces {
          let x = entryX[p]
          let points: [(Int, Int)] =
            net.straight
            ? [(net.exit, top), (net.exit, gapBottom)]
            : [(net.exit, top), (net.exit, gapTop + net.track), (x, gapTop + net.track), (x, gapBottom)]
          paths.append(Path(points: points, edges: ledges[p].edges))
          let b = ledges[p].b
          if b < n {
            let key = b * 100_000 + x
            portEdges[key, default: (x, bandTop[l + 1], [])].edges += ledges[p].edges
          } else {
            // A dummy: the line runs on through its layer's band.
            let bandEnd = bandTop[l + 1] + bandHeight[l + 1] - 1
            paths.append(Path(points: [(x, bandTop[l + 1]), (x, bandEnd)], edges: ledges[p].edges))
          }
        }
      }
      for (k, label) in gapLabels[l].enumerated() {
        labels.append(Label(x: label.x, y: gapTop + gapTracks[l] + k, text: label.text, edge: ledges[label.piece].edges[0]))
      }
    }
    ports = portEdges.values.map { Port(x: $0.x, y: $0.y, edges: $0.edges) }.sorted { ($0.y, $0.x) < ($1.y, $1.x) }
    width = (0..<vCount).map { left[$0] + vWidth[$0] }.max()! + 1
    width = max(width, (labels.map { $0.x + $0.text.count }.max() ?? 0) + 1)
    height = bandTop[layerCount - 1] + bandHeight[layerCount - 1]
  }

  /// Inversions in `values` (each in 0..<bound): the crossings of edges sorted by their
  /// upper end. Counted with a Fenwick tree.
  /// - Complexity: O(count × log bound)
  static func inversions(_ values: [Int], bound: Int) -> Int {
    var tree = [Int](repeating: 0, count: bound + 1)
    var count = 0
    for (seen, v) in values.enumerated() {
      // Elements seen so far that are greater than v.
      var i = v + 1
      var notGreater = 0
      while i > 0 {
        notGreater += tree[i]
        i -= i & -i
      }
      count += seen - notGreater
      i = v + 1
      while i <= bound {
        tree[i] += 1
        i += i & -i
      }
    }
    return count
  }

  /// The non-decreasing sequence closest to `values` in least squares (pool adjacent
  /// violators).
  /// - Complexity: O(count)
  static func isotonic(_ values: [Double]) -> [Double] {
    var means: [Double] = []
    var sizes: [Int] = []
    for v in values {
      means.append(v)
      sizes.append(1)
      while means.count > 1 && means[means.count - 2] > means[means.count - 1] {
        let m2 = means.removeLast(), s2 = sizes.removeLast()
        let m1 = means.removeLast(), s1 = sizes.removeLast()
        means.append((m1 * Double(s1) + m2 * Double(s2)) / Double(s1 + s2))
        sizes.append(s1 + s2)
      }
    }
    var result: [Double] = []
    result.reserveCapacity(values.count)
    for (m, s) in zip(means, sizes) { result += Array(repeating: m, count: s) }
    return result
  }
}
