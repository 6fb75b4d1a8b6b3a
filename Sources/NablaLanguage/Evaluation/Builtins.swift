import NablaCore

extension Builtin {
  private static func unary(
    _ name: String, _ f: UnaryFunction, _ summary: String, _ example: String
  ) -> Builtin {
    Builtin(
      name: name, parameters: [.init("x", .tensor)], category: .elementwise, summary: summary,
      example: example, body: { args in Variable.apply(f, args.tensor("x")) })
  }

  private static func binary(
    _ name: String, _ f: BinaryFunction, _ summary: String, _ example: String
  ) -> Builtin {
    Builtin(
      name: name, parameters: [.init("a", .tensor), .init("b", .tensor)], category: .elementwise,
      summary: summary, example: example,
      body: { args in try Variable.apply(f, args.tensor("a"), args.tensor("b")) })
  }

  private static func reduction(_ r: Reduction, _ summary: String) -> Builtin {
    Builtin(
      name: r.rawValue,
      parameters: [
        .init("x", .tensor), .init("axis", .axes, default: "none"),
        .init("keepdims", .boolean, default: "false"),
      ],
      category: .reduction, summary: summary,
      example: "\(r.rawValue)([[1, 2, 3], [4, 5, 6]], axis: 0, keepdims: true)",
      body: { args in
        try Variable.reduce(
          r, args.tensor("x"), axes: args.list("axis"), keepDims: args.boolean("keepdims") ?? false)
      })
  }

  private static func seed(_ args: BoundArguments) -> UInt64? {
    args.integer("seed").map { UInt64(bitPattern: Int64($0)) }
  }

