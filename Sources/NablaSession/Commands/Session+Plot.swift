import Foundation
import NablaCore
import NablaLanguage

extension Session {
  /// Vector-valued functions plot this many components at most.
  static let plottedComponents = 3

  /// A plot as wide as the session's lines, in its characters.
  func makePlot() -> Plot {
    Plot(width: settings.format.lineWidth, height: settings.plotHeight, unicode: settings.unicode)
  }

  /// `∂`, or `d` where plots must be ASCII.
  var partial: String { settings.unicode ? "∂" : "d" }

  /// Appends a rendered plot to the output.
  func show(_ plot: Plot, into result: inout EntryResult) {
    let (lines, tones) = plot.render()
    result.print(lines, tones: tones)
  }

  /// `:plot f, g over x in [lo, hi]`: each function and its autodiff derivative, sampled at
  /// twice the plot's width in dots.
  func plot(
    _ names: [Located<String>], over domain: Command.ParameterDomain,
    into result: inout EntryResult
  ) throws {
    var evaluator = makeEvaluator()
    var plot = makePlot()
    let samples = max(2, plot.width * 2)
    let lo = domain.lower.value
    let hi = domain.upper.value
    guard lo.isFinite, hi.isFinite, (hi - lo).isFinite else {
      throw Diagnostic.error(
        "the range of '\(domain.parameter.value)' is too wide to sample",
        at: SourceRange(from: domain.lower.range, to: domain.upper.range),
        help: "both bounds and their difference must be finite numbers")
    }
    let xs = (0...samples).map { lo + (hi - lo) * Double($0) / Double(samples) }
    plot.xLabel = domain.parameter.value
    var fields: [(String, JSONValue)] = []
    var notes: [String] = []
    for name in names {
      let resolved = try evaluator.resolveFunction(.name(name.value, range: name.range))
      guard resolved.parameters.count == 1 else {
        let list = resolved.parameters.joined(separator: ", ")
        throw Diagnostic.error(
          "\(name.value) takes \(resolved.parameters.count) arguments (\(list)); :plot needs a function of one",
          at: name.range,
          help:
            "fix the others in a new function, as in g(x) = \(name.value)(x\(String(repeating: ", 1.0", count: max(0, resolved.parameters.count - 1))))"
        )
      }
      var values: [[Double]] = []
      var slopes: [[Double]] = []
      var components = 1
      for (i, x) in xs.enumerated() {
        if i % 64 == 0, cancellation.isCancelled { throw Cancelled() }
        let leaf = Variable.leaf(Tensor(x))
        let y = try evaluator.call(resolved, arguments: [leaf], at: name.range)
        if i == 0 {
          components = y.value.count
          guard components > 0 else {
            throw Diagnostic.error("\(name.value)(\(formatScalar(x))) is empty", at: name.range)
          }
          let shown = min(components, Session.plottedComponents)
          values = Array(repeating: [], count: shown)
          slopes = Array(repeating: [], count: shown)
          if components > shown {
            notes.append(
              "\(name.value) has \(components) components; the first \(shown) are plotted")
          }
        } else if y.value.count != components {
          throw Diagnostic.error(
            "\(name.value) changes shape over the range: \(y.value.count) elements at \(formatScalar(x)), \(components) at \(formatScalar(lo))",
            at: name.range)
        }
        for c in 0..<values.count {
          values[c].append(y.value.scalars[c])
          var seed = [Double](repeating: 0, count: components)
          seed[c] = 1
          let g = try backward(from: y, seed: try Tensor(shape: y.shape, scalars: seed))[leaf]
          slopes[c].append(g.value.scalars.first ?? 0)
        }
      }
      let p = domain.parameter.value
      let definition = functions[name.value].map { d -> String in
        let text = d.definition.description
        return text.count > 44 ? String(text.prefix(41)) + "..." : text
      }
      for c in 0..<values.count {
        let suffix = components == 1 ? "" : "[\(c)]"
        let shortName = name.value + suffix
        plot.series.append(
          Plot.Series(
            name: shortName,
            legend: components == 1
              ? (definition ?? "\(name.value)(\(p))") : "\(name.value)(\(p))\(suffix)",
            points: Array(zip(xs, values[c]).map { (x: $0, y: $1) })))
        plot.series.append(
          Plot.Series(
            name: "\(partial)\(shortName)/\(partial)\(p)",
            legend: "\(partial)\(shortName)/\(partial)\(p) (autodiff)",
            points: Array(zip(xs, slopes[c]).map { (x: $0, y: $1) })))
        fields.append((shortName, .array(values[c].map(JSONValue.number))))
        fields.append(
          ("\(partial)\(shortName)/\(partial)\(p)", .array(slopes[c].map(JSONValue.number))))
        let bad = values[c].filter { !$0.isFinite }.count + slopes[c].filter { !$0.isFinite }.count
        if bad > 0 {
          notes.append(
            "\(shortName) or its derivative is nan or inf at \(bad) of \(2 * xs.count) samples (gaps)"
          )
        }
      }
    }
    show(plot, into: &result)
    for note in notes { result.print("note: " + note) }
    result.fields.append(("x", .array(xs.map(JSONValue.number))))
    result.fields.append(("series", .object(fields)))
  }

