import FlowRuntime
import Testing

/// FlowKernels' C loops (through `FlowScalar`) against the Swift expressions they replaced,
/// bit for bit: whichever clone the CPU running the tests binds (x86-64-v3 here, baseline
/// elsewhere), a run's losses must not move by an ulp, and lengths that are not a multiple
/// of the vector width must take the tail path correctly.
@Suite struct FlowKernelsTests {
  /// Values spread over several orders of magnitude and both signs, from a fixed LCG.
  func values<T: FlowScalar>(_ n: Int, seed: UInt64, as: T.Type = T.self) -> [T] {
    var s = seed
    return (0..<n).map { _ in
      s = s &* 6364136223846793005 &+ 1442695040888963407
      let u = Double(s >> 11) / Double(1 << 53)
      return T((u - 0.5) * 4 * Double.pow(10, Double(Int(s % 5)) - 2))
    }
  }

  /// The Swift loop `Optimizer.adamStep` ran before it called the kernel.
  func referenceAdam<T: FlowScalar>(_ p: inout [T], _ g: [T], _ m: inout [T], _ v: inout [T],
                                    b1: T, b2: T, stepSize: T, correction2: T, eps: T, shrink: T, l2: T) {
    for i in p.indices {
      let w = p[i] * shrink
      let gi = g[i] + l2 * w
      let mi = b1 * m[i] + (1 - b1) * gi
      let vi = b2 * v[i] + (1 - b2) * gi * gi
      m[i] = mi
      v[i] = vi
      p[i] = w - stepSize * mi / (vi.squareRoot() / correction2 + eps)
    }
  }

  func checkAdam<T: FlowScalar>(_: T.Type, count n: Int, shrink: T, l2: T) {
    var p: [T] = values(n, seed: 1), m: [T] = values(n, seed: 3), v: [T] = values(n, seed: 4).map { $0 * $0 }
    let g: [T] = values(n, seed: 2)
    var (p2, m2, v2) = (p, m, v)
    let (b1, b2, step, c2, eps) = (T(0.9), T(0.999), T(1e-3 / (1 - 0.9 * 0.9)), T((1 - 0.999 * 0.999).squareRoot()), T(1e-8))
    referenceAdam(&p, g, &m, &v, b1: b1, b2: b2, stepSize: step, correction2: c2, eps: eps, shrink: shrink, l2: l2)
    p2.withUnsafeMutableBufferPointer { pp in
      m2.withUnsafeMutableBufferPointer { mp in
        v2.withUnsafeMutableBufferPointer { vp in
          g.withUnsafeBufferPointer { gp in
            T.adamUpdate(pp.baseAddress!, gradient: gp.baseAddress!, firstMoment: mp.baseAddress!, secondMoment: vp.baseAddress!,
                         count: n, beta1: b1, beta2: b2, stepSize: step, correction2: c2, epsilon: eps, shrink: shrink, l2: l2)
          }
        }
      }
    }
    #expect(p2 == p, "parameters, n = \(n)")
    #expect(m2 == m, "first moments, n = \(n)")
    #expect(v2 == v, "second moments, n = \(n)")
  }

  @Test(arguments: [1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 1000, 1031])
  func adamIsTheSwiftLoopBitForBit(count: Int) {
    checkAdam(Float.self, count: count, shrink: 1, l2: 0)
    checkAdam(Float.self, count: count, shrink: 1, l2: 0.01)        // Adam's L2 term
    checkAdam(Float.self, count: count, shrink: 1 - 1e-5, l2: 0)   // AdamW's decoupled shrink
    checkAdam(Double.self, count: count, shrink: 1, l2: 0.01)
    checkAdam(Double.self, count: count, shrink: 1 - 1e-5, l2: 0)
  }

  /// Eight partial sums, value i into sum i mod 8, the tail into sum 0, added pairwise.
  func referenceSumOfSquares<T: FlowScalar>(_ x: [T]) -> T {
    var s = [T](repeating: 0, count: 8)
    let blocks = x.count / 8
    for i in 0..<(blocks * 8) { s[i % 8] += x[i] * x[i] }
    for i in (blocks * 8)..<x.count { s[0] += x[i] * x[i] }
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))
  }

  @Test(arguments: [1, 2, 7, 8, 9, 16, 23, 64, 1000, 4099])
  func sumOfSquaresIsEightPartialSumsBitForBit(count: Int) {
    let f: [Float] = values(count, seed: 7)
    let d: [Double] = values(count, seed: 8)
    #expect(f.withUnsafeBufferPointer { Float.sumOfSquares($0.baseAddress!, count: count) } == referenceSumOfSquares(f))
    #expect(d.withUnsafeBufferPointer { Double.sumOfSquares($0.baseAddress!, count: count) } == referenceSumOfSquares(d))
  }

  @Test func scaleMultipliesEveryValueOnce() {
    var x: [Float] = values(37, seed: 9)
    let expected = x.map { $0 * 0.25 }
    x.withUnsafeMutableBufferPointer { Float.scale($0.baseAddress!, count: 37, by: 0.25) }
    #expect(x == expected)
  }

  /// The norm over several tensors of odd sizes is the square root of the Double sum of
  /// the per-tensor sums, and clipping scales every gradient by the same factor.
  @Test func gradientNormAndClippingUseTheKernels() {
    let a = Parameter<Float>(name: "a", shape: [3, 5], value: values(15, seed: 10))
    let b = Parameter<Float>(name: "b", shape: [11], value: values(11, seed: 11))
    a.gradient = values(15, seed: 12)
    b.gradient = values(11, seed: 13)
    let empty = Parameter<Float>(name: "e", shape: [0], value: [])  // no storage to point at: skipped
    let expected = (Double(referenceSumOfSquares(a.gradient)) + Double(referenceSumOfSquares(b.gradient))).squareRoot()
    #expect(gradientNorm([a, empty, b]) == expected)
    let adam = Optimizer<Float>(.adam(AdamOptions()), parameters: [("e", empty)])
    adam.update(learningRate: 1e-3)
    #expect(adam.step == 1 && empty.value.isEmpty)
    let (ga, gb) = (a.gradient, b.gradient)
    let norm = clipGradientNorm([a, b], maxNorm: expected / 4)
    #expect(norm == expected)
    let c = Float((expected / 4) / (expected + 1e-6))
    #expect(a.gradient == ga.map { $0 * c } && b.gradient == gb.map { $0 * c })
  }
}
