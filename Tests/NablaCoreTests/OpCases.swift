/// The catalogue of differentiable operations under test: every op, at seeded random inputs
/// chosen inside its domain (positive bases and arguments of log and sqrt, values away from
/// the kinks of relu, abs, max, min, maximum, minimum and clip). `OpGradientTests` checks
/// each case's gradient and `HigherOrderTests` its Hessian-vector products.

import Testing

@testable import NablaCore

/// One op applied to some inputs; every input is differentiated.
struct OpCase: Sendable, CustomTestStringConvertible {
  typealias Function = @Sendable ([Variable]) throws -> Variable

  var name: String
  var inputs: [Tensor]
  var f: Function

  init(_ name: String, _ inputs: [Tensor], _ f: @escaping Function) {
    self.name = name
    self.inputs = inputs
    self.f = f
  }

  var testDescription: String { name }
}

enum OpCases {
  /// Shape pairs that broadcast on both sides, on one side, or not at all.
  static let broadcastPairs: [([Int], [Int])] = [
    ([3, 4], [3, 4]), ([3, 1], [1, 4]), ([4], [3, 4]), ([3, 4], [4]), ([], [2, 3]), ([2, 3], []),
    ([2, 1, 3], [4, 1]), ([4, 1], [2, 1, 3]),
  ]

  static let arithmetic: [OpCase] = {
    var cases: [OpCase] = []
    for (k, (sa, sb)) in broadcastPairs.enumerated() {
      let seed = UInt64(10 * k)
      let a = randn(sa, seed: seed)
      let b = randn(sb, seed: seed + 1)
      let positive = rand(sb, seed: seed + 2, low: 0.5, high: 2)
      let shapes = "\(formatShape(sa)), \(formatShape(sb))"
      cases.append(OpCase("\(shapes) +", [a, b]) { try $0[0] + $0[1] })
      cases.append(OpCase("\(shapes) -", [a, b]) { try $0[0] - $0[1] })
      cases.append(OpCase("\(shapes) *", [a, b]) { try $0[0] * $0[1] })
      cases.append(OpCase("\(shapes) /", [a, positive]) { try $0[0] / $0[1] })
      cases.append(
        OpCase("\(shapes) / negative", [a, positive.map(.negate)]) { try $0[0] / $0[1] })
    }
    cases.append(OpCase("negate", [randn([2, 3], seed: 90)]) { -$0[0] })
    return cases
  }()

  static let power: [OpCase] = [
    OpCase(
      "pow (3, 1) ^ (1, 4), positive base",
      [rand([3, 1], seed: 100, low: 0.5, high: 2), randn([1, 4], seed: 101)]
    ) {
      try Variable.pow($0[0], $0[1])
    },
    OpCase(
      "pow (2, 3) ^ (2, 3)",
      [rand([2, 3], seed: 102, low: 0.3, high: 3), randn([2, 3], seed: 103)]
    ) {
      try Variable.pow($0[0], $0[1])
    },
    OpCase("pow () ^ (4,)", [Tensor(1.7), randn([4], seed: 104)]) {
      try Variable.pow($0[0], $0[1])
    },
    OpCase(
      "pow x^2, negative x, constant exponent", [rand([2, 3], seed: 105, low: -2, high: -0.5)]
    ) {
      try Variable.pow($0[0], 2)
    },
    OpCase("pow x^3, mixed signs, constant exponent", [randn([5], seed: 106)]) {
      try Variable.pow($0[0], 3)
    },
    OpCase("pow x^-1.5, positive x", [rand([4], seed: 107, low: 0.5, high: 2)]) {
      try Variable.pow($0[0], -1.5)
    },
    OpCase(
      "pow with zero exponents",
      [rand([4], seed: 109, low: 0.5, high: 2), Tensor([0, 1.5, 0, -2])]
    ) {
      try Variable.pow($0[0], $0[1])
    },
    OpCase("pow 2^x, constant base", [randn([4], seed: 108)]) { try Variable.pow(2, $0[0]) },
  ]

