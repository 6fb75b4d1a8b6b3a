import NablaLanguage
import Testing

@Suite struct CommandTests {
  func command(_ text: String) throws -> Command {
    let parsed = try entry(text)
    guard case .command(let command) = parsed else {
      throw RenderedError(text: "not a command: \(parsed)")
    }
    return command
  }

  @Test func grad() throws {
    #expect(try command(":grad f(2.0)") == .grad(.call("f", [.number(2)]), wrt: []))
    #expect(
      try command(":grad loss(W, zeros(4)) wrt W")
        == .grad(expr("loss(W, zeros(4))"), wrt: [loc("W")]))
    let both = try command(":grad loss(W, b) wrt W, b")
    #expect(try both == .grad(expr("loss(W, b)"), wrt: [loc("W"), loc("b")]))
    if case .grad(_, let names) = both {
      #expect(
        names.map(\.range) == [SourceRange(start: 21, end: 22), SourceRange(start: 24, end: 25)])
    }
    // `wrt` is an ordinary name elsewhere.
    #expect(try command(":grad wrt^2 wrt wrt") == .grad(expr("wrt^2"), wrt: [loc("wrt")]))
    #expect(try command(":grad x < 1") == .grad(expr("x < 1"), wrt: []))
  }

  @Test func pointCheck() throws {
    #expect(try command(":check f(x)") == .check(expr("f(x)"), tolerance: nil))
    #expect(
      try command(":check f(2) tol 1e-6") == .check(expr("f(2)"), tolerance: Located(1e-6)))
  }

  @Test func checkOver() throws {
    let parsed = try command(":check f over x in [-10, 10] trials 1000 tol 1e-5")
    #expect(
      parsed
        == .checkOver(
          Command.CheckOver(
            function: loc("f"),
            domains: [
              Command.ParameterDomain(
                parameter: loc("x"), lower: Located(-10), upper: Located(10))
            ],
            trials: Located(1000), tolerance: Located(1e-5))))
    guard case .checkOver(let check) = parsed else { return }
    #expect(check.function.range == SourceRange(start: 7, end: 8))
    #expect(check.domains[0].lower.range == SourceRange(start: 20, end: 23))
    #expect(check.trials?.range == SourceRange(start: 36, end: 40))
  }

  @Test func checkOverWithShapesAndClausesInAnyOrder() throws {
    let parsed = try command(
      ":check loss over W in [-1, 1]^(3, 4), b in [+0.5, 2.5e0]^(4,), c in [0, 1]^() "
        + "seed 7 rtol 1e-3 tol 0 trials 10")
    let expected = Command.CheckOver(
      function: loc("loss"),
      domains: [
        Command.ParameterDomain(
          parameter: loc("W"), lower: Located(-1), upper: Located(1), shape: Located([3, 4])),
        Command.ParameterDomain(
          parameter: loc("b"), lower: Located(0.5), upper: Located(2.5), shape: Located([4])),
        Command.ParameterDomain(
          parameter: loc("c"), lower: Located(0), upper: Located(1), shape: Located([])),
      ],
      trials: Located(10), tolerance: Located(0), relativeTolerance: Located(1e-3),
      seed: Located(7))
    #expect(parsed == .checkOver(expected))
    #expect(
      try command(":check g over x in [0, 1]^5")
        == .checkOver(
          Command.CheckOver(
            function: loc("g"),
            domains: [
              Command.ParameterDomain(
                parameter: loc("x"), lower: Located(0), upper: Located(1), shape: Located([5]))
            ])))
  }

  @Test func expressionCommands() throws {
    #expect(try command(":time h2(rand(1000))") == .time(expr("h2(rand(1000))")))
    #expect(try command(":jacobian softmax(x)") == .jacobian(expr("softmax(x)")))
    #expect(try command(":hessian f(x)") == .hessian(expr("f(x)")))
    #expect(try command(":graph loss(W, zeros(4))") == .graph(expr("loss(W, zeros(4))")))
  }

  @Test func diff() throws {
    #expect(try command(":diff f") == .diff(function: loc("f"), wrt: nil, as: nil))
    #expect(try command(":diff f as df") == .diff(function: loc("f"), wrt: nil, as: loc("df")))
    #expect(
      try command(":diff loss wrt W as dW")
        == .diff(function: loc("loss"), wrt: loc("W"), as: loc("dW")))
    #expect(
      try command(":diff loss as dW wrt W")
        == .diff(function: loc("loss"), wrt: loc("W"), as: loc("dW")))
  }

  @Test func dot() throws {
    let parsed = try command(":dot loss(W, zeros(4)) > out/loss-1.dot")
    #expect(try parsed == .dot(expr("loss(W, zeros(4))"), path: loc("out/loss-1.dot")))
    if case .dot(_, let path) = parsed {
      #expect(path.range == SourceRange(start: 25, end: 39))
    }
    #expect(try command(":dot (a > b) > g.dot") == .dot(expr("a > b"), path: loc("g.dot")))
    #expect(
      try command(":dot f(x) > ~/my graphs/f.dot")
        == .dot(expr("f(x)"), path: loc("~/my graphs/f.dot")))
  }

  @Test func commandsWithoutArguments() throws {
    #expect(try command(":vars") == .vars)
    #expect(try command(":funcs") == .funcs)
    #expect(try command(":clear") == .clear)
    #expect(try command(":quit") == .quit)
    #expect(try command(":recover") == .recover)
    #expect(try command("  :vars   # list them") == .vars)
  }

  @Test func delete() throws {
    #expect(try command(":del x") == .delete([loc("x")]))
    #expect(try command(":del x y, z") == .delete([loc("x"), loc("y"), loc("z")]))
  }

  @Test func help() throws {
    #expect(try command(":help") == .help(topic: nil))
    #expect(try command(":help grad") == .help(topic: loc("grad")))
    #expect(try command(":help :grad") == .help(topic: loc(":grad")))
    #expect(try command(":help  softmax  ") == .help(topic: loc("softmax")))
    #expect(try command(":help ^") == .help(topic: loc("^")))
    if case .help(let topic?) = try command(":help  softmax  ") {
      #expect(topic.range == SourceRange(start: 7, end: 14))
    }
  }

  @Test func saveAndLoad() throws {
    #expect(
      try command(":save sessions/today.nabla")
        == .save(path: loc("sessions/today.nabla"), overwrite: false))
    #expect(try command(":save! a-b.c.nabla") == .save(path: loc("a-b.c.nabla"), overwrite: true))
    #expect(try command(":load ../x.nabla # replay") == .load(path: loc("../x.nabla")))
    #expect(try command(":load \"my file.nabla\"") == .load(path: loc("my file.nabla")))
    #expect(try command(":load notes#2.nabla") == .load(path: loc("notes#2.nabla")))
    #expect(Command.save(path: loc("a"), overwrite: true).name == ":save!")
  }

  @Test func set() throws {
    #expect(try command(":set precision 4") == .set(name: loc("precision"), value: loc("4")))
    #expect(try command(":set color off") == .set(name: loc("color"), value: loc("off")))
  }

  @Test(arguments: Command.catalog)
  func everyCatalogCommandParses(syntax: CommandSyntax) throws {
    let example: String =
      switch syntax.name {
      case ":grad", ":time", ":jacobian", ":hessian", ":graph", ":check": "\(syntax.name) f(1)"
      case ":dot": ":dot f(1) > f.dot"
      case ":diff", ":del": "\(syntax.name) f"
      case ":save", ":load": "\(syntax.name) f.nabla"
      case ":set": ":set precision 4"
      case ":plot": ":plot f over x in [0, 1]"
      case ":descend": ":descend f(w)"
      default: syntax.name
      }
    let command = try command(example)
    #expect(command.name == syntax.name)
  }
}
