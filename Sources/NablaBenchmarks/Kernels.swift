import NablaCore

/// `--kernels`: the tensor kernels W5 is made of, each timed on its own at W5's sizes
/// (512×512, b of shape (512,), c of shape (512, 1)), to see where a workload's time goes.
/// One line per kernel on stderr: the median microseconds per call, and the CPU time per
/// call (all threads; steadier than wall time on a busy machine).
enum KernelTimings {
  static func run(options: TimingOptions) throws {
    let a = try Inputs.a5()
    let b = try Inputs.b5()
    let c = try Inputs.c5()
    let s = try a.combined(.add, with: b)
    let t = s.map(.tanh)
    let g = try t.combined(.multiply, with: c)
    let kernels: [(String, () throws -> Outcome)] = [
      ("A + b (row broadcast)", { [try a.combined(.add, with: b)] }),
      ("tanh", { [s.map(.tanh)] }),
      ("exp", { [s.map(.exp)] }),
      ("t * c (column broadcast)", { [try t.combined(.multiply, with: c)] }),
      ("t * g (same shape)", { [try t.combined(.multiply, with: g)] }),
      ("sum (all)", { [try t.reduce(.sum)] }),
      ("sum axis 0 (columns)", { [try g.reduce(.sum, axes: [0])] }),
      ("sum axis 1 (rows)", { [try g.reduce(.sum, axes: [1])] }),
      ("broadcast 1 to 512x512", { [try Tensor(1).broadcast(to: [512, 512])] }),
      ("transpose", { [try t.transposed()] }),
    ]
    for (name, call) in kernels {
      _ = try call()
      let stats = try bench(call, options: options)
      log(
        "  \(name.padding(toLength: 28, withPad: " ", startingAt: 0))"
          + " median \(fixed(stats.median * 1e6, 1)) µs  min \(fixed(stats.min * 1e6, 1))"
          + "  cpu/wall \(fixed(stats.cpuPerWall, 2))"
          + "  cpu \(fixed(stats.median * stats.cpuPerWall * 1e6, 1)) µs")
    }
  }
}