  /// Every builtin, by name.
  public static let all: [String: Builtin] = {
    var list: [Builtin] = [
      unary("exp", .exp, "e to the power x, elementwise", "exp([0, 1])"),
      unary("log", .log, "natural logarithm, elementwise (nan below 0, -inf at 0)", "log(e)"),
      unary("sin", .sin, "sine (radians), elementwise", "sin(pi / 2)"),
      unary("cos", .cos, "cosine (radians), elementwise", "cos(0)"),
      unary("tan", .tan, "tangent (radians), elementwise", "tan(pi / 4)"),
      unary("tanh", .tanh, "hyperbolic tangent, elementwise", "tanh([-1, 0, 1])"),
      unary("sigmoid", .sigmoid, "1 / (1 + exp(-x)), computed stably", "sigmoid(0)"),
      unary("relu", .relu, "max(x, 0); its derivative at 0 is taken as 0", "relu([-1, 2])"),
      unary("sqrt", .sqrt, "square root, elementwise (nan below 0)", "sqrt(2)"),
      unary("abs", .abs, "absolute value; its derivative at 0 is taken as 0", "abs(-3)"),
      binary(
        "pow", .power,
        "a to the power b (same as a ^ b); nan for a negative base and a non-integer power",
        "pow(2, [1, 2, 3])"),
      binary(
        "maximum", .maximum, "elementwise larger of a and b (ties share the gradient)",
        "maximum([-1, 0.5, 2], 0)"),
      binary(
        "minimum", .minimum, "elementwise smaller of a and b (ties share the gradient)",
        "minimum([-1, 0.5, 2], 1)"),
      reduction(.sum, "sum of the elements, over all axes or the given ones"),
      reduction(.mean, "mean of the elements, over all axes or the given ones"),
      reduction(.max, "largest element (ties share the gradient)"),
      reduction(.min, "smallest element (ties share the gradient)"),
      Builtin(
        name: "where",
        parameters: [.init("condition", .tensor), .init("a", .tensor), .init("b", .tensor)],
        category: .elementwise, summary: "a where condition is nonzero, else b (broadcast)",
        example: "where([-2, 3] > 0, [-2, 3], 0.1 * [-2, 3])",
        body: { args in
          try Variable.select(args.tensor("condition").detached, args.tensor("a"), args.tensor("b"))
        }),
      Builtin(
        name: "clip",
        parameters: [
          .init("x", .tensor), .init("lo", .tensor, aliases: ["a_min"]),
          .init("hi", .tensor, aliases: ["a_max"]),
        ],
        category: .elementwise, summary: "limits x to [lo, hi]: minimum(maximum(x, lo), hi)",
        example: "clip([-1, 0.5, 20], 0.01, 10)",
        body: { args in try Variable.clip(args.tensor("x"), args.tensor("lo"), args.tensor("hi")) }),
      Builtin(
        name: "softmax", parameters: [.init("x", .tensor), .init("axis", .integer, default: "-1")],
        category: .reduction, summary: "exp(x) / sum(exp(x)) along an axis, computed stably",
        example: "softmax([1, 2, 3])",
        body: { args in try Variable.softmax(args.tensor("x"), axis: args.integer("axis") ?? -1) }),
      Builtin(
        name: "logsumexp",
        parameters: [
          .init("x", .tensor), .init("axis", .axes, default: "none"),
          .init("keepdims", .boolean, default: "false"),
        ],
        category: .reduction, summary: "log(sum(exp(x))), computed stably",
        example: "logsumexp([1000, 1000])",
        body: { args in
          try Variable.logsumexp(
            args.tensor("x"), axes: args.list("axis"), keepDims: args.boolean("keepdims") ?? false)
        }),
      Builtin(
        name: "reshape",
        parameters: [.init("x", .tensor), .init("shape", .shape, aliases: ["newshape"])],
        category: .shape,
        summary: "the same elements in a new shape (one size may be -1)",
        example: "reshape(arange(6), [2, -1])",
        body: { args in try Variable.reshape(args.tensor("x"), args.list("shape") ?? []) }),
      Builtin(
        name: "transpose",
        parameters: [.init("x", .tensor), .init("axes", .axes, default: "reversed")],
        category: .shape, summary: "permutes the axes (reverses them by default)",
        example: "transpose([[1, 2, 3], [4, 5, 6]])",
        body: { args in try Variable.transpose(args.tensor("x"), args.list("axes")) }),
      Builtin(
        name: "broadcast_to", parameters: [.init("x", .tensor), .init("shape", .shape)],
        category: .shape,
        summary: "repeats along broadcast axes to a shape (numpy rules)",
        example: "broadcast_to([1, 2, 3], [2, 3])",
        body: { args in try Variable.broadcast(args.tensor("x"), to: args.list("shape") ?? []) }),
      Builtin(
        name: "expand_dims", parameters: [.init("x", .tensor), .init("axis", .integer)],
        category: .shape,
        summary: "inserts an axis of size 1", example: "expand_dims([1, 2], axis: 0)",
        body: { args in try Variable.expandDims(args.tensor("x"), axis: args.integer("axis") ?? 0) }
      ),
      Builtin(
        name: "squeeze", parameters: [.init("x", .tensor), .init("axis", .axes, default: "none")],
        category: .shape,
        summary: "removes axes of size 1", example: "squeeze(ones([1, 3, 1]))",
        body: { args in try Variable.squeeze(args.tensor("x"), axes: args.list("axis")) }),
      Builtin(
        name: "concat",
        parameters: [.init("tensors", .tensors), .init("axis", .integer, default: "0")],
        category: .shape,
        summary: "joins tensors along an existing axis",
        example: "concat([[1, 2], [3, 4, 5]], axis: 0)",
        body: { args in
          try Variable.concat(args.tensors("tensors"), axis: args.integer("axis") ?? 0)
        }),
      Builtin(
        name: "stack",
        parameters: [.init("tensors", .tensors), .init("axis", .integer, default: "0")],
        category: .shape,
        summary: "joins same-shaped tensors along a new axis",
        example: "stack([[1, 2], [3, 4]], axis: 1)",
        body: { args in try Variable.stack(args.tensors("tensors"), axis: args.integer("axis") ?? 0)
        }),
      Builtin(
        name: "matmul", parameters: [.init("a", .tensor), .init("b", .tensor)],
        category: .linearAlgebra,
        summary: "matrix product with numpy's rules (same as a @ b)",
        example: "matmul([[1, 2], [3, 4]], [1, 1])",
        body: { args in try Variable.matmul(args.tensor("a"), args.tensor("b")) }),
      Builtin(
        name: "dot", parameters: [.init("a", .tensor), .init("b", .tensor)],
        category: .linearAlgebra,
        summary: "dot product of vectors, or the product of matrices",
        example: "dot([1, 2], [3, 4])",
        body: { args in try Variable.dot(args.tensor("a"), args.tensor("b")) }),
      Builtin(
        name: "zeros", parameters: [.init("shape", .shape)], category: .construction,
        summary: "a tensor of zeros", example: "zeros([2, 3])",
        body: { args in Variable(try Tensor.zeros(args.list("shape") ?? [])) }),
      Builtin(
        name: "ones", parameters: [.init("shape", .shape)], category: .construction,
        summary: "a tensor of ones", example: "ones([2, 3])",
        body: { args in Variable(try Tensor.ones(args.list("shape") ?? [])) }),
      Builtin(
        name: "full",
        parameters: [.init("shape", .shape), .init("value", .number, aliases: ["fill_value"])],
        category: .construction,
        summary: "a tensor with every element equal to value", example: "full([2, 2], 7)",
        body: { args in
          Variable(try Tensor.full(args.list("shape") ?? [], args.number("value") ?? 0))
        }),
      Builtin(
        name: "arange",
        parameters: [
          .init("start", .number), .init("stop", .number, default: "none"),
          .init("step", .number, default: "1"),
        ],
        category: .construction,
        summary: "evenly spaced values in [start, stop); arange(n) is 0 … n-1",
        example: "arange(5)",
        body: { args in
          let first = args.number("start") ?? 0
          let (start, stop) = args.number("stop").map { (first, $0) } ?? (0, first)
          return Variable(
            try Tensor.arange(start: start, stop: stop, step: args.number("step") ?? 1))
        }),
      Builtin(
        name: "linspace",
        parameters: [
          .init("start", .number), .init("stop", .number), .init("num", .integer, default: "50"),
        ],
        category: .construction, summary: "num evenly spaced values from start to stop inclusive",
        example: "linspace(0, 1, num: 5)",
        body: { args in
          Variable(
            try Tensor.linspace(
              args.number("start") ?? 0, args.number("stop") ?? 1, count: args.integer("num") ?? 50)
          )
        }),
      Builtin(
        name: "eye",
        parameters: [
          .init("n", .integer), .init("m", .integer, default: "n"),
          .init("k", .integer, default: "0"),
        ],
        category: .construction, summary: "the identity matrix (ones on diagonal k)",
        example: "eye(3)",
        body: { args in
          Variable(
            try Tensor.eye(args.integer("n") ?? 0, args.integer("m"), k: args.integer("k") ?? 0))
        }),
      Builtin(
        name: "rand",
        parameters: [
          .init("shape", .shape), .init("seed", .integer, default: "random"),
          .init("low", .number, default: "0"), .init("high", .number, default: "1"),
        ],
        category: .construction,
        summary: "uniform random numbers in [low, high); a seed makes them repeatable",
        example: "rand(3, seed: 0)",
        body: { args in
          Variable(
            try Tensor.rand(
              args.list("shape") ?? [], low: args.number("low") ?? 0,
              high: args.number("high") ?? 1, seed: seed(args)))
        }),
      Builtin(
        name: "randn",
        parameters: [
          .init("shape", .shape), .init("seed", .integer, default: "random"),
          .init("mean", .number, default: "0"), .init("std", .number, default: "1"),
        ],
        category: .construction, summary: "normal random numbers; a seed makes them repeatable",
        example: "randn([2, 3], seed: 0)",
        body: { args in
          Variable(
            try Tensor.randn(
              args.list("shape") ?? [], mean: args.number("mean") ?? 0,
              std: args.number("std") ?? 1, seed: seed(args)))
        }),
    ]
    list += symbolicSupport
    list.sort { $0.name < $1.name }
    return Dictionary(uniqueKeysWithValues: list.map { ($0.name, $0) })
  }()

  /// The constants every session knows.
  public static let constants: [String: Double] = [
    "pi": Double.pi, "e": 2.718281828459045, "inf": .infinity, "nan": .nan, "true": 1, "false": 0,
  ]
}
