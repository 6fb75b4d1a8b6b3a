import NablaCore
import NablaLanguage

extension Session {
  /// The most steps one `:descend` takes (the loss curve keeps a number per step).
  static let maximumDescentSteps = 1_000_000

  /// `:descend loss(W, b) [wrt W, b] [lr 0.1] [steps 100] [momentum 0.9]`: gradient descent
  /// (heavy-ball momentum v ← μv + ∇, p ← p − lr·v) on session tensors, which are updated.
  ///
  /// Ctrl-C, or a loss that turns nan or inf, stops it: the tensors keep the last step whose
  /// loss was finite, and the history keeps the entry with the steps actually taken, so that
  /// `:save` replays to the same state.
  func descend(_ spec: Command.Descend, into result: inout EntryResult) throws {
    if let steps = spec.steps, steps.value > Session.maximumDescentSteps {
      throw Diagnostic.error(
        ":descend takes at most \(Session.maximumDescentSteps) steps", at: steps.range,
        help: "run it again to go on from where it stopped")
    }
    let target = try callTarget(spec.loss, source: result.source, command: ":descend")
    let updated = try descentParameters(spec, target)
    let rate = spec.rate?.value ?? 0.1
    let total = spec.steps?.value ?? 100
    let momentum = spec.momentum?.value ?? 0

    var values = target.arguments
    var velocity: [Int: [Double]] = [:]
    var losses: [Double] = []
    var stopped: String?
    var diverged = false
    let start = now()
    var lastReport = start
    var step = 0
    while step <= total {
      if cancellation.isCancelled {
        stopped = "interrupted"
        break
      }
      let inputs = values.indices.map { i in
        updated[i] != nil ? Variable.leaf(values[i]) : Variable(values[i])
      }
      // Ctrl-C in the middle of a step: the step is not taken.
      guard let y = try evaluateUnlessInterrupted(target, inputs) else {
        stopped = "interrupted"
        break
      }
      guard y.value.count == 1 else {
        throw Diagnostic.error(
          "the loss must be one number; \(target.text) has shape \(formatShape(y.shape))",
          at: spec.loss.range, help: "descend on its sum: sum(\(target.text))")
      }
      let loss = y.value.scalars[0]
      guard loss.isFinite else {
        stopped = "the loss is \(formatScalar(loss)) at step \(step)"
        diverged = true
        break
      }
      losses.append(loss)
      // The last evaluation only measures where the steps ended.
      if step == total { break }
      try Session.update(
        &values, &velocity, gradients: try backward(from: y), inputs: inputs, updated: updated,
        rate: rate, momentum: momentum)
      step += 1
      let t = now()
      if let onProgress, t - lastReport > 0.1 {
        lastReport = t
        onProgress(
          Progress(
            label: ":descend \(target.displayName)", completed: step, total: total,
            elapsed: t - start))
      }
    }
    // Interrupted between steps: measure where the last one ended, for the curve.
    if stopped == "interrupted" { cancellation.reset() }
    if !diverged, losses.count == step {
      let y = try target.evaluate(self, values.map { Variable($0) })
      if let loss = y.value.scalars.first, loss.isFinite, y.value.count == 1 { losses.append(loss) }
    }
    // A loss that turned non-finite at step k leaves the tensors of step k − 1.
    let taken = diverged ? max(0, step - 1) : step
    if diverged {
      values = try replay(target, updated: updated, steps: taken, rate: rate, momentum: momentum)
    }
    for (i, name) in updated { tensors[name] = values[i] }

    var plot = makePlot()
    plot.xLabel = "step"
    let positive = losses.allSatisfy { $0 > 0 }
    if positive, let low = losses.min(), let high = losses.max(), high > 100 * low {
      plot.yScale = .log
    }
    plot.series = [
      Plot.Series(
        name: "loss", legend: "\(target.text)\(plot.yScale == .log ? " (log scale)" : "")",
        points: losses.enumerated().map { (x: Double($0.offset), y: $0.element) })
    ]
    if losses.count > 1 { show(plot, into: &result) }
    let names = updated.sorted { $0.key < $1.key }.map(\.value)
    let settingsText =
      "lr \(formatScalar(rate))" + (momentum > 0 ? ", momentum \(formatScalar(momentum))" : "")
    if let first = losses.first, let last = losses.last {
      result.print(
        "loss \(formatScalar(first)) \(settings.unicode ? "→" : "->") \(formatScalar(last)) after \(taken) step\(taken == 1 ? "" : "s") (\(settingsText))"
      )
      if last > first && !diverged {
        result.print("note: the loss went up; a smaller lr may help")
      }
    }
    for name in names {
      result.print("\(name) = " + inlineDescription(tensors[name]!, maxWidth: 60))
    }
    if let stopped {
      let kept = names.joined(separator: ", ")
      result.diagnostics.append(
        Diagnostic(
          .warning,
          "\(stopped): stopped after \(taken) of \(total) steps; \(kept) \(names.count == 1 ? "keeps its" : "keep their") values after step \(taken)",
          at: stopped == "interrupted" ? .unknown : spec.loss.range,
          help: stopped == "interrupted" ? nil : "try a smaller lr"))
      // Replaying the entry must reach the same tensors: keep the steps taken, or nothing.
      if taken == 0 {
        result.recordsInHistory = false
      } else {
        result.historyText = Session.replacingSteps(in: result.source, spec, with: taken)
      }
    }
    result.fields.append(("loss", .array(losses.map(JSONValue.number))))
    result.fields.append(("steps", .integer(taken)))
    result.fields.append(
      (
        "tensors",
        .object(
          names.map { ($0, .tensor(shape: tensors[$0]!.shape, scalars: tensors[$0]!.scalars)) })
      ))
  }

