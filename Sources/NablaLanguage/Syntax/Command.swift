/// A REPL command: an entry that starts with `:`.
///
///     :grad loss(W, zeros(4)) wrt W        .grad(loss(W, zeros(4)), wrt: ["W"])
///     :check f over x in [-10, 10] trials 1000
///     :save! sessions/today.nabla          .save(path: "sessions/today.nabla", overwrite: true)
///
/// Every name, number and path carries the range it was written at. Equality ignores ranges.
/// To add a command: add a case here, a `CommandSyntax` to `Command.catalog`, and a branch
/// to `CommandParser.parseArguments(of:)`; the catalog drives help and "did you mean".
public enum Command: Sendable, Hashable {
  /// `:grad EXPR [wrt NAME (, NAME)*]`: value and gradient (of all arguments when `wrt` is
  /// empty).
  case grad(Expr, wrt: [Located<String>])
  /// `:check EXPR [tol NUMBER]`: autodiff vs numerical vs symbolic at one point.
  case check(Expr, tolerance: Located<Double>?)
  /// `:check NAME over PARAM in [LO, HI] ...`: the same at many random points.
  case checkOver(CheckOver)
  /// `:time EXPR`: backprop vs numerical differentiation timings.
  case time(Expr)
  /// `:diff NAME [wrt NAME] [as NAME]`: symbolic derivative, printed and optionally defined.
  case diff(function: Located<String>, wrt: Located<String>?, as: Located<String>?)
  /// `:jacobian EXPR`
  case jacobian(Expr)
  /// `:hessian EXPR`
  case hessian(Expr)
  /// `:graph EXPR`: the full-screen graph pane.
  case graph(Expr)
  /// `:dot EXPR > PATH`: Graphviz export.
  case dot(Expr, path: Located<String>)
  /// `:plot NAME, ... over PARAM in [LO, HI]`: the functions and their derivatives.
  case plot(functions: [Located<String>], domain: ParameterDomain)
  /// `:plot error NAME at EXPR`: the error of finite differences against the step.
  case plotError(function: Located<String>, at: Expr)
  /// `:descend EXPR [wrt NAME, ...] [lr X] [steps N] [momentum X]`: gradient descent.
  case descend(Descend)
  /// `:vars`: list session tensors.
  case vars
  /// `:funcs`: list session functions.
  case funcs
  /// `:del NAME+`: forget names (commas between names are optional).
  case delete([Located<String>])
  /// `:clear`: forget everything.
  case clear
  /// `:help [TOPIC]`, where the topic is the raw rest of the line (`grad`, `:grad`, `softmax`).
  case help(topic: Located<String>?)
  /// `:quit`
  case quit
  /// `:save PATH` (refuses to overwrite) and `:save! PATH` (overwrites).
  case save(path: Located<String>, overwrite: Bool)
  /// `:load PATH`
  case load(path: Located<String>)
  /// `:recover`: restore the session from the journal.
  case recover
  /// `:set NAME VALUE`, where the value is the raw rest of the line.
  case set(name: Located<String>, value: Located<String>)

  /// The options of `:check NAME over ...`.
  public struct CheckOver: Sendable, Hashable {
    /// The function to check.
    public var function: Located<String>
    /// Where each sampled parameter's values come from, in the order written.
    public var domains: [ParameterDomain]
    /// `trials INT`: how many random points.
    public var trials: Located<Int>?
    /// `tol NUMBER`: absolute tolerance.
    public var tolerance: Located<Double>?
    /// `rtol NUMBER`: relative tolerance.
    public var relativeTolerance: Located<Double>?
    /// `seed INT`: the random seed.
    public var seed: Located<Int>?

    /// Creates the options; absent clauses are nil.
    public init(
      function: Located<String>, domains: [ParameterDomain], trials: Located<Int>? = nil,
      tolerance: Located<Double>? = nil, relativeTolerance: Located<Double>? = nil,
      seed: Located<Int>? = nil
    ) {
      self.function = function
      self.domains = domains
      self.trials = trials
      self.tolerance = tolerance
      self.relativeTolerance = relativeTolerance
      self.seed = seed
    }
  }

  /// The options of `:descend`.
  public struct Descend: Sendable, Hashable {
    /// The loss: a call of a session function, or an expression of session tensors.
    public var loss: Expr
    /// `wrt NAME, ...`: the session tensors to update (all those the loss is given when empty).
    public var wrt: [Located<String>]
    /// `lr NUMBER`: the learning rate.
    public var rate: Located<Double>?
    /// `steps INT`
    public var steps: Located<Int>?
    /// `momentum NUMBER`: heavy-ball momentum, from 0 (none) to below 1.
    public var momentum: Located<Double>?

    /// Creates the options; absent clauses are nil.
    public init(
      loss: Expr, wrt: [Located<String>] = [], rate: Located<Double>? = nil,
      steps: Located<Int>? = nil, momentum: Located<Double>? = nil
    ) {
      self.loss = loss
      self.wrt = wrt
      self.rate = rate
      self.steps = steps
      self.momentum = momentum
    }
  }