  static let unary: [OpCase] = [
    OpCase("exp", [randn([2, 3], seed: 200)]) { Variable.exp($0[0]) },
    OpCase("log", [rand([2, 3], seed: 201, low: 0.5, high: 3)]) { Variable.log($0[0]) },
    OpCase("sin", [randn([2, 3], seed: 202, scale: 2)]) { Variable.sin($0[0]) },
    OpCase("cos", [randn([2, 3], seed: 203, scale: 2)]) { Variable.cos($0[0]) },
    OpCase("tan", [rand([2, 3], seed: 204, low: -1.2, high: 1.2)]) { Variable.apply(.tan, $0[0]) },
    OpCase("tanh", [randn([2, 3], seed: 205)]) { Variable.tanh($0[0]) },
    OpCase("sigmoid", [randn([2, 3], seed: 206, scale: 2)]) { Variable.apply(.sigmoid, $0[0]) },
    OpCase("relu", [randnAwayFromZero([2, 3], seed: 207)]) { Variable.apply(.relu, $0[0]) },
    OpCase("sqrt", [rand([2, 3], seed: 208, low: 0.5, high: 3)]) { Variable.sqrt($0[0]) },
    OpCase("abs", [randnAwayFromZero([2, 3], seed: 209)]) { Variable.apply(.abs, $0[0]) },
    OpCase("square", [randn([2, 3], seed: 210)]) { Variable.apply(.square, $0[0]) },
    OpCase("reciprocal", [rand([2, 3], seed: 211, low: 0.5, high: 2)]) {
      Variable.apply(.reciprocal, $0[0])
    },
  ]

  /// Every reduction over all axes, one axis, a negative axis and several axes, with and
  /// without keepDims.
  static let reductions: [OpCase] = {
    var cases: [OpCase] = []
    let axesList: [[Int]?] = [nil, [0], [1], [-1], [0, 2], [-3, -1], [2, 0, 1]]
    for (r, reduction) in [Reduction.sum, .mean, .max, .min].enumerated() {
      for (k, axes) in axesList.enumerated() {
        for keepDims in [false, true] {
          let seed = UInt64(300 + 10 * r + k)
          let x =
            reduction == .max || reduction == .min
            ? distinct([2, 3, 4], seed: seed) : randn([2, 3, 4], seed: seed)
          let name = "\(reduction)(axes: \(axes.map { "\($0)" } ?? "all"), keepDims: \(keepDims))"
          cases.append(
            OpCase(name, [x]) {
              try Variable.reduce(reduction, $0[0], axes: axes, keepDims: keepDims)
            })
        }
      }
    }
    return cases
  }()

  static let layout: [OpCase] = [
    OpCase("reshape (2, 3, 4) to (4, -1)", [randn([2, 3, 4], seed: 400)]) {
      try Variable.reshape($0[0], [4, -1])
    },
    OpCase("reshape (2, 3, 4) to (-1,)", [randn([2, 3, 4], seed: 401)]) {
      try Variable.reshape($0[0], [-1])
    },
    OpCase("reshape () to (1, 1)", [Tensor(0.7)]) { try Variable.reshape($0[0], [1, 1]) },
    OpCase("transpose (3, 4) default", [randn([3, 4], seed: 402)]) {
      try Variable.transpose($0[0])
    },
    OpCase("transpose (2, 3, 4) default", [randn([2, 3, 4], seed: 403)]) {
      try Variable.transpose($0[0])
    },
    OpCase("transpose (2, 3, 4) by (1, 2, 0)", [randn([2, 3, 4], seed: 404)]) {
      try Variable.transpose($0[0], [1, 2, 0])
    },
    OpCase("transpose (2, 3, 4) by (2, 0, 1)", [randn([2, 3, 4], seed: 405)]) {
      try Variable.transpose($0[0], [2, 0, 1])
    },
    OpCase("transpose (2, 3, 4) by (-1, 0, 1)", [randn([2, 3, 4], seed: 406)]) {
      try Variable.transpose($0[0], [-1, 0, 1])
    },
    OpCase("broadcast_to (3, 1) to (2, 3, 4)", [randn([3, 1], seed: 407)]) {
      try Variable.broadcast($0[0], to: [2, 3, 4])
    },
    OpCase("broadcast_to () to (2, 3)", [Tensor(0.3)]) {
      try Variable.broadcast($0[0], to: [2, 3])
    },
    OpCase("broadcast_to (4,) to (3, 4)", [randn([4], seed: 408)]) {
      try Variable.broadcast($0[0], to: [3, 4])
    },
    OpCase("broadcast_to (1, 3, 1) to (2, 3, 4)", [randn([1, 3, 1], seed: 409)]) {
      try Variable.broadcast($0[0], to: [2, 3, 4])
    },
    OpCase("expand_dims axis 0", [randn([2, 3], seed: 410)]) {
      try Variable.expandDims($0[0], axis: 0)
    },
    OpCase("expand_dims axis 1", [randn([2, 3], seed: 411)]) {
      try Variable.expandDims($0[0], axis: 1)
    },
    OpCase("expand_dims axis -1", [randn([2, 3], seed: 412)]) {
      try Variable.expandDims($0[0], axis: -1)
    },
    OpCase("squeeze all", [randn([1, 3, 1, 2], seed: 413)]) { try Variable.squeeze($0[0]) },
    OpCase("squeeze axis 0", [randn([1, 3, 1, 2], seed: 414)]) {
      try Variable.squeeze($0[0], axes: [0])
    },
    OpCase("squeeze axis -2", [randn([1, 3, 1, 2], seed: 415)]) {
      try Variable.squeeze($0[0], axes: [-2])
    },
  ]