  /// For each parameter of the target that descent updates, the session tensor it is.
  private func descentParameters(_ spec: Command.Descend, _ target: CallTarget) throws(Diagnostic)
    -> [Int: String]
  {
    var candidates: [Int: String] = [:]
    switch spec.loss.kind {
    case .call(_, _, let arguments) where !target.isInline, .apply(_, let arguments):
      // The arguments that are session tensors, by the parameter they bind.
      var position = 0
      for argument in arguments {
        let index: Int
        if let label = argument.label {
          index = target.parameters.firstIndex(of: label) ?? -1
        } else {
          index = position
          position += 1
        }
        if index >= 0, case .name(let name) = argument.value.kind, tensors[name] != nil {
          candidates[index] = name
        }
      }
    default:
      if !sessionTensors(in: spec.loss).isEmpty {
        for (i, p) in target.parameters.enumerated() { candidates[i] = p }
      }
    }
    guard !candidates.isEmpty else {
      throw Diagnostic.error(
        "the loss is given no session tensor to update", at: spec.loss.range,
        help: "pass tensors by name, as in W = randn(3, 4, seed: 0) then :descend loss(W, b)")
    }
    guard !spec.wrt.isEmpty else { return candidates }
    var chosen: [Int: String] = [:]
    for name in spec.wrt {
      let index =
        candidates.first { $0.value == name.value }?.key
        ?? target.parameters.firstIndex(of: name.value).flatMap { candidates[$0] != nil ? $0 : nil }
      guard let index else {
        let list = Set(candidates.values).sorted().joined(separator: ", ")
        throw Diagnostic.error(
          "'\(name.value)' is not a session tensor that the loss is given", at: name.range,
          help: "it can update \(list)")
      }
      chosen[index] = candidates[index]
    }
    return chosen
  }

  /// The tensors after `steps` steps from the target's arguments (to step back from a
  /// non-finite loss without keeping a copy of every step).
  private func replay(
    _ target: CallTarget, updated: [Int: String], steps: Int, rate: Double, momentum: Double
  ) throws -> [Tensor] {
    var values = target.arguments
    var velocity: [Int: [Double]] = [:]
    for _ in 0..<steps {
      let inputs = values.indices.map { i in
        updated[i] != nil ? Variable.leaf(values[i]) : Variable(values[i])
      }
      try Session.update(
        &values, &velocity, gradients: try backward(from: try target.evaluate(self, inputs)),
        inputs: inputs, updated: updated, rate: rate, momentum: momentum)
    }
    return values
  }

  /// One step: v ← μ·v + ∇, p ← p − lr·v for each updated parameter.
  private static func update(
    _ values: inout [Tensor], _ velocity: inout [Int: [Double]], gradients: Gradients,
    inputs: [Variable], updated: [Int: String], rate: Double, momentum: Double
  ) throws {
    for i in updated.keys {
      let g = gradients[inputs[i]].value.scalars
      var v = velocity[i] ?? Array(repeating: 0, count: g.count)
      for k in v.indices { v[k] = momentum * v[k] + g[k] }
      velocity[i] = v
      var p = values[i].scalars
      for k in p.indices { p[k] -= rate * v[k] }
      values[i] = try Tensor(shape: values[i].shape, scalars: p)
    }
  }

  /// The entry's text with `steps N` saying how many steps were taken.
  static func replacingSteps(in source: SourceText, _ spec: Command.Descend, with taken: Int)
    -> String
  {
    let text = source.text
    guard let steps = spec.steps, steps.range.isKnown else { return text + " steps \(taken)" }
    let utf8 = Array(text.utf8)
    let before = String(decoding: utf8[..<steps.range.start], as: UTF8.self)
    let after = String(decoding: utf8[steps.range.end...], as: UTF8.self)
    return before + String(taken) + after
  }
}

extension Session {
  /// The target's value, or nil when Ctrl-C stopped its evaluation.
  fileprivate func evaluateUnlessInterrupted(_ target: CallTarget, _ inputs: [Variable]) throws -> Variable? {
    do {
      return try target.evaluate(self, inputs)
    } catch {
      if error.isInterruption { return nil }
      throw error
    }
  }
}
