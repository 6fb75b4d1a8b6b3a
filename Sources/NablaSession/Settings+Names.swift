import NablaCore

extension Settings {
  /// The names `:set` accepts, in the order `:help set` lists them.
  public static let names = [
    "precision", "threshold", "linewidth", "trials", "tol", "rtol", "time", "plotheight",
  ] + Limits.names

  /// What each setting does, for `:help set` and errors.
  static let help: [String: String] = [
    "precision": "digits after the point when tensors print (0 to 17)",
    "threshold": "tensors with more elements print summarised with ...",
    "linewidth": "characters per line before tensor rows wrap",
    "trials": "random points of :check … over when no 'trials' is given",
    "tol": "absolute tolerance of :check",
    "rtol": "relative tolerance of :check",
    "time": "seconds :time spends on each of its three measurements",
    "plotheight": "text rows of a plot (4 dots each); its width is linewidth",
  ].merging(Limits.settings.map { ($0.name, $0.help) }) { a, _ in a }

  /// The current value of a setting as `:set` echoes it, or nil for an unknown name.
  public func value(of name: String) -> String? {
    switch name {
    case "precision": String(format.precision)
    case "threshold": String(format.threshold)
    case "linewidth": String(format.lineWidth)
    case "trials": String(trials)
    case "tol": formatScalar(tolerance)
    case "rtol": formatScalar(relativeTolerance)
    case "time": formatScalar(timeBudget)
    case "plotheight": String(plotHeight)
    default: limits[name].map(String.init)
    }
  }
}