  static let indexing: [OpCase] = {
    let all = TensorIndex.slice(start: nil, stop: nil, step: nil)
    func s(_ start: Int?, _ stop: Int?, _ step: Int? = nil) -> TensorIndex {
      .slice(start: start, stop: stop, step: step)
    }
    let items: [(String, [TensorIndex])] = [
      ("x[1]", [.index(1)]),
      ("x[-1, 2, -3]", [.index(-1), .index(2), .index(-3)]),
      ("x[::-1]", [s(nil, nil, -1)]),
      ("x[:, 1:-1:2]", [all, s(1, -1, 2)]),
      ("x[..., ::-2]", [.ellipsis, s(nil, nil, -2)]),
      ("x[..., 2]", [.ellipsis, .index(2)]),
      ("x[-2:, 0, 4:0:-2]", [s(-2, nil), .index(0), s(4, 0, -2)]),
      ("x[None, 1:, ..., None]", [.newAxis, s(1, nil), .ellipsis, .newAxis]),
      ("x[-100:100:2]", [s(-100, 100, 2)]),
      ("x[1, None, ::-1, -1]", [.index(1), .newAxis, s(nil, nil, -1), .index(-1)]),
      ("x[:, 5:1]", [all, s(5, 1)]),
    ]
    return items.enumerated().map { k, item in
      OpCase(item.0, [randn([3, 4, 5], seed: 500 + UInt64(k))]) {
        try Variable.index($0[0], item.1)
      }
    }
  }()

  static let joins: [OpCase] = [
    OpCase(
      "concat axis 0",
      [randn([2, 3], seed: 600), randn([1, 3], seed: 601), randn([3, 3], seed: 602)]
    ) {
      try Variable.concat($0, axis: 0)
    },
    OpCase("concat axis 1", [randn([2, 3], seed: 603), randn([2, 1], seed: 604)]) {
      try Variable.concat($0, axis: 1)
    },
    OpCase("concat axis -1 of 3-d", [randn([2, 3, 1], seed: 605), randn([2, 3, 4], seed: 606)]) {
      try Variable.concat($0, axis: -1)
    },
    OpCase("concat axis 1 of 3-d", [randn([2, 1, 2], seed: 607), randn([2, 3, 2], seed: 608)]) {
      try Variable.concat($0, axis: 1)
    },
    OpCase("stack axis 0", [randn([2, 3], seed: 610), randn([2, 3], seed: 611)]) {
      try Variable.stack($0, axis: 0)
    },
    OpCase(
      "stack axis 1",
      [randn([2, 3], seed: 612), randn([2, 3], seed: 613), randn([2, 3], seed: 614)]
    ) {
      try Variable.stack($0, axis: 1)
    },
    OpCase("stack axis -1", [randn([2, 3], seed: 615), randn([2, 3], seed: 616)]) {
      try Variable.stack($0, axis: -1)
    },
    OpCase("stack of scalars", [Tensor(0.5), Tensor(-1.5)]) { try Variable.stack($0) },
  ]

