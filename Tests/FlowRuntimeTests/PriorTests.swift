import Foundation
import FlowRandom
import FlowRuntime
import Testing

/// The prior's log-density, its gradients against central differences, and sampling
/// with a temperature.
@Suite struct PriorTests {
  static func priors() -> [(String, any Prior<Double>)] {
    let diagonal = DiagonalNormal<Double>(dimension: 3)
    diagonal.loc.value = [0.5, -1, 0.2]
    diagonal.logScale.value = [0.3, -0.4, 0.1]
    return [("standard normal", StandardNormal<Double>(dimension: 3)), ("diagonal normal", diagonal), ("standard logistic", StandardLogistic<Double>(dimension: 3))]
  }

  @Test(arguments: [0, 1, 2])
  func gradientsMatchFiniteDifferences(_ index: Int) {
    let (name, prior) = Self.priors()[index]
    var rng = Xoshiro256(seed: 77, stream: name)
    let z = randomMatrix(rows: 4, cols: 3, in: -2...2, rng: &rng)
    let weights = normals(4, rng: &rng)
    for p in prior.parameters { p.zeroGradient() }
    let dz = prior.backward(z, dLogProb: weights)
    func objective(_ m: Matrix<Double>) -> Double { zip(prior.logProb(m), weights).map { $0 * $1 }.reduce(0, +) }
    var probe = z
    for k in z.storage.indices {
      let numeric = centralDifference(at: z.storage[k], step: 1e-5, set: { probe.storage[k] = $0 }) { objective(probe) }
      #expect(isClose(dz.storage[k], numeric), "\(name) dz[\(k)]: \(dz.storage[k]) vs \(numeric)")
    }
    for p in prior.parameters {
      for k in p.value.indices {
        let numeric = centralDifference(at: p.value[k], step: 1e-5, set: { p.value[k] = $0 }) { objective(z) }
        #expect(isClose(p.gradient[k], numeric), "\(name) d\(p.name)[\(k)]: \(p.gradient[k]) vs \(numeric)")
      }
    }
  }

  @Test func knownDensities() {
    let zero = Matrix<Double>(rows: 1, cols: 2)
    #expect(isClose(StandardNormal<Double>(dimension: 2).logProb(zero)[0], -log(2 * Double.pi), absolute: 1e-12))
    // The logistic density at 0 is 1/4 per feature.
    #expect(isClose(StandardLogistic<Double>(dimension: 2).logProb(zero)[0], 2 * log(0.25), absolute: 1e-12))
    let diagonal = DiagonalNormal<Double>(dimension: 1)
    diagonal.loc.value = [1]
    diagonal.logScale.value = [log(2.0)]
    let at = Matrix<Double>([[3]])
    // N(3; 1, 2²): −½·1 − log 2 − log √(2π).
    #expect(isClose(diagonal.logProb(at)[0], -0.5 - log(2.0) - 0.5 * log(2 * Double.pi), absolute: 1e-12))
  }

  @Test(arguments: [0, 1, 2])
  func temperatureScalesTheSpread(_ index: Int) {
    let (name, prior) = Self.priors()[index]
    var hot = Xoshiro256(seed: 5, stream: name), cold = hot
    let a = prior.sample(count: 4000, temperature: 1, rng: &hot)
    let b = prior.sample(count: 4000, temperature: 0.5, rng: &cold)
    // Same draws, so the deviations from the mean shrink exactly by T.
    let loc = (prior as? DiagonalNormal<Double>)?.loc.value ?? [0, 0, 0]
    for k in a.storage.indices {
      let i = k % 3
      #expect(isClose(b.storage[k] - loc[i], 0.5 * (a.storage[k] - loc[i]), absolute: 1e-12))
    }
    // And the T = 1 sample has the distribution's variance (normal 1·σ², logistic π²/3).
    let expected: [Double] =
      prior is StandardLogistic<Double> ? [3.29, 3.29, 3.29]
      : (prior as? DiagonalNormal<Double>).map { $0.logScale.value.map { exp(2 * $0) } } ?? [1, 1, 1]
    for i in 0..<3 {
      let col = (0..<a.rows).map { a[$0, i] - loc[i] }
      let variance = col.map { $0 * $0 }.reduce(0, +) / Double(col.count)
      #expect(abs(variance / expected[i] - 1) < 0.1, "\(name) feature \(i): variance \(variance), expected \(expected[i])")
    }
  }
}
