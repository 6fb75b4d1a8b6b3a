import Testing

@testable import NablaCore

/// One numpy golden string: `np.array2string(a, separator=', ', ...)` from numpy 2.4.
struct GoldenCase: Sendable, CustomTestStringConvertible {
  let name: String
  let shape: [Int]
  let scalars: [Double]
  var format = TensorFormat()
  let expected: String

  var testDescription: String { name }

  var tensor: Tensor { try! Tensor(shape: shape, scalars: scalars) }
}

private func arange(_ n: Int, scale: Double = 1, offset: Double = 0) -> [Double] {
  (0..<n).map { Double($0) * scale + offset }
}

@Suite struct FormattingTests {

  // MARK: formatScalar: Python's float repr

  @Test(arguments: [
    (3.0, "3.0"), (0.1, "0.1"), (3.637189707302727, "3.637189707302727"), (1e-05, "1e-05"),
    (1.5e+20, "1.5e+20"), (0.0001, "0.0001"), (1e16, "1e+16"),
    (1e15, "1000000000000000.0"), (123456789012345.6, "123456789012345.6"),
    (9007199254740992.0, "9007199254740992.0"), (Double.leastNonzeroMagnitude, "5e-324"),
    (1.7976931348623157e308, "1.7976931348623157e+308"), (-0.0, "-0.0"), (0.0, "0.0"),
    (-2.5, "-2.5"), (1.0 / 3.0, "0.3333333333333333"), (0x1p-20, "9.5367431640625e-07"),
    (100.0, "100.0"), (Double.nan, "nan"), (Double.infinity, "inf"), (-Double.infinity, "-inf"),
  ])
  func scalarMatchesPythonRepr(_ x: Double, _ expected: String) {
    #expect(formatScalar(x) == expected)
  }

  @Test func zeroDimensionalTensorPrintsAsScalar() {
    #expect(Tensor(3.0).description == "3.0")
    #expect(Tensor(1e-5).formatted(TensorFormat(precision: 2)) == "1e-05")
    #expect(Tensor(-.infinity).description == "-inf")
  }

  // MARK: formatted: numpy goldens