  /// `PARAM in [LO, HI]` or `PARAM in [LO, HI]^(3, 4)`: uniform samples in a box.
  public struct ParameterDomain: Sendable, Hashable {
    /// The parameter's name.
    public var parameter: Located<String>
    /// The lower bound (at most `upper`).
    public var lower: Located<Double>
    /// The upper bound.
    public var upper: Located<Double>
    /// The sample's shape after `^`, or nil for a scalar; `^()` gives `[]`.
    public var shape: Located<[Int]>?

    /// Creates a domain.
    public init(
      parameter: Located<String>, lower: Located<Double>, upper: Located<Double>,
      shape: Located<[Int]>? = nil
    ) {
      self.parameter = parameter
      self.lower = lower
      self.upper = upper
      self.shape = shape
    }
  }

  /// The command's name as typed, with its colon: `":grad"`, `":save!"`.
  public var name: String {
    switch self {
    case .grad: ":grad"
    case .check, .checkOver: ":check"
    case .time: ":time"
    case .diff: ":diff"
    case .jacobian: ":jacobian"
    case .hessian: ":hessian"
    case .graph: ":graph"
    case .plot, .plotError: ":plot"
    case .descend: ":descend"
    case .dot: ":dot"
    case .vars: ":vars"
    case .funcs: ":funcs"
    case .delete: ":del"
    case .clear: ":clear"
    case .help: ":help"
    case .quit: ":quit"
    case .save(_, let overwrite): overwrite ? ":save!" : ":save"
    case .load: ":load"
    case .recover: ":recover"
    case .set: ":set"
    }
  }
}

/// How one command is written, for `:help` and for error messages.
public struct CommandSyntax: Sendable, Hashable {
  /// The name with its colon: `":grad"`.
  public var name: String
  /// Each form of the command, in the notation of the help text.
  public var usages: [String]
  /// One line saying what it does.
  public var summary: String
}

extension Command {
  /// Every command, in the order `:help` lists them.
  public static let catalog: [CommandSyntax] = [
    CommandSyntax(
      name: ":grad", usages: [":grad EXPR [wrt NAME, ...]"],
      summary: "value and gradient of an expression"),
    CommandSyntax(
      name: ":check",
      usages: [
        ":check EXPR [tol NUMBER]",
        ":check NAME over PARAM in [LO, HI][^(SHAPE)], ... [trials INT] [tol NUMBER]"
          + " [rtol NUMBER] [seed INT]",
      ],
      summary: "compare autodiff with numerical and symbolic derivatives"),
    CommandSyntax(
      name: ":time", usages: [":time EXPR"],
      summary: "time backprop against numerical differentiation"),
    CommandSyntax(
      name: ":diff", usages: [":diff NAME [wrt NAME] [as NAME]"],
      summary: "symbolic derivative, printed (and defined with 'as')"),
    CommandSyntax(
      name: ":jacobian", usages: [":jacobian EXPR"], summary: "Jacobian of an expression"),
    CommandSyntax(
      name: ":hessian", usages: [":hessian EXPR"], summary: "Hessian of a scalar expression"),
    CommandSyntax(
      name: ":plot",
      usages: [":plot NAME, ... over PARAM in [LO, HI]", ":plot error NAME at EXPR"],
      summary: "plot functions and their derivatives, or finite-difference error"),
    CommandSyntax(
      name: ":descend",
      usages: [":descend EXPR [wrt NAME, ...] [lr NUMBER] [steps INT] [momentum NUMBER]"],
      summary: "gradient descent on session tensors, with the loss curve"),
    CommandSyntax(
      name: ":graph", usages: [":graph EXPR"], summary: "show the computation graph"),
    CommandSyntax(
      name: ":dot", usages: [":dot EXPR > PATH"], summary: "write the graph as Graphviz DOT"),
    CommandSyntax(name: ":vars", usages: [":vars"], summary: "list tensors"),
    CommandSyntax(name: ":funcs", usages: [":funcs"], summary: "list functions"),
    CommandSyntax(name: ":del", usages: [":del NAME ..."], summary: "delete names"),
    CommandSyntax(name: ":clear", usages: [":clear"], summary: "delete everything"),
    CommandSyntax(name: ":help", usages: [":help [TOPIC]"], summary: "show help"),
    CommandSyntax(name: ":quit", usages: [":quit"], summary: "leave Nabla"),
    CommandSyntax(
      name: ":save", usages: [":save PATH", ":save! PATH"],
      summary: "save the session (':save!' overwrites)"),
    CommandSyntax(name: ":load", usages: [":load PATH"], summary: "replay a session file"),
    CommandSyntax(
      name: ":recover", usages: [":recover"], summary: "restore the session from the journal"),
    CommandSyntax(name: ":set", usages: [":set NAME VALUE"], summary: "change a setting"),
  ]
}
