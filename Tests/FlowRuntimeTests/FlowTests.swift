import FlowRandom
import FlowRuntime
import Testing

/// Whole flows: the seed's size, names, training on a toy dataset, non-finite reporting.
@Suite struct FlowTests {
  @Test func seedFlowHasTheNotebooksParameterCount() {
    guard case .float32(let flow) = buildFlow(seedRealNVP()) else {
      Issue.record("expected a float32 flow")
      return
    }
    #expect(flow.parameterCount == 804_888)
    let names = flow.namedParameters.map(\.name)
    #expect(names.first == "layers.0.scale_net.0.weight")
    #expect(names.contains("layers.5.shift_net.4.bias"))
    #expect(flow.namedParameters.first { $0.name == "layers.3.scale_net.2.weight" }?.parameter.shape == [256, 256])
  }

  /// Golden values: the seed flow built in Float64 from seed 42, its named tensors loaded
  /// into the notebook's PyTorch RealNVP (`s[i]` ← `layers.i.scale_net`, `t[i]` ←
  /// `layers.i.shift_net`), log_prob computed by PyTorch 2 in float64. This pins both the
  /// PyTorch semantics (masked conditioner, nn.Linear layout, names) and reproducible init.
  @Test func seedFlowMatchesPyTorch() {
    let flow = buildFlow(seedRealNVP(dtype: .float64, seed: 42), as: Double.self)
    let x = Matrix<Double>([
      [-1.26353413109432, 0.4036991138687127], [0.2473224471972839, 0.42183421437326984],
      [-1.0441896311393022, -0.00020121596462412383],
    ])
    let expected = [-2.870818757835339, -1.8148807987318827, -2.3116367792140933]
    let got = flow.logProb(x)
    for r in 0..<3 { #expect(isClose(got[r], expected[r], relative: 1e-12), "row \(r): \(got[r]) vs PyTorch \(expected[r])") }
  }

  @Test func namesFollowPyTorchConventions() {
    let d = 3
    let description = FlowDescription(
      dimension: d, dtype: .float64, prior: .diagonalNormal,
      layers: [
        ActNormDescription(), BatchNormDescription(momentum: 0.1, epsilon: 1e-5), LULinearDescription(seed: 1),
        AffineCouplingDescription(
          keep: [true, false, true], io: .split,
          nets: .shared(MLPDescription(inputs: 2, hidden: [4], outputs: 2, activation: .relu))),
      ], seed: 3)
    guard case .float64(let flow) = buildFlow(description) else {
      Issue.record("expected a float64 flow")
      return
    }
    let names = Set(flow.namedTensors().map(\.name))
    for expected in [
      "layers.0.bias", "layers.0.log_scale", "layers.0.initialized", "layers.1.running_mean",
      "layers.1.running_var", "layers.1.log_gamma", "layers.2.permutation", "layers.2.sign",
      "layers.3.net.0.weight", "layers.3.net.2.bias", "prior.loc", "prior.log_scale",
    ] {
      #expect(names.contains(expected), "missing \(expected)")
    }
    let initialized = flow.namedTensors().first { $0.name == "layers.0.initialized" }
    #expect(initialized?.shape == [] && initialized?.role == .buffer)
  }

  /// A 2-D mixture of four Gaussians, drawn with the seeded generator.
  static func mixture(_ n: Int, rng: inout Xoshiro256) -> Matrix<Float> {
    let centres: [(Double, Double)] = [(-2, -2), (-2, 2), (2, -2), (2, 2)]
    var m = Matrix<Float>(rows: n, cols: 2)
    for r in 0..<n {
      let c = centres[rng.nextInt(below: 4)]
      m[r, 0] = Float(c.0 + 0.4 * rng.nextNormal())
      m[r, 1] = Float(c.1 + 0.4 * rng.nextNormal())
    }
    return m
  }

  @Test func trainingOnAGaussianMixtureLowersTheLoss() {
    let leaky = Activation.leakyReLU(slope: 0.01)
    let layers: [any LayerDescription] = [ActNormDescription()] + (0..<4).map { i -> any LayerDescription in
      AffineCouplingDescription(
        keep: i % 2 == 0 ? [true, false] : [false, true], io: .split,
        nets: .separate(
          scale: MLPDescription(inputs: 1, hidden: [32, 32], outputs: 1, activation: leaky, outputActivation: .tanh),
          shift: MLPDescription(inputs: 1, hidden: [32, 32], outputs: 1, activation: leaky, zeroInitLast: true)),
        clamp: 3)
    }
    let flow = buildFlow(FlowDescription(dimension: 2, prior: .standardNormal, layers: layers, seed: 1), as: Float.self)
    let trainer = TrainingStep(
      flow: flow, optimizer: .adam(AdamOptions()),
      schedule: LearningRateSchedule(base: 3e-3, warmupSteps: 10, decay: .cosine(totalSteps: 300, floor: 3e-4)),
      clipNorm: 10)
    var data = Xoshiro256(seed: 2, stream: "data")
    let heldOut = Self.mixture(500, rng: &data)
    flow.isTraining = false
    let before = -flow.logProb(heldOut).map(Double.init).reduce(0, +) / 500
    var losses: [Double] = []
    for _ in 0..<300 {
      let report = trainer.step(Self.mixture(64, rng: &data))
      #expect(report.applied && report.nonFinite == nil)
      losses.append(report.loss)
    }
    flow.isTraining = false
    let after = -flow.logProb(heldOut).map(Double.init).reduce(0, +) / 500
    let early = losses.prefix(20).reduce(0, +) / 20, late = losses.suffix(20).reduce(0, +) / 20
    #expect(late < early - 0.5, "training loss \(early) → \(late)")
    #expect(after < before - 0.5, "held-out NLL \(before) → \(after)")
    // Samples land in data space with finite values.
    var rng = Xoshiro256(seed: 3, stream: "sample")
    #expect(flow.sample(count: 100, temperature: 0.7, rng: &rng).isFinite)
  }

  @Test func nonFiniteLossNamesTheFirstBadLayer() {
    let flow = buildFlow(
      FlowDescription(dimension: 2, dtype: .float64, prior: .standardNormal, layers: [DiagonalScalingDescription(initialLogScale: 0), ElementwiseDescription(.logit), DiagonalScalingDescription(initialLogScale: 0)], seed: 0),
      as: Double.self)
    // Inputs outside (0, 1) make the logit layer (index 1) produce NaN.
    let report = flow.lossAndGradients(Matrix([[0.5, 0.5], [1.5, 0.2]]))
    #expect(!report.loss.isFinite)
    #expect(report.nonFinite == .layer(1))
    let trainer = TrainingStep(flow: flow, optimizer: .sgd(SGDOptions()), schedule: .constant(0.1))
    let before = flow.namedTensors()
    let step = trainer.step(Matrix([[0.5, 0.5], [1.5, 0.2]]))
    #expect(!step.applied && step.nonFinite == .layer(1))
    #expect(flow.namedTensors() == before)
  }
}
