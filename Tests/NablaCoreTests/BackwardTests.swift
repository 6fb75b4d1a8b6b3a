import Foundation
import Testing

@testable import NablaCore

/// The reverse sweep itself: accumulation at fan-out, repeatability, the gradient of every
/// node, seeds, and releasing the graph. (The million-node chain is in AnalyticValueTests.)
@Suite struct BackwardTests {
  @Test func fanOutAccumulates() throws {
    // y = x·x + x: dy/dx = 2x + 1.
    let x = Variable.leaf(Tensor([-1.5, 0, 2]))
    let y = try x * x + x
    let grads = try backward(from: y, seed: try .ones([3]))
    #expect(grads[x].value == Tensor([-2, 1, 5]))
    // A node used by many consumers: z = Σ (e + e·e + sin e), e = exp(x).
    let e = Variable.exp(x)
    let z = try Variable.sum(e + e * e + Variable.sin(e))
    let expected = x.value.scalars.map { exp($0) * (1 + 2 * exp($0) + cos(exp($0))) }
    expectApproximatelyEqual(try backward(from: z)[x].value, Tensor(expected))
  }

  @Test func theSameInputTwiceInOneOp() throws {
    let x = Variable.leaf(tensor([2, 2], [1, 2, 3, 4]))
    let grads = try backward(from: Variable.sum(Variable.matmul(x, x)))
    // d Σ(X·X) / dX = 1·Xᵀ + Xᵀ·1.
    let ones = try Tensor.ones([2, 2])
    let expected = try ones.matmul(x.value.transposed()).combined(
      .add, with: x.value.transposed().matmul(ones))
    #expect(grads[x].value == expected)
    let q = Variable.leaf(Tensor([3]))
    #expect(try backward(from: Variable.sum(q / q))[q].value == Tensor([0]))
  }

  @Test func backwardTwiceOnTheSameGraphGivesTheSameGradients() throws {
    let a = Variable.leaf(randn([3, 4], seed: 1))
    let b = Variable.leaf(randn([4], seed: 2))
    let y = try Variable.logsumexp(
      Variable.tanh(Variable.matmul(a, b)) * 3
        + Variable.reduce(.max, a, axes: [-1], keepDims: true))
    let first = try backward(from: y)
    let (ga, gb) = (first[a].value, first[b].value)
    let second = try backward(from: y)
    #expect(second[a].value == ga)
    #expect(second[b].value == gb)
    #expect(a.node!.gradient == ga)
    // Recording the backward pass does not change the numbers.
    let recorded = try backward(from: y, createGraph: true)
    expectApproximatelyEqual(
      recorded[a].value, ga, relativeTolerance: 1e-15, absoluteTolerance: 1e-15)
    expectApproximatelyEqual(
      recorded[b].value, gb, relativeTolerance: 1e-15, absoluteTolerance: 1e-15)
  }

