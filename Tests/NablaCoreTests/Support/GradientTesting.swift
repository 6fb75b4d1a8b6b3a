/// The one test helper of NablaCoreTests: seeded inputs, approximate comparison, and the
/// numerical gradient (and Hessian-vector product) of a function of `Variable`s, checked
/// against what `backward` computes.
///
///     try expectGradientsMatchNumerical(at: [randn([3, 1], seed: 1), randn([4], seed: 2)]) {
///       try $0[0] * $0[1]
///     }
///
/// A non-scalar output y is reduced to L = Σ w ⊙ y with fixed random weights w (the seed of
/// the backward pass), so every output element contributes with its own weight and a
/// gradient that is right only up to a permutation of the output still fails.

import Testing

@testable import NablaCore

// MARK: Seeded inputs

/// Standard normal numbers of `shape` (times `scale`); the same seed gives the same numbers.
func randn(_ shape: [Int], seed: UInt64, scale: Double = 1) -> Tensor {
  try! Tensor.randn(shape, std: scale, seed: seed)
}

/// Uniform numbers of `shape` in [low, high); the same seed gives the same numbers.
func rand(_ shape: [Int], seed: UInt64, low: Double = 0, high: Double = 1) -> Tensor {
  try! Tensor.rand(shape, low: low, high: high, seed: seed)
}

/// Normal numbers pushed at least `margin` away from 0, for functions with a kink there
/// (relu, abs), so a finite difference never straddles the kink.
func randnAwayFromZero(_ shape: [Int], seed: UInt64, margin: Double = 0.3) -> Tensor {
  let t = randn(shape, seed: seed)
  return tensor(shape, t.scalars.map { $0 + ($0 < 0 ? -margin : margin) })
}

/// `0.5·k` for k = 0 ..< count in a seeded random order: distinct values 0.5 apart, for max,
/// min, maximum and minimum away from ties.
func distinct(_ shape: [Int], seed: UInt64, offset: Double = 0) -> Tensor {
  var rng = SeededGenerator(seed: seed)
  let values = (0..<shapeCount(shape)).map { 0.5 * Double($0) + offset }.shuffled(using: &rng)
  return tensor(shape, values)
}

/// A tensor from a shape and its row-major elements (a count mismatch is a bug in the test).
func tensor(_ shape: [Int], _ scalars: [Double]) -> Tensor {
  try! Tensor(shape: shape, scalars: scalars)
}

// MARK: Approximate comparison

/// Expects `actual` to have `expected`'s shape and each element to be within
/// `absoluteTolerance` or `relativeTolerance`·max(|a|, |e|) of it (NaN matches NaN).
func expectApproximatelyEqual(
  _ actual: Tensor, _ expected: Tensor, relativeTolerance: Double = 1e-12,
  absoluteTolerance: Double = 1e-12, _ comment: String = "",
  sourceLocation: SourceLocation = #_sourceLocation
) {
  let ok = actual.isApproximatelyEqual(
    to: expected, relativeTolerance: relativeTolerance, absoluteTolerance: absoluteTolerance)
  #expect(
    ok,
    "\(comment)\(comment.isEmpty ? "" : ": ")got \(formatShape(actual.shape)) \(actual.scalars), expected \(formatShape(expected.shape)) \(expected.scalars)",
    sourceLocation: sourceLocation)
}

/// Expects two numbers to agree within the tolerances (NaN matches NaN).
func expectApproximatelyEqual(
  _ actual: Double, _ expected: Double, relativeTolerance: Double = 1e-12,
  absoluteTolerance: Double = 1e-12, _ comment: String = "",
  sourceLocation: SourceLocation = #_sourceLocation
) {
  expectApproximatelyEqual(
    Tensor(actual), Tensor(expected), relativeTolerance: relativeTolerance,
    absoluteTolerance: absoluteTolerance, comment, sourceLocation: sourceLocation)
}

// MARK: Numerical derivatives of Variable functions

/// A differentiable function of several tensors, as the tests write them.
typealias VariableFunction = ([Variable]) throws -> Variable

/// The fixed weights w of L = Σ w ⊙ f(x) for an output of `shape`.
func outputWeights(_ shape: [Int]) -> Tensor { randn(shape, seed: 0xC0FFEE) }

/// Σ w ⊙ f(x) evaluated on constants (nothing is recorded).
private func weightedValue(
  of f: VariableFunction, at inputs: [Tensor], weights: Tensor
) throws -> Double {
  let y = try f(inputs.map { Variable($0) }).value
  precondition(y.shape == weights.shape, "the function's output shape changed")
  var s = 0.0
  for (a, b) in zip(y.scalars, weights.scalars) { s += a * b }
  return s
}