  static let linearAlgebra: [OpCase] = {
    let shapes: [([Int], [Int])] = [
      ([3], [3]), ([3], [3, 4]), ([2, 3], [3]), ([2, 3], [3, 4]), ([2, 3, 4], [4, 5]),
      ([4], [2, 4, 3]), ([2, 1, 3, 4], [5, 4, 2]), ([3, 2, 4], [3, 4, 1]), ([1, 3], [3, 1]),
      ([3, 2, 4], [4]),
    ]
    var cases = shapes.enumerated().map { k, pair in
      OpCase(
        "matmul \(formatShape(pair.0)) @ \(formatShape(pair.1))",
        [randn(pair.0, seed: 700 + 2 * UInt64(k)), randn(pair.1, seed: 701 + 2 * UInt64(k))]
      ) {
        try Variable.matmul($0[0], $0[1])
      }
    }
    cases += [
      OpCase("dot (3,) · (3,)", [randn([3], seed: 750), randn([3], seed: 751)]) {
        try Variable.dot($0[0], $0[1])
      },
      OpCase("dot (2, 3) · (3, 2)", [randn([2, 3], seed: 752), randn([3, 2], seed: 753)]) {
        try Variable.dot($0[0], $0[1])
      },
      OpCase("dot (3,) · (3, 2)", [randn([3], seed: 754), randn([3, 2], seed: 755)]) {
        try Variable.dot($0[0], $0[1])
      },
      OpCase("dot () · (2, 2)", [Tensor(1.3), randn([2, 2], seed: 756)]) {
        try Variable.dot($0[0], $0[1])
      },
    ]
    return cases
  }()

  static let softmaxFamily: [OpCase] = {
    var cases = [0, 1, 2, -1, -3].map { axis in
      OpCase("softmax axis \(axis)", [randn([2, 3, 4], seed: 800 + UInt64(axis + 3))]) {
        try Variable.softmax($0[0], axis: axis)
      }
    }
    cases.append(
      OpCase("softmax of a vector", [randn([5], seed: 810, scale: 3)]) {
        try Variable.softmax($0[0])
      })
    for (k, axes) in [nil, [1], [0, 2], [-1]].enumerated() {
      for keepDims in [false, true] {
        cases.append(
          OpCase(
            "logsumexp(axes: \(axes.map { "\($0)" } ?? "all"), keepDims: \(keepDims))",
            [randn([2, 3, 4], seed: 820 + UInt64(k))]
          ) {
            try Variable.logsumexp($0[0], axes: axes, keepDims: keepDims)
          })
      }
    }
    return cases
  }()

  static let selection: [OpCase] = {
    // Distinct grids offset by 0.25, so maximum and minimum never tie or nearly tie.
    let a = distinct([3, 1], seed: 900)
    let b = distinct([1, 4], seed: 901, offset: 0.25)
    let x = distinct([3, 4], seed: 902, offset: -3)
    let condition = tensor([3, 1], [1, 0, 1])
    let mixedCondition = tensor([2, 3], [1, 0, 0, 1, 1, 0])
    return [
      OpCase("maximum (3, 1), (1, 4)", [a, b]) { try Variable.apply(.maximum, $0[0], $0[1]) },
      OpCase("minimum (3, 1), (1, 4)", [a, b]) { try Variable.apply(.minimum, $0[0], $0[1]) },
      OpCase("maximum (3, 4), ()", [x, Tensor(-0.25)]) {
        try Variable.apply(.maximum, $0[0], $0[1])
      },
      OpCase("minimum (), (3, 4)", [Tensor(0.75), x]) {
        try Variable.apply(.minimum, $0[0], $0[1])
      },
      OpCase(
        "where (3, 1) ? (1, 4) : (3, 4)", [randn([1, 4], seed: 904), randn([3, 4], seed: 905)]
      ) {
        try Variable.select(Variable(condition), $0[0], $0[1])
      },
      OpCase("where (2, 3) ? () : (3,)", [Tensor(0.4), randn([3], seed: 906)]) {
        try Variable.select(Variable(mixedCondition), $0[0], $0[1])
      },
      OpCase("clip to constants", [x]) { try Variable.clip($0[0], -1.25, 1.25) },
      OpCase("clip to tensors", [x, tensor([4], [-1.75, -0.25, -2.25, 0.25]), Tensor(0.75)]) {
        try Variable.clip($0[0], $0[1], $0[2])
      },
    ]
  }()

  static let all: [OpCase] =
    arithmetic + power + unary + reductions + layout + indexing + joins + linearAlgebra
    + softmaxFamily + selection
}
