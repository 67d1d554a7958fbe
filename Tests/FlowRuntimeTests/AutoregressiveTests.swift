import FlowRandom
import FlowRuntime
import Testing

/// What makes the autoregressive layers autoregressive, checked numerically: the MADE's
/// masks follow the degrees, the Jacobian of MAF's and IAF's forward is triangular in
/// the order, masked weights never move in training, and a checkpoint must hold the
/// masks and order its description builds.
@Suite struct AutoregressiveTests {
  static let orders: [[Int]] = [[0, 1, 2, 3, 4], [4, 3, 2, 1, 0], [2, 4, 0, 3, 1]]

  static func layout(_ order: [Int], hidden: [Int] = [12, 12]) -> AutoregressiveLayout {
    AutoregressiveLayout(order: order, net: MLPDescription(inputs: order.count, hidden: hidden, outputs: 2 * order.count, activation: .tanh),
                         transform: .affine(scaleFunction: .exp, clamp: 2))
  }

  static func make(_ order: [Int], inverse: Bool, seed: UInt64 = 3) -> any Bijector<Double> {
    var rng = Xoshiro256(seed: seed)
    return inverse ? InverseAutoregressive<Double>(InverseAutoregressiveDescription(layout(order)), rng: &rng)
      : MaskedAutoregressive<Double>(MaskedAutoregressiveDescription(layout(order)), rng: &rng)
  }

  @Test func degreesAndMasks() {
    #expect(MADEDegrees.input(order: [2, 0, 1]) == [2, 3, 1])
    #expect(MADEDegrees.hidden(width: 5, dimension: 3) == [1, 2, 1, 2, 1])
    #expect(MADEDegrees.hidden(width: 3, dimension: 1) == [0, 0, 0])
    #expect(MADEDegrees.output(inputDegrees: [2, 3, 1], parametersPerDimension: 2) == [2, 2, 3, 3, 1, 1])
    // Hidden: degree above ≥ below; output: strictly greater.
    #expect(MADEDegrees.mask(below: [1, 2, 3], above: [1, 2], strict: false, as: Double.self) == [1, 0, 0, 1, 1, 0])
    #expect(MADEDegrees.mask(below: [1, 2], above: [1, 2, 3], strict: true, as: Double.self) == [0, 0, 1, 0, 1, 1])
  }

  /// J[i][j] = ∂y_i/∂x_j is exactly 0 unless j comes before i in the order (or j = i),
  /// and not 0 when it does: the autoregressive property, for both kinds and every order.
  @Test(arguments: [false, true], orders)
  func jacobianIsTriangularInTheOrder(inverse: Bool, order: [Int]) {
    let layer = Self.make(order, inverse: inverse)
    let d = order.count
    var position = [Int](repeating: 0, count: d)
    for (k, i) in order.enumerated() { position[i] = k }
    var rng = Xoshiro256(seed: 5)
    let x = randomMatrix(rows: 1, cols: d, in: -1.5...1.5, rng: &rng)
    let h = 1e-5
    for j in 0..<d {
      var up = x, down = x
      up[0, j] += h
      down[0, j] -= h
      let yUp = layer.forward(up).y, yDown = layer.forward(down).y
      for i in 0..<d {
        let derivative = (yUp[0, i] - yDown[0, i]) / (2 * h)
        if i == j {
          #expect(abs(derivative) > 1e-6, "∂y\(i)/∂x\(i) = \(derivative)")
        } else if position[j] > position[i] {
          #expect(yUp[0, i] == yDown[0, i], "y\(i) depends on x\(j), which comes after it in the order \(order)")
        } else {
          #expect(abs(derivative) > 1e-9, "y\(i) does not depend on x\(j), which comes before it in the order \(order)")
        }
      }
    }
  }

