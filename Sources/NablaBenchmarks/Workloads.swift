import NablaCore

/// The five workloads of `shared/bench/README.md`: references, checked quantities, and the
/// paths that implement them.
enum Workloads {
  static func preparation(_ id: String) -> (BenchPath) -> (() throws -> Prepared)? {
    { path in
      switch path {
      case .api: APIPath.prepare(id)
      case .language: LanguagePath.prepare(id)
      }
    }
  }

  static var all: [Workload] {
    [
      Workload(
        id: "W1", title: "h2: value+grad, n=1000", reference: Reference.w1,
        summarize: { o in [o[0].scalars[0], compensatedSum(o[1].scalars), o[1].scalars[999]] },
        prepare: preparation("W1")),
      Workload(
        id: "W2", title: "mlp: fwd+bwd 64x784-128-10", reference: Reference.w2,
        summarize: { o in
          [o[0].scalars[0]]
            + o[1...4].map { t in compensatedSum(t.scalars.lazy.map { Swift.abs($0) }) }
        },
        prepare: preparation("W2")),
      Workload(
        id: "W3", title: "chain: 10k scalar ops v+g", ops: Inputs.ops3, reference: Reference.w3,
        summarize: { o in [o[0].scalars[0], o[1].scalars[0]] },
        prepare: preparation("W3")),
      Workload(
        id: "W4", title: "check: 1000 grad checks", reference: Reference.w4,
        summarize: { o in [o[0].scalars[0]] },
        outcomeFields: { o in
          [
            ("max_abs_diff", .number(o[1].scalars[0])),
            ("max_abs_diff_reference", .number(Reference.w4MaxDiff)),
          ]
        },
        prepare: preparation("W4")),
      Workload(
        id: "W5", title: "broadcast: 512x512 v+g", reference: Reference.w5,
        summarize: { o in [o[0].scalars[0]] + o[1...3].map { compensatedSum($0.scalars) } },
        prepare: preparation("W5")),
    ]
  }
}