  @Test func backwardFillsTheGradientOfEveryNode() throws {
    let x = Variable.leaf(randn([2, 3], seed: 3), label: "x")
    let w = Variable.leaf(randn([3, 4], seed: 4), label: "w")
    let h = try Variable.apply(.relu, Variable.matmul(x, w))
    let s = try Variable.softmax(h + Variable(Tensor([1, 2, 3, 4])))
    let picked = try Variable.index(s, [.ellipsis, .slice(start: 1, stop: nil, step: 2)])
    let y = try Variable.mean(
      Variable.reshape(Variable.concat([picked, Variable.transpose(x)], axis: 0), [-1]))
    let grads = try backward(from: y)
    #expect(grads.order.count >= 9)
    #expect(grads.order.last === y.node)
    var position: [ObjectIdentifier: Int] = [:]
    for (i, node) in grads.order.enumerated() {
      position[ObjectIdentifier(node)] = i
      #expect(node.requiresGradient)
      #expect(node.gradient?.shape == node.value.shape, "\(node.op.name)")
      #expect(grads[node].value.shape == node.value.shape, "\(node.op.name)")
      #expect(grads[node].value == node.gradient, "\(node.op.name)")
      for input in node.inputs where input.requiresGradient {
        #expect(
          position[ObjectIdentifier(input)] != nil, "an input of \(node.op.name) comes after it")
      }
    }
    #expect(y.node!.gradient == Tensor(1))
    #expect(x.node!.label == "x")
  }

  @Test func gradientsStayValidAfterAnotherBackwardPass() throws {
    let x = Variable.leaf(Tensor([1, 2]))
    let c = Variable.leaf(Tensor([3, 4]))
    let first = try backward(from: Variable.sum(x * x))
    // A second pass over another graph through x puts x at another place in its order.
    let second = try backward(from: Variable.sum(c * x))
    #expect(second[x].value == Tensor([3, 4]))
    #expect(first[x].value == Tensor([2, 4]))
    #expect(first.order.allSatisfy { first[$0].value.shape == $0.value.shape })
  }

  @Test func nodeIDsAreUniqueAcrossThreads() {
    // Tests and sessions build graphs concurrently; each node still gets its own id.
    let perThread = 100_000
    let threads = 4
    let ids = IDCollector(count: threads)
    DispatchQueue.concurrentPerform(iterations: threads) { t in
      var mine: [Int] = []
      mine.reserveCapacity(perThread)
      let value = Tensor(1)
      for _ in 0..<perThread {
        mine.append(Node(op: .leaf, inputs: [], value: value, requiresGradient: true).id)
      }
      ids.store(mine, at: t)
    }
    let all = ids.all
    #expect(all.count == threads * perThread)
    #expect(Set(all).count == all.count)
  }

  @Test func theTopologicalOrderVisitsEachNodeOnce() throws {
    let x = Variable.leaf(Tensor(1.5))
    var y = x
    for _ in 0..<20 { y = try y * x + y }  // every step uses x and y twice over
    let order = topologicalOrder(from: y.node!)
    #expect(Set(order.map { ObjectIdentifier($0) }).count == order.count)
    #expect(order.count == 41)
    #expect(order.first === x.node)
  }

  @Test func aNonScalarOutputNeedsASeed() throws {
    let x = Variable.leaf(Tensor([1, 2, 3]))
    let y = try x * x
    #expect(throws: TensorError.notScalar(op: "backward", [3])) { try backward(from: y) }
    let grads = try backward(from: y, seed: Tensor([1, 0, -1]))
    #expect(grads[x].value == Tensor([2, 0, -6]))
    // One element of any rank is a scalar.
    let one = try Variable.reshape(Variable.sum(y), [1, 1])
    #expect(try backward(from: one)[x].value == Tensor([2, 4, 6]))
  }

  @Test func aSeedOfTheWrongShapeIsAnError() throws {
    let x = Variable.leaf(tensor([2, 2], [1, 2, 3, 4]))
    let y = try x * 2
    #expect(throws: TensorError.self) { try backward(from: y, seed: Tensor([1, 1, 1, 1])) }
    do {
      _ = try backward(from: y, seed: try .ones([4, 1]))
      Issue.record("no error")
    } catch {
      #expect(error.description == "backward: seed gradient has shape (4, 1), output has (2, 2)")
    }
    #expect(throws: TensorError.self) { try backward(from: Variable.sum(y), seed: Tensor([1])) }
  }

  @Test func aSeedScalesTheGradient() throws {
    let x = Variable.leaf(Tensor([1, 2]))
    let y = try Variable.sum(x * x)
    #expect(try backward(from: y, seed: Tensor(-3))[x].value == Tensor([-6, -12]))
  }

  @Test func emptyTensorsFlowThroughBackward() throws {
    let x = Variable.leaf(try .zeros([0, 3]))
    let w = Variable.leaf(randn([3, 2], seed: 5))
    let y = try Variable.sum(Variable.exp(Variable.matmul(x, w)), axes: [0])
    #expect(y.value == (try Tensor.zeros([2])))
    let grads = try backward(from: y, seed: Tensor([1, 1]))
    #expect(grads[x].value.shape == [0, 3])
    #expect(grads[w].value == (try Tensor.zeros([3, 2])))
    let k = Variable.leaf(try .zeros([2, 0]))
    let z = try Variable.sum(Variable.matmul(Variable(randn([3, 2], seed: 6)), k) + 1)
    #expect(try backward(from: z)[k].value.shape == [2, 0])
  }

  @Test func anOutputThatIsALeafHasTheSeedAsGradient() throws {
    let x = Variable.leaf(Tensor([1, 2]))
    #expect(try backward(from: x, seed: Tensor([3, 4]))[x].value == Tensor([3, 4]))
    let j = try jacobian(at: Tensor([1, 2, 3])) { $0 }
    #expect(j == (try Tensor.eye(3)))
  }

  @Test func backwardFromAConstantGivesZeros() throws {
    let c = Variable(Tensor([1, 2]))
    let y = try Variable.sum(c * c)
    let grads = try backward(from: y)
    #expect(grads.order.isEmpty)
    #expect(grads[c].value == Tensor([0, 0]))
  }

  @Test func theGraphIsReleasedWithItsLastReference() throws {
    weak var leaf: Node?
    weak var output: Node?
    do {
      let x = Variable.leaf(Tensor([1, 2]))
      var y = x
      for _ in 0..<1_000 { y = try Variable.sin(y) * x }
      leaf = x.node
      output = y.node
      let grads = try backward(from: Variable.sum(y), createGraph: true)
      #expect(grads[x].requiresGradient)
      #expect(leaf != nil && output != nil)
    }
    #expect(leaf == nil)
    #expect(output == nil)
  }
}

/// Collects each thread's ids under a lock.
private final class IDCollector: @unchecked Sendable {
  private let lock = NSLock()
  private var slots: [[Int]]
  init(count: Int) { slots = Array(repeating: [], count: count) }
  func store(_ ids: [Int], at slot: Int) { lock.withLock { slots[slot] = ids } }
  var all: [Int] { lock.withLock { slots.flatMap { $0 } } }
}