  /// The IAF's forward and the MAF's inverse solve the same triangular system: built with
  /// the same weights, one is the other's inverse.
  @Test(arguments: orders)
  func iafIsTheInverseOfMAF(order: [Int]) {
    let maf = Self.make(order, inverse: false, seed: 9)
    let iaf = Self.make(order, inverse: true, seed: 9)
    var rng = Xoshiro256(seed: 6)
    let x = randomMatrix(rows: 4, cols: order.count, in: -2...2, rng: &rng)
    let (y, ld) = maf.forward(x)
    let (back, inverseLD) = iaf.forward(y)
    for k in x.storage.indices { #expect(abs(back.storage[k] - x.storage[k]) < 1e-12) }
    for r in 0..<4 { #expect(abs(inverseLD[r] + ld[r]) < 1e-12) }
  }

  /// Masked weights start at 0, get zero gradients, and so stay 0 through training.
  @Test func maskedWeightsStayZero() {
    let flow = buildFlow(
      FlowDescription(dimension: 5, dtype: .float64, prior: .standardNormal,
                      layers: [MaskedAutoregressiveDescription(Self.layout([2, 4, 0, 3, 1])),
                               InverseAutoregressiveDescription(Self.layout([0, 1, 2, 3, 4]))], seed: 1),
      as: Double.self)
    let step = TrainingStep(flow: flow, optimizer: .adamW(AdamOptions(weightDecay: 0.1)), schedule: .constant(1e-2))
    var rng = Xoshiro256(seed: 2)
    for _ in 0..<5 { _ = step.step(randomMatrix(rows: 32, cols: 5, in: -2...2, rng: &rng)) }
    let tensors = Dictionary(uniqueKeysWithValues: flow.namedTensors().map { ($0.name, $0.values) })
    for layer in 0..<2 {
      for l in [0, 2, 4] {
        let w = tensors["layers.\(layer).net.\(l).weight"]!, m = tensors["layers.\(layer).net.\(l).mask"]!
        #expect(zip(w, m).allSatisfy { $1 == 1 || $0 == 0 }, "layers.\(layer).net.\(l): a masked weight moved")
        #expect(zip(w, m).contains { $1 == 1 && $0 != 0 })
      }
    }
    #expect(tensors["layers.0.order"] == [2, 4, 0, 3, 1])
  }

  /// MAF (trained through its one-pass forward) and IAF (through the D-pass forward and
  /// the implicit backward) both learn a Gaussian mixture in Float32, and sample finitely.
  @Test(arguments: [false, true])
  func trainingOnAGaussianMixtureLowersTheLoss(inverse: Bool) {
    let layers: [any LayerDescription] = (0..<4).map { i in
      let layout = AutoregressiveLayout(
        order: i % 2 == 0 ? [0, 1] : [1, 0],
        net: MLPDescription(inputs: 2, hidden: [32, 32], outputs: 4, activation: .relu, zeroInitLast: true),
        transform: .affine(scaleFunction: .exp, clamp: 3))
      return inverse ? InverseAutoregressiveDescription(layout) : MaskedAutoregressiveDescription(layout)
    }
    let flow = buildFlow(FlowDescription(dimension: 2, prior: .standardNormal, layers: layers, seed: 1), as: Float.self)
    let trainer = TrainingStep(flow: flow, optimizer: .adam(AdamOptions()),
                               schedule: LearningRateSchedule(base: 3e-3, warmupSteps: 10, decay: .cosine(totalSteps: 300, floor: 3e-4)))
    var data = Xoshiro256(seed: 2, stream: "data")
    let heldOut = FlowTests.mixture(500, rng: &data)
    let before = -flow.logProb(heldOut).map(Double.init).reduce(0, +) / 500
    for _ in 0..<300 {
      let report = trainer.step(FlowTests.mixture(64, rng: &data))
      #expect(report.applied && report.nonFinite == nil)
    }
    let after = -flow.logProb(heldOut).map(Double.init).reduce(0, +) / 500
    #expect(after < before - 0.5, "held-out NLL \(before) → \(after)")
    var rng = Xoshiro256(seed: 3, stream: "sample")
    let samples = flow.sample(count: 200, rng: &rng)
    #expect(samples.isFinite)
    // Sampling inverts the forward: encode the samples again and get the latents back.
    var prior = Xoshiro256(seed: 3, stream: "sample")
    let z = flow.prior.sample(count: 200, temperature: 1, rng: &prior)
    let back = flow.forward(samples).z
    for k in z.storage.indices { #expect(abs(back.storage[k] - z.storage[k]) < 1e-3) }
  }

  /// A checkpoint's masks and order are compared with the ones the description builds,
  /// never loaded over them.
  @Test func loadingChecksTheFixedMasksAndOrder() throws {
    let build = { buildFlow(FlowDescription(dimension: 5, dtype: .float64, prior: .standardNormal,
                                             layers: [MaskedAutoregressiveDescription(Self.layout([2, 4, 0, 3, 1]))], seed: 1),
                             as: Double.self) }
    let flow = build()
    try flow.load(flow.namedTensors())
    for name in ["layers.0.net.0.mask", "layers.0.order"] {
      var tensors = flow.namedTensors()
      let k = tensors.firstIndex { $0.name == name }!
      tensors[k].values[0] = tensors[k].values[0] == 0 ? 1 : 0
      #expect(throws: StateLoadError.fixedMismatch(name)) { try build().load(tensors) }
    }
  }
}