  /// `:plot error f at x`: |finite difference − autodiff| against the step h, log–log, for
  /// central and forward differences, with the step `:check` takes marked.
  func plotError(_ name: Located<String>, at point: Expr, into result: inout EntryResult) throws {
    var evaluator = makeEvaluator()
    let resolved = try evaluator.resolveFunction(.name(name.value, range: name.range))
    guard resolved.parameters.count == 1 else {
      throw Diagnostic.error(
        "\(name.value) takes \(resolved.parameters.count) arguments; :plot error needs a function of one",
        at: name.range)
    }
    let at = try evaluator.evaluate(point).value
    guard let x = at.scalar else {
      throw Diagnostic.error(
        ":plot error needs a number for the point, got shape \(formatShape(at.shape))",
        at: point.range, help: "as in :plot error \(name.value) at 2.0")
    }
    guard x.isFinite, abs(x) < 1e300 else {
      throw Diagnostic.error(
        ":plot error needs a finite point of moderate size, got \(formatScalar(x))", at: point.range
      )
    }
    let leaf = Variable.leaf(Tensor(x))
    let y = try evaluator.call(resolved, arguments: [leaf], at: name.range)
    guard y.value.count == 1 else {
      throw Diagnostic.error(
        "\(name.value) gives shape \(formatShape(y.shape)); :plot error needs one number",
        at: name.range, help: "plot the error of its sum: s(x) = sum(\(name.value)(x))")
    }
    let exact = try backward(from: y)[leaf].value.scalars[0]
    func f(_ t: Tensor) throws -> Double {
      try evaluator.call(resolved, arguments: [Variable(t)], at: name.range).value.scalars[0]
    }
    // h from 1e-1 down to 1e-14, eight steps per decade, drawn left to right.
    let steps = (8...112).reversed().map { k in pow10(-Double(k) / 8) }
    var errors: [DifferenceMethod: [Double]] = [:]
    for method in [DifferenceMethod.central, .forward] {
      errors[method] = try steps.map { h in
        if cancellation.isCancelled { throw Cancelled() }
        let g = try NumericalDifferentiation.gradient(
          of: f, at: Tensor(x), method: method, step: h, estimateTruncation: false)
        return abs(g.gradient.scalars[0] - exact)
      }
    }
    let chosen = NumericalDifferentiation.defaultStep(for: .central, at: x)
    let chosenForward = NumericalDifferentiation.defaultStep(for: .forward, at: x)
    func errorAt(_ method: DifferenceMethod, _ h: Double) throws -> Double {
      let g = try NumericalDifferentiation.gradient(
        of: f, at: Tensor(x), method: method, step: h, estimateTruncation: false)
      return abs(g.gradient.scalars[0] - exact)
    }
    let chosenError = try errorAt(.central, chosen)
    let chosenForwardError = try errorAt(.forward, chosenForward)

    var plot = makePlot()
    plot.xScale = .log
    plot.yScale = .log
    plot.xLabel = "step h"
    let pointText = formatScalar(x)
    let u = settings.unicode
    let minus = u ? "−" : "-"
    plot.series = [
      Plot.Series(
        name: "central", legend: "central (f(x+h) \(minus) f(x\(minus)h))/2h",
        points: zip(steps, errors[.central]!).map { (x: $0, y: $1) }),
      Plot.Series(
        name: "forward", legend: "forward (f(x+h) \(minus) f(x))/h",
        points: zip(steps, errors[.forward]!).map { (x: $0, y: $1) }),
    ]
    let derivative = "\(partial)\(name.value)/\(partial)\(resolved.parameters[0])"
    plot.title =
      "|numerical \(minus) autodiff| of \(derivative) at \(pointText), against the step h"
    plot.markers = [Plot.Marker(x: chosen, label: "chosen h = \(formatError(chosen))")]
    let central = errors[.central]!
    if let best = central.indices.filter({ central[$0] > 0 && central[$0].isFinite }).min(by: {
      central[$0] < central[$1]
    }) {
      plot.regions = [
        Plot.Region(
          lower: steps[0], upper: steps[best], label: u ? "← rounding ~ ε/h" : "<- rounding ~ eps/h"
        ),
        Plot.Region(
          lower: steps[best], upper: steps[steps.count - 1],
          label: u ? "truncation ~ h² →" : "truncation ~ h^2 ->"),
      ]
      show(plot, into: &result)
      result.print(
        "central: error \(formatError(chosenError)) at h = \(formatError(chosen)); least \(formatError(central[best])) at h = \(formatError(steps[best]))"
      )
    } else {
      show(plot, into: &result)
      result.print(
        "note: every difference was exact (error 0, which a log scale cannot show), as for a function linear near \(pointText)"
      )
      result.print("central: error \(formatError(chosenError)) at h = \(formatError(chosen))")
    }
    result.print(
      "forward: error \(formatError(chosenForwardError)) at h = \(formatError(chosenForward)) (truncation ~ h)"
    )
    result.print("autodiff: \(derivative) = \(formatScalar(exact))")
    result.fields.append(("h", .array(steps.map(JSONValue.number))))
    result.fields.append(("central", .array(central.map(JSONValue.number))))
    result.fields.append(("forward", .array(errors[.forward]!.map(JSONValue.number))))
    result.fields.append(("autodiff", .number(exact)))
    result.fields.append(("chosen_step", .number(chosen)))
  }
}

/// 10^e.
func pow10(_ e: Double) -> Double { Foundation.pow(10, e) }