  static let goldens: [GoldenCase] = [
    GoldenCase(name: "[1,2,3]", shape: [3], scalars: [1, 2, 3], expected: "[1., 2., 3.]"),
    GoldenCase(
      name: "[1.5,-2,3.25]", shape: [3], scalars: [1.5, -2, 3.25],
      expected: "[ 1.5 , -2.  ,  3.25]"),
    GoldenCase(name: "[1,2.5,3]", shape: [3], scalars: [1, 2.5, 3], expected: "[1. , 2.5, 3. ]"),
    GoldenCase(name: "[1e-5,1]", shape: [2], scalars: [1e-5, 1], expected: "[1.e-05, 1.e+00]"),
    GoldenCase(name: "[1e10,1]", shape: [2], scalars: [1e10, 1], expected: "[1.e+10, 1.e+00]"),
    GoldenCase(
      name: "[1.5e-5,1]", shape: [2], scalars: [1.5e-5, 1], expected: "[1.5e-05, 1.0e+00]"),
    GoldenCase(
      name: "[1e100,1] widens exponents", shape: [2], scalars: [1e100, 1],
      expected: "[1.e+100, 1.e+000]"),
    GoldenCase(name: "1e8 switches", shape: [2], scalars: [1e8, 1], expected: "[1.e+08, 1.e+00]"),
    GoldenCase(
      name: "below 1e8", shape: [2], scalars: [99999999, 1],
      expected: "[9.9999999e+07, 1.0000000e+00]"),
    GoldenCase(
      name: "1e-4 stays fixed", shape: [2], scalars: [1e-4, 0.1], expected: "[0.0001, 0.1   ]"),
    GoldenCase(
      name: "ratio > 1e3 switches", shape: [2], scalars: [1e-4, 0.1001],
      expected: "[1.000e-04, 1.001e-01]"),
    GoldenCase(
      name: "nan/inf mixture", shape: [4], scalars: [.nan, 1.5, -.infinity, .infinity],
      expected: "[ nan,  1.5, -inf,  inf]"),
    GoldenCase(
      name: "nan/inf scientific", shape: [3], scalars: [.nan, 1e-7, -.infinity],
      expected: "[   nan, 1.e-07,   -inf]"),
    GoldenCase(
      name: "only non-finite", shape: [2], scalars: [.nan, -.infinity], expected: "[ nan, -inf]"),
    GoldenCase(name: "only nan", shape: [2], scalars: [.nan, .nan], expected: "[nan, nan]"),
    GoldenCase(
      name: "2-d nan/inf", shape: [2, 2], scalars: [1.5, .nan, -.infinity, 2],
      expected: "[[ 1.5,  nan],\n [-inf,  2. ]]"),
    GoldenCase(
      name: "3x4", shape: [3, 4], scalars: arange(12, scale: 0.5, offset: -2),
      expected: """
        [[-2. , -1.5, -1. , -0.5],
         [ 0. ,  0.5,  1. ,  1.5],
         [ 2. ,  2.5,  3. ,  3.5]]
        """),
    GoldenCase(
      name: "2x2x3", shape: [2, 2, 3], scalars: arange(12, scale: 0.25),
      expected: """
        [[[0.  , 0.25, 0.5 ],
          [0.75, 1.  , 1.25]],

         [[1.5 , 1.75, 2.  ],
          [2.25, 2.5 , 2.75]]]
        """),
    GoldenCase(
      name: "2x1x2x2", shape: [2, 1, 2, 2], scalars: arange(8),
      expected: "[[[[0., 1.],\n   [2., 3.]]],\n\n\n [[[4., 5.],\n   [6., 7.]]]]"),
    GoldenCase(
      name: "100 elements wrap at 75", shape: [100], scalars: arange(100, scale: 1.25),
      expected: """
        [  0.  ,   1.25,   2.5 ,   3.75,   5.  ,   6.25,   7.5 ,   8.75,  10.  ,
          11.25,  12.5 ,  13.75,  15.  ,  16.25,  17.5 ,  18.75,  20.  ,  21.25,
          22.5 ,  23.75,  25.  ,  26.25,  27.5 ,  28.75,  30.  ,  31.25,  32.5 ,
          33.75,  35.  ,  36.25,  37.5 ,  38.75,  40.  ,  41.25,  42.5 ,  43.75,
          45.  ,  46.25,  47.5 ,  48.75,  50.  ,  51.25,  52.5 ,  53.75,  55.  ,
          56.25,  57.5 ,  58.75,  60.  ,  61.25,  62.5 ,  63.75,  65.  ,  66.25,
          67.5 ,  68.75,  70.  ,  71.25,  72.5 ,  73.75,  75.  ,  76.25,  77.5 ,
          78.75,  80.  ,  81.25,  82.5 ,  83.75,  85.  ,  86.25,  87.5 ,  88.75,
          90.  ,  91.25,  92.5 ,  93.75,  95.  ,  96.25,  97.5 ,  98.75, 100.  ,
         101.25, 102.5 , 103.75, 105.  , 106.25, 107.5 , 108.75, 110.  , 111.25,
         112.5 , 113.75, 115.  , 116.25, 117.5 , 118.75, 120.  , 121.25, 122.5 ,
         123.75]
        """),
    GoldenCase(
      name: "arange(2000) summarised", shape: [2000], scalars: arange(2000),
      expected: "[0.000e+00, 1.000e+00, 2.000e+00, ..., 1.997e+03, 1.998e+03, 1.999e+03]"),
    GoldenCase(
      name: "2000x3 summarised", shape: [2000, 3], scalars: arange(6000, scale: 0.1),
      expected: """
        [[0.000e+00, 1.000e-01, 2.000e-01],
         [3.000e-01, 4.000e-01, 5.000e-01],
         [6.000e-01, 7.000e-01, 8.000e-01],
         ...,
         [5.991e+02, 5.992e+02, 5.993e+02],
         [5.994e+02, 5.995e+02, 5.996e+02],
         [5.997e+02, 5.998e+02, 5.999e+02]]
        """),
    GoldenCase(
      name: "2x1000x2 summarised", shape: [2, 1000, 2], scalars: arange(4000),
      expected: """
        [[[0.000e+00, 1.000e+00],
          [2.000e+00, 3.000e+00],
          [4.000e+00, 5.000e+00],
          ...,
          [1.994e+03, 1.995e+03],
          [1.996e+03, 1.997e+03],
          [1.998e+03, 1.999e+03]],

         [[2.000e+03, 2.001e+03],
          [2.002e+03, 2.003e+03],
          [2.004e+03, 2.005e+03],
          ...,
          [3.994e+03, 3.995e+03],
          [3.996e+03, 3.997e+03],
          [3.998e+03, 3.999e+03]]]
        """),
    GoldenCase(
      name: "threshold 10, edgeItems 2", shape: [20], scalars: arange(20, scale: 1.0 / 3.0),
      format: TensorFormat(threshold: 10, edgeItems: 2),
      expected: "[0.        , 0.33333333, ..., 6.        , 6.33333333]"),
    GoldenCase(
      name: "edgeItems 1", shape: [10], scalars: arange(10),
      format: TensorFormat(threshold: 3, edgeItems: 1), expected: "[0., ..., 9.]"),
    GoldenCase(
      name: "3-d summarised on every axis", shape: [2, 3, 4], scalars: arange(24),
      format: TensorFormat(threshold: 5, edgeItems: 1),
      expected: """
        [[[ 0., ...,  3.],
          ...,
          [ 8., ..., 11.]],

         [[12., ..., 15.],
          ...,
          [20., ..., 23.]]]
        """),
    GoldenCase(name: "empty", shape: [0], scalars: [], expected: "[]"),
    GoldenCase(name: "empty 0x3", shape: [0, 3], scalars: [], expected: "[]"),
    GoldenCase(name: "negative zero", shape: [2], scalars: [-0.0, 1], expected: "[-0.,  1.]"),
    GoldenCase(name: "only negative zero", shape: [1], scalars: [-0.0], expected: "[-0.]"),
    GoldenCase(
      name: "negative zero scientific", shape: [3], scalars: [0, -0.0, 1.5e-5],
      expected: "[ 0.0e+00, -0.0e+00,  1.5e-05]"),
    GoldenCase(
      name: "lineWidth 10", shape: [5], scalars: [1.5, 2.5, 3.5, 4.5, 5.5],
      format: TensorFormat(lineWidth: 10), expected: "[1.5, 2.5,\n 3.5, 4.5,\n 5.5]"),
    GoldenCase(
      name: "lineWidth 1", shape: [2, 2], scalars: [1, 2, 3, 4], format: TensorFormat(lineWidth: 1),
      expected: "[[1.,\n  2.],\n [3.,\n  4.]]"),
    GoldenCase(
      name: "lineWidth 20", shape: [11], scalars: (0...10).map { Double($0) / 10 },
      format: TensorFormat(lineWidth: 20),
      expected: "[0. , 0.1, 0.2, 0.3,\n 0.4, 0.5, 0.6, 0.7,\n 0.8, 0.9, 1. ]"),
    GoldenCase(
      name: "precision 3", shape: [3], scalars: [.pi, 2.718281828459045, 1.0 / 3.0],
      format: TensorFormat(precision: 3), expected: "[3.142, 2.718, 0.333]"),
    GoldenCase(
      name: "exact ties at the cutoff", shape: [3], scalars: [0.125, 0.375, 2.675],
      format: TensorFormat(precision: 2), expected: "[0.12, 0.38, 2.67]"),
    GoldenCase(
      name: "rounding to zero keeps the sign", shape: [6],
      scalars: (0..<6).map { Double($0) * -1e-3 },
      format: TensorFormat(precision: 2), expected: "[-0.  , -0.  , -0.  , -0.  , -0.  , -0.01]"),
    GoldenCase(
      name: "suppressSmall", shape: [3], scalars: [1e-10, 1, 123.456],
      format: TensorFormat(suppressSmall: true), expected: "[  0.   ,   1.   , 123.456]"),
    GoldenCase(
      name: "suppressSmall negative", shape: [2], scalars: [-1e-9, 1],
      format: TensorFormat(suppressSmall: true), expected: "[-0.,  1.]"),
    GoldenCase(
      name: "suppressSmall rounds up", shape: [2], scalars: [5e-9, 1],
      format: TensorFormat(suppressSmall: true), expected: "[0.00000001, 1.        ]"),
    GoldenCase(
      name: "small values go scientific", shape: [3], scalars: [1e-10, 1, 123.456],
      expected: "[1.00000e-10, 1.00000e+00, 1.23456e+02]"),
    GoldenCase(name: "1x3", shape: [1, 3], scalars: [1, 2, 3], expected: "[[1., 2., 3.]]"),
    GoldenCase(name: "single", shape: [1], scalars: [7], expected: "[7.]"),
    GoldenCase(name: "carry", shape: [2], scalars: [9.9999999999, 1], expected: "[10.,  1.]"),
    GoldenCase(
      name: "scientific carry", shape: [2], scalars: [9.9999999999e-5, 1],
      expected: "[1.e-04, 1.e+00]"),
    GoldenCase(
      name: "precision 17 pads with exact digits", shape: [3],
      scalars: [0.5934798586408456, 0.011517683742801163, 1e-5],
      format: TensorFormat(precision: 17),
      expected: "[5.9347985864084563e-01, 1.1517683742801163e-02, 1.0000000000000001e-05]"),
  ]

