import Foundation
import FlowRuntime
import Testing

/// Optimizer updates against PyTorch's formulas computed by hand, and the schedule and
/// clipping helpers.
@Suite struct OptimizerTests {
  /// A single two-element parameter with the given values and gradients per step.
  func run(_ description: OptimizerDescription, start: [Double], gradients: [[Double]], lr: Double) -> [Double] {
    let p = Parameter<Double>(name: "w", shape: [2], value: start)
    let optimizer = Optimizer(description, parameters: [("w", p)])
    for g in gradients {
      p.gradient = g
      optimizer.update(learningRate: lr)
    }
    return p.value
  }

  @Test func adamMatchesTorch() {
    let (b1, b2, eps, lr, wd) = (0.9, 0.999, 1e-8, 0.1, 0.01)
    let g = [[0.5, -1.0], [0.25, 2.0]]
    var w = [1.0, -2.0], m = [0.0, 0.0], v = [0.0, 0.0]
    for t in 1...2 {
      for i in 0..<2 {
        let grad = g[t - 1][i] + wd * w[i]
        m[i] = b1 * m[i] + (1 - b1) * grad
        v[i] = b2 * v[i] + (1 - b2) * grad * grad
        let denom = (v[i] / (1 - pow(b2, Double(t)))).squareRoot() + eps
        w[i] -= lr * (m[i] / (1 - pow(b1, Double(t)))) / denom
      }
    }
    let got = run(.adam(AdamOptions(weightDecay: wd)), start: [1, -2], gradients: g, lr: lr)
    for i in 0..<2 { #expect(isClose(got[i], w[i], relative: 1e-12, absolute: 1e-14), "\(got) vs \(w)") }
    // torch.optim.Adam(lr=0.1, weight_decay=0.01) in float64 on the same gradients.
    #expect(isClose(got[0], 0.8065550410499319, relative: 1e-12) && isClose(got[1], -1.9355044186569044, relative: 1e-12))
    // First Adam step moves every coordinate by about lr, whatever the gradient's size.
    let first = run(.adam(AdamOptions()), start: [0, 0], gradients: [[3, -0.001]], lr: 0.1)
    #expect(isClose(first[0], -0.1, relative: 1e-6) && isClose(first[1], 0.1, relative: 1e-4))
  }

  @Test func adamWDecaysTheParametersDirectly() {
    let (b1, b2, eps, lr, wd) = (0.9, 0.999, 1e-8, 0.05, 0.1)
    let g = [[0.5, -1.0], [0.25, 2.0]]
    var w = [1.0, -2.0], m = [0.0, 0.0], v = [0.0, 0.0]
    for t in 1...2 {
      for i in 0..<2 {
        w[i] *= 1 - lr * wd
        m[i] = b1 * m[i] + (1 - b1) * g[t - 1][i]
        v[i] = b2 * v[i] + (1 - b2) * g[t - 1][i] * g[t - 1][i]
        w[i] -= lr / (1 - pow(b1, Double(t))) * m[i] / ((v[i] / (1 - pow(b2, Double(t)))).squareRoot() + eps)
      }
    }
    let got = run(.adamW(AdamOptions(weightDecay: wd)), start: [1, -2], gradients: g, lr: lr)
    for i in 0..<2 { #expect(isClose(got[i], w[i], relative: 1e-12, absolute: 1e-14), "\(got) vs \(w)") }
    // torch.optim.AdamW(lr=0.05, weight_decay=0.1) in float64.
    #expect(isClose(got[0], 0.8936660202337311, relative: 1e-12) && isClose(got[1], -1.9486051767335373, relative: 1e-12))
  }

  @Test func sgdWithMomentumMatchesTorch() {
    // torch.optim.SGD(lr=0.1, momentum=0.9, weight_decay=0.01), w0 = 1, g1 = 0.5, g2 = 0.25:
    // d1 = 0.51, b1 = 0.51, w1 = 0.949; d2 = 0.25 + 0.00949 = 0.25949,
    // b2 = 0.9·0.51 + 0.25949 = 0.71849, w2 = 0.949 − 0.071849 = 0.877151.
    let got = run(.sgd(SGDOptions(momentum: 0.9, weightDecay: 0.01)), start: [1, 0], gradients: [[0.5, 0], [0.25, 0]], lr: 0.1)
    #expect(isClose(got[0], 0.877151, relative: 1e-12))
    // Nesterov: step = d + μ·b. Step 1: 0.5 + 0.45 = 0.95 → 0.905; step 2: b = 0.45 + 0.25 = 0.7,
    // step = 0.25 + 0.63 = 0.88 → 0.817.
    let nesterov = run(.sgd(SGDOptions(momentum: 0.9, nesterov: true)), start: [1, 0], gradients: [[0.5, 0], [0.25, 0]], lr: 0.1)
    #expect(isClose(nesterov[0], 0.817, relative: 1e-12))
    let plain = run(.sgd(SGDOptions()), start: [1, 0], gradients: [[0.5, 0], [0.25, 0]], lr: 0.1)
    #expect(isClose(plain[0], 0.925, relative: 1e-12))
  }

  @Test func schedules() {
    let warm = LearningRateSchedule(base: 1, warmupSteps: 4, decay: .cosine(totalSteps: 14, floor: 0.1))
    #expect(warm.learningRate(atStep: 0) == 0.25)
    #expect(warm.learningRate(atStep: 3) == 1)
    #expect(isClose(warm.learningRate(atStep: 4), 1))
    #expect(isClose(warm.learningRate(atStep: 9), 0.55))
    #expect(isClose(warm.learningRate(atStep: 14), 0.1))
    #expect(isClose(warm.learningRate(atStep: 1000), 0.1))
    #expect(LearningRateSchedule.constant(0.3).learningRate(atStep: 77) == 0.3)
    #expect(LearningRateSchedule(base: 2, warmupSteps: 2).learningRate(atStep: 0) == 1)
  }

  @Test func clippingByGlobalNorm() {
    let a = Parameter<Double>(name: "a", shape: [2], value: [0, 0])
    let b = Parameter<Double>(name: "b", shape: [1], value: [0])
    a.gradient = [3, 0]
    b.gradient = [4]
    let norm = clipGradientNorm([a, b], maxNorm: 1)
    #expect(norm == 5)
    let scale = 1 / (5 + 1e-6)
    #expect(isClose(a.gradient[0], 3 * scale, relative: 1e-15) && isClose(b.gradient[0], 4 * scale, relative: 1e-15))
    #expect(clipGradientNorm([a, b], maxNorm: 10) < 1.0000001)
    #expect(isClose(a.gradient[0], 3 * scale, relative: 1e-15))
  }
}

/// Float32 gradients whose squares overflow still give a finite norm.
@Suite struct GradientNormOverflowTests {
  @Test func hugeFiniteGradientsAreClippedNotRejected() {
    let p = Parameter<Float>(name: "w", shape: [3], value: [0, 0, 0])
    p.gradient = [3e20, 4e20, 0]
    let norm = clipGradientNorm([p], maxNorm: 1)
    #expect(isClose(norm, 5e20, relative: 1e-6))
    #expect(isClose(Double(p.gradient[0]), 0.6, relative: 1e-5) && isClose(Double(p.gradient[1]), 0.8, relative: 1e-5))
    p.gradient = [.nan, 1, 1]
    #expect(clipGradientNorm([p], maxNorm: 1).isNaN)
  }
}