/// The numerical gradient of L = Σ w ⊙ f(x) with respect to input `argument`, every other
/// input held fixed.
func numericalGradient(
  of f: VariableFunction, at inputs: [Tensor], argument: Int, weights: Tensor,
  method: DifferenceMethod = .richardson, step: Double? = nil
) throws -> NumericalGradient {
  try NumericalDifferentiation.gradient(
    of: { t in
      var shifted = inputs
      shifted[argument] = t
      return try weightedValue(of: f, at: shifted, weights: weights)
    }, at: inputs[argument], method: method, step: step)
}

/// The gradients backward computes for L = Σ w ⊙ f(x), one per input.
func analyticGradients(
  of f: VariableFunction, at inputs: [Tensor], weights: Tensor? = nil
) throws -> [Tensor] {
  let leaves = inputs.map { Variable.leaf($0) }
  let y = try f(leaves)
  let grads = try backward(from: y, seed: weights ?? outputWeights(y.shape))
  return leaves.map { grads[$0].value }
}

/// Expects backward's gradient of every input to match the numerical one: |a − n| ≤ atol + rtol·|n|, with a numerical error estimate small enough
/// that the comparison means something.
func expectGradientsMatchNumerical(
  at inputs: [Tensor], method: DifferenceMethod = .richardson,
  step: Double? = nil, absoluteTolerance: Double = 1e-8, relativeTolerance: Double = 1e-7,
  _ comment: String = "", sourceLocation: SourceLocation = #_sourceLocation,
  of f: VariableFunction
) throws {
  let leaves = inputs.map { Variable.leaf($0) }
  let y = try f(leaves)
  let weights = outputWeights(y.shape)
  let grads = try backward(from: y, seed: weights)
  for i in inputs.indices {
    let analytic = grads[leaves[i]].value
    #expect(
      analytic.shape == inputs[i].shape, "\(comment) gradient \(i) has the wrong shape",
      sourceLocation: sourceLocation)
    guard analytic.shape == inputs[i].shape else { continue }
    let numerical = try numericalGradient(
      of: f, at: inputs, argument: i, weights: weights, method: method, step: step)
    let result = NumericalDifferentiation.checkGradient(
      analytic: analytic, numerical: numerical, absoluteTolerance: absoluteTolerance,
      relativeTolerance: relativeTolerance)
    #expect(result.passed, "\(comment) input \(i): \(result)", sourceLocation: sourceLocation)
    let worstEstimate =
      zip(numerical.errorEstimate.scalars, numerical.gradient.scalars)
      .map { $0 / Swift.max(1, Swift.abs($1)) }.max() ?? 0
    #expect(
      worstEstimate <= 1e-5, "\(comment) input \(i): numerical error estimate \(worstEstimate)",
      sourceLocation: sourceLocation)
  }
}

/// Expects the Hessian-vector products backward computes with `createGraph` (of
/// L = Σ w ⊙ f(x), along random directions vᵢ for every input at once) to match the
/// derivative of backward's own gradient along v by central differences.
func expectHessianVectorProductsMatchNumerical(
  at inputs: [Tensor], absoluteTolerance: Double = 1e-6, relativeTolerance: Double = 1e-6,
  _ comment: String = "", sourceLocation: SourceLocation = #_sourceLocation,
  of f: VariableFunction
) throws {
  let directions = inputs.enumerated().map { randn($1.shape, seed: 500 + UInt64($0)) }
  let leaves = inputs.map { Variable.leaf($0) }
  let y = try f(leaves)
  let weights = outputWeights(y.shape)
  let grads = try backward(from: y, seed: weights, createGraph: true)
  var inner = Variable(Tensor(0))
  for (leaf, v) in zip(leaves, directions) {
    inner = try inner + Variable.sum(grads[leaf] * Variable(v))
  }
  let second = try backward(from: inner)
  let analytic = leaves.flatMap { second[$0].value.scalars }

  // d/dt ∇L(x + t·v) at t = 0 is H·v.
  let numerical = try NumericalDifferentiation.jacobian(
    of: { t in
      let shifted = zip(inputs, directions).map { x, v in
        try! x.combined(.add, with: v.combined(.multiply, with: t))
      }
      return Tensor(try analyticGradients(of: f, at: shifted, weights: weights).flatMap(\.scalars))
    }, at: Tensor(0))
  expectApproximatelyEqual(
    Tensor(analytic), numerical, relativeTolerance: relativeTolerance,
    absoluteTolerance: absoluteTolerance, "\(comment) H·v", sourceLocation: sourceLocation)
}