  @Test(arguments: goldens)
  func matchesNumpy(_ golden: GoldenCase) {
    #expect(golden.tensor.formatted(golden.format) == golden.expected)
  }

  @Test func descriptionUsesDefaults() throws {
    let t = try Tensor(shape: [2, 2], scalars: [1, 2.5, -3, 4])
    #expect(t.description == t.formatted(TensorFormat()))
    #expect("\(t)" == "[[ 1. ,  2.5],\n [-3. ,  4. ]]")
  }

  @Test func millionElementsPrintQuickly() throws {
    let t = try Tensor(shape: [1_000_000], scalars: arange(1_000_000, scale: 0.5))
    // Summarised: only the six elements shown are formatted.
    let text = t.description
    #expect(
      text == """
        [0.000000e+00, 5.000000e-01, 1.000000e+00, ..., 4.999985e+05, 4.999990e+05,
         4.999995e+05]
        """)
  }

  // MARK: shortDescription

  /// A tensor and its expected `shortDescription()`, shown by shape in test output.
  struct ShortCase: Sendable, CustomTestStringConvertible {
    let tensor: Tensor
    let expected: String
    init(_ tensor: Tensor, _ expected: String) {
      self.tensor = tensor
      self.expected = expected
    }
    var testDescription: String { "shape \(tensor.shape) -> \(expected)" }
  }

  static let shortCases: [ShortCase] = [
    ShortCase(Tensor(2.5), "2.5"),
    ShortCase(Tensor([]), "[]"),
    ShortCase(Tensor([1, 2, 3]), "[1., 2., 3.]"),
    ShortCase(try! Tensor(shape: [1, 3], scalars: [1, 2.5, 3]), "[[1. , 2.5, 3. ]]"),
    ShortCase(Tensor([1, 2, .nan, 4, 5, 6, 7, 8]), "[ 1.,  2., nan,  4.,  5.,  6.,  7.,  8.]"),
    ShortCase(Tensor(arange(9, scale: 0.1, offset: 0.1)), "[0.1, 0.2, 0.3, …, 0.7, 0.8, 0.9]"),
    ShortCase(Tensor([.pi, 1, 2, 3, 4, 5, 6, 7, 8, -.pi]), "[3.1416, 1., 2., …, 7., 8., -3.1416]"),
    ShortCase(Tensor(arange(1000)), "[0., 1., 2., …, 997., 998., 999.]"),
    ShortCase(
      Tensor([.nan, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, .infinity]), "[nan, 1., 2., …, 9., 10., inf]"),
    ShortCase(
      Tensor([1, 2, 3, 4, 5, .nan, 7, 8, 9, 10, 11, 12]), "min 1  mean 6.545  max 12  nan 1"),
    ShortCase(
      try! Tensor(shape: [2, 3], scalars: [-1.2, 0, 0.03, 2.1, -.infinity, .nan]),
      "min -1.2  mean 0.2325  max 2.1  nan 1  inf 1"),
    ShortCase(try! Tensor(shape: [2, 2], scalars: [.nan, .nan, .infinity, .nan]), "nan 3  inf 1"),
    ShortCase(
      try! Tensor(shape: [2, 2], scalars: [1.5e308, 1.5e308, 1.5e308, -1e308]),
      "min -1e+308  mean 8.75e+307  max 1.5e+308"),
    ShortCase(
      try! Tensor(shape: [1000, 1000], scalars: arange(1_000_000)), "min 0  mean 5e+05  max 1e+06"),
  ]

  @Test(arguments: shortCases)
  func shortDescription(_ c: ShortCase) {
    #expect(c.tensor.shortDescription() == c.expected)
  }

  @Test func shortDescriptionRespectsWidth() {
    let t = Tensor(arange(9, scale: 0.1, offset: 0.1))
    #expect(t.shortDescription(maxWidth: 33) == "[0.1, 0.2, 0.3, …, 0.7, 0.8, 0.9]")
    #expect(t.shortDescription(maxWidth: 32) == "[0.1, 0.2, …, 0.8, 0.9]")
    #expect(t.shortDescription(maxWidth: 23) == "[0.1, 0.2, …, 0.8, 0.9]")
    #expect(t.shortDescription(maxWidth: 22) == "[0.1, …, 0.9]")
    #expect(t.shortDescription(maxWidth: 13) == "[0.1, …, 0.9]")
    #expect(t.shortDescription(maxWidth: 12) == "min 0.1  mean 0.5  max 0.9")
    #expect(Tensor([1, 2, 3]).shortDescription(maxWidth: 80) == "[1., 2., 3.]")
  }

  // MARK: helpers

  @Test(arguments: [
    (0.03, "0.03"), (-1.2, "-1.2"), (2.1, "2.1"), (499999.5, "5e+05"), (3.0, "3"), (0.0, "0"),
    (1e-5, "1e-05"), (12345.0, "1.234e+04"), (1234.5, "1234"), (0.00012345, "0.0001234"),
  ])
  func generalFormatMatchesPrintfG(_ x: Double, _ expected: String) {
    #expect(formatGeneral(x, significantDigits: 4) == expected)
  }

  @Test func exactDigitsRoundCorrectly() {
    // 0.1 is 0.1000000000000000055511151231257827...
    let d = DecimalDigits(exact: 0.1, significantDigits: 20, exponentHint: 0)
    #expect(d.digits == [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 5, 5])
    #expect(d.pointPosition == 0)
    // 1e23 is 99999999999999991611392.
    let e = DecimalDigits(exact: 1e23, significantDigits: 17, exponentHint: 24)
    #expect(e.digits == [9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 2])
    #expect(e.pointPosition == 23)
  }
}
