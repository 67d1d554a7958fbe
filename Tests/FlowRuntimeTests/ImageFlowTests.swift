import FlowRandom
import FlowRuntime
import Testing

/// The image-flow pieces beyond the generic property check: squeeze order, multi-scale
/// parking, the two 1×1 convolution forms, batch-size independence, names of a multi-scale flow.
@Suite struct ImageFlowTests {
  @Test func squeezeFollowsGlow() {
    // [1, 4, 4] with x[0, i, j] = 4i + j: each output channel is one corner of the 2 × 2 blocks.
    #expect(squeezeIndices(channels: 1, height: 4, width: 4) == [0, 2, 8, 10, 1, 3, 9, 11, 4, 6, 12, 14, 5, 7, 13, 15])
    let (c, h, w) = (3, 4, 6)
    let indices = squeezeIndices(channels: c, height: h, width: w)
    #expect(indices.sorted() == Array(0..<(c * h * w)))
    for ch in 0..<c {
      for dy in 0..<2 {
        for dx in 0..<2 {
          for i in 0..<(h / 2) {
            for j in 0..<(w / 2) {
              #expect(indices[((ch * 4 + dy * 2 + dx) * (h / 2) + i) * (w / 2) + j] == (ch * h + 2 * i + dy) * w + 2 * j + dx)
            }
          }
        }
      }
    }
  }

  @Test func parkedFeaturesPassThroughUntouched() {
    var rng = Xoshiro256(seed: 2)
    let first = ActNorm<Double>(dimension: 6)
    randomize(first, seed: 1)
    first.isInitialized = true
    let second = ActNorm<Double>(dimension: 4)
    randomize(second, seed: 2)
    second.isInitialized = true
    let third = Permutation<Double>(indices: [1, 0])
    let chain = Composed<Double>([first, second, third], dimension: 7)
    #expect(chain.widths == [6, 4, 2] && chain.dimension == 7)
    let x = randomMatrix(rows: 3, cols: 7, in: -1...1, rng: &rng)
    let (y, ld) = chain.forward(x)
    let a = first.forward(Matrix(rows: 3, cols: 6, storage: (0..<3).flatMap { r in (0..<6).map { x[r, $0] } })).y
    for r in 0..<3 {
      #expect(y[r, 6] == x[r, 6])  // parked before the first layer
      #expect(y[r, 4] == a[r, 4] && y[r, 5] == a[r, 5])  // parked after the first layer
      let b = second.forward(Matrix(rows: 1, cols: 4, storage: (0..<4).map { a[r, $0] })).y
      #expect(y[r, 2] == b[0, 2] && y[r, 3] == b[0, 3] && y[r, 0] == b[0, 1] && y[r, 1] == b[0, 0])
      let expected = first.logScale.value.reduce(0, +) + second.logScale.value.reduce(0, +)
      #expect(isClose(ld[r], expected, absolute: 1e-12))
    }
    // The parked features' gradient is dL/dy itself.
    _ = chain.forwardRecording(x)
    let dY = randomMatrix(rows: 3, cols: 7, in: -1...1, rng: &rng)
    let dX = chain.backward(dY: dY, dLogAbsDet: [0, 0, 0])
    for r in 0..<3 { #expect(dX[r, 6] == dY[r, 6]) }
  }

  @Test func bothConvolutionFormsStartFromTheSameMatrix() {
    var rng = Xoshiro256(seed: 3)
    let lu = InvertibleConv1x1<Double>(dimension: 36, channels: 4, parametrization: .lu, initialization: .orthogonal, seed: 11)
    let plain = InvertibleConv1x1<Double>(dimension: 36, channels: 4, parametrization: .plain, initialization: .orthogonal, seed: 11)
    let x = randomMatrix(rows: 2, cols: 36, in: -1...1, rng: &rng)
    let (a, la) = lu.forward(x), (b, lb) = plain.forward(x)
    for k in a.storage.indices { #expect(isClose(a.storage[k], b.storage[k], absolute: 1e-12)) }
    for r in 0..<2 { #expect(abs(la[r]) < 1e-10 && abs(lb[r]) < 1e-10) }
    // Per pixel: y[:, s] = W x[:, s], the same W at every pixel.
    let w = plain.weight!.value
    for s in 0..<9 {
      for co in 0..<4 {
        let v = (0..<4).reduce(0.0) { $0 + w[co * 4 + $1] * x[1, $1 * 9 + s] }
        #expect(isClose(b[1, co * 9 + s], v, absolute: 1e-12))
      }
    }
    #expect(lu.parameters.map(\.name) == ["lower", "upper", "log_scale"] && lu.buffers.map(\.name) == ["permutation", "sign"])
    #expect(plain.parameters.map(\.name) == ["weight"] && plain.parameters[0].shape == [4, 4])
  }

  @Test func aSingularPlainMatrixGivesAnInfiniteLogDet() {
    let plain = InvertibleConv1x1<Double>(dimension: 8, channels: 2, parametrization: .plain, initialization: .identity, seed: 1)
    plain.weight!.value = [1, 2, 2, 4]
    let (_, ld) = plain.forward(Matrix(rows: 1, cols: 8, storage: [Double](repeating: 1, count: 8)))
    #expect(ld[0] == -.infinity)
  }

  /// A float32 Glow block on [4, 6, 6] and a learned split, for the batch check.
  static func glowBlock<T: FlowScalar>(_: T.Type) -> Composed<T> {
    var rng = Xoshiro256(seed: 5)
    let s = ImageShape(c: 4, h: 6, w: 6), half = ImageShape(c: 2, h: 6, w: 6)
    let layers: [any Bijector<T>] = [
      ActNorm<T>(dimension: s.count, channels: 4),
      InvertibleConv1x1<T>(dimension: s.count, channels: 4, parametrization: .lu, initialization: .orthogonal, seed: 1),
      AffineCoupling<T>(
        AffineCouplingDescription(
          keep: channelSplit(s, channels: 2), io: .split, nets: .shared(convNet(half, out: 4, hidden: 6, .relu)),
          scaleFunction: .sigmoid),
        rng: &rng),
      FactorOut<T>(dimension: s.count, keep: half.count, net: convNet(half, out: 4, hidden: 6, .relu), rng: &rng),
      AffineCoupling<T>(
        AffineCouplingDescription(
          keep: checkerboard(half), io: .masked, nets: .shared(convNet(half, out: 4, kernels: [3, 1, 3], .relu, blocks: 1))),
        rng: &rng),
    ]
    return Composed(layers, dimension: s.count)
  }

  /// Each row of a batch maps as it would alone (no statistics across rows once the
  /// ActNorms are initialised), forward and inverse, in both precisions.
  func checkBatchIndependence<T: FlowScalar>(_: T.Type, tolerance: Double) {
    let chain = Self.glowBlock(T.self)
    var rng = Xoshiro256(seed: 6)
    let x = randomMatrix(rows: 7, cols: chain.dimension, in: -1...1, rng: &rng).converted(to: T.self)
    _ = chain.forwardRecording(x)  // initialises the ActNorms from this batch
    chain.isTraining = false
    // Move every parameter off its start (zero-initialised convs would hide the conditioners).
    for p in chain.parameters { for k in p.value.indices { p.value[k] += T(0.01 * Double(k % 7 - 3)) } }
    let (y, ld) = chain.forward(x)
    for r in [0, 3, 6] {
      let (y1, ld1) = chain.forward(Matrix(rows: 1, cols: x.cols, storage: x.row(r)))
      for k in 0..<x.cols { #expect(isClose(Double(y1[0, k]), Double(y[r, k]), relative: tolerance, absolute: tolerance)) }
      #expect(isClose(Double(ld1[0]), Double(ld[r]), relative: tolerance, absolute: tolerance))
      let back = chain.inverse(y1).x
      for k in 0..<x.cols { #expect(isClose(Double(back[0, k]), Double(x[r, k]), relative: 10 * tolerance, absolute: 10 * tolerance)) }
    }
  }

  @Test func rowsDoNotDependOnTheirBatch() {
    checkBatchIndependence(Double.self, tolerance: 1e-12)
    checkBatchIndependence(Float.self, tolerance: 1e-5)
  }

  @Test func aMultiScaleFlowHasFlatNamesAndAFullPrior() {
    let s = ImageShape(c: 4, h: 2, w: 2), half = ImageShape(c: 2, h: 2, w: 2)
    let description = FlowDescription(
      dimension: 16, dtype: .float64, prior: .standardNormal,
      layers: [
        ActNormDescription(channels: 4),
        InvertibleConv1x1Description(channels: 4, seed: 1),
        AffineCouplingDescription(keep: channelSplit(s, channels: 2), io: .split, nets: .shared(convNet(half, out: 4, .relu, zeroInitLast: true))),
        FactorOutDescription(keep: 8, net: convNet(half, out: 4, .relu, zeroInitLast: true)),
        ActNormDescription(channels: 2),
        InvertibleConv1x1Description(channels: 2, parametrization: .plain, seed: 2),
        PermutationDescription(indices: squeezeIndices(channels: 2, height: 2, width: 2)),
      ],
      widths: [16, 16, 16, 16, 8, 8, 8], seed: 9)
    let flow = buildFlow(description, as: Double.self)
    #expect(flow.dimension == 16 && flow.prior.dimension == 16 && flow.transform.widths == [16, 16, 16, 16, 8, 8, 8])
    let names = flow.namedTensors().map(\.name)
    for n in [
      "layers.0.bias", "layers.0.initialized", "layers.1.lower", "layers.1.permutation", "layers.2.net.0.weight",
      "layers.2.net.1.initialized", "layers.2.net.6.bias", "layers.3.net.0.weight", "layers.3.net.4.log_scale",
      "layers.4.log_scale", "layers.5.weight",
    ] {
      #expect(names.contains(n), "missing \(n)")
    }
    #expect(flow.namedTensors().first { $0.name == "layers.4.bias" }?.shape == [2])
    // Zero-initialised last convs: the coupling and the split start as the identity.
    var rng = Xoshiro256(seed: 1)
    let x = randomMatrix(rows: 4, cols: 16, in: -1...1, rng: &rng)
    let loss = flow.lossAndGradients(x)
    #expect(loss.loss.isFinite && loss.nonFinite == nil)
    let back = flow.inverse(flow.forward(x).z).x
    for k in x.storage.indices { #expect(abs(back.storage[k] - x.storage[k]) < 1e-10) }
  }

  /// 4 × 4 images with a bright 2 × 2 blob at a random place, plus noise.
  static func blobs(_ n: Int, rng: inout Xoshiro256) -> Matrix<Float> {
    var m = Matrix<Float>(rows: n, cols: 16)
    for r in 0..<n {
      let i = rng.nextInt(below: 3), j = rng.nextInt(below: 3)
      for k in 0..<16 { m[r, k] = Float(0.1 * rng.nextNormal()) }
      for di in 0..<2 { for dj in 0..<2 { m[r, (i + di) * 4 + j + dj] += 1 } }
    }
    return m
  }

  @Test func aSmallMultiScaleGlowLearnsImages() {
    // squeeze [1, 4, 4] → [4, 2, 2]; two Glow steps; a learned split to [2, 2, 2]; one more
    // step with a plain 1×1 convolution and a checkerboard coupling.
    let s = ImageShape(c: 4, h: 2, w: 2), half = ImageShape(c: 2, h: 2, w: 2)
    var layers: [any LayerDescription] = [PermutationDescription(indices: squeezeIndices(channels: 1, height: 4, width: 4))]
    for k in 0..<2 {
      layers += [
        ActNormDescription(channels: 4),
        InvertibleConv1x1Description(channels: 4, seed: UInt64(k)),
        AffineCouplingDescription(
          keep: channelSplit(s, channels: 2), io: .split, nets: .shared(convNet(half, out: 4, hidden: 16, .relu, zeroInitLast: true)),
          scaleFunction: .sigmoid),
      ]
    }
    layers += [
      FactorOutDescription(keep: 8, net: convNet(half, out: 4, hidden: 8, .relu, zeroInitLast: true)),
      ActNormDescription(channels: 2),
      InvertibleConv1x1Description(channels: 2, parametrization: .plain, seed: 5),
      AffineCouplingDescription(
        keep: checkerboard(half), io: .masked,
        nets: .shared(convNet(half, out: 4, hidden: 8, kernels: [3, 3], .relu, norm: .none, zeroInitLast: true))),
    ]
    let widths = [Int](repeating: 16, count: 8) + [8, 8, 8]
    let flow = buildFlow(FlowDescription(dimension: 16, prior: .standardNormal, layers: layers, widths: widths, seed: 1), as: Float.self)
    let trainer = TrainingStep(
      flow: flow, optimizer: .adam(AdamOptions()),
      schedule: LearningRateSchedule(base: 3e-3, warmupSteps: 10, decay: .cosine(totalSteps: 150, floor: 3e-4)), clipNorm: 10)
    var data = Xoshiro256(seed: 2, stream: "data")
    let heldOut = Self.blobs(300, rng: &data)
    var losses: [Double] = []
    for _ in 0..<150 {
      let report = trainer.step(Self.blobs(32, rng: &data))
      #expect(report.applied && report.nonFinite == nil)
      losses.append(report.loss)
    }
    flow.isTraining = false
    let heldOutNLL = -flow.logProb(heldOut).map(Double.init).reduce(0, +) / 300
    let early = losses.prefix(10).reduce(0, +) / 10, late = losses.suffix(10).reduce(0, +) / 10
    #expect(late < early - 5, "training loss \(early) → \(late)")
    #expect(heldOutNLL < early - 5, "held-out NLL \(heldOutNLL) vs early training loss \(early)")
    var rng = Xoshiro256(seed: 3, stream: "sample")
    let samples = flow.sample(count: 50, temperature: 0.8, rng: &rng)
    #expect(samples.isFinite)
    let back = flow.inverse(flow.forward(heldOut).z).x
    var worst: Float = 0
    for k in heldOut.storage.indices { worst = max(worst, abs(back.storage[k] - heldOut.storage[k])) }
    #expect(worst < 1e-3, "round trip error \(worst)")
  }

  @Test func convNetActNormsAreNotReinitialisedAfterLoading() {
    let s = ImageShape(c: 2, h: 4, w: 4), one = ImageShape(c: 1, h: 4, w: 4)
    let description = FlowDescription(
      dimension: 32, prior: .standardNormal,
      layers: [
        AffineCouplingDescription(keep: channelSplit(s, channels: 1), io: .split, nets: .shared(convNet(one, out: 2, .relu))),
        FactorOutDescription(keep: 16, net: convNet(one, out: 2, .tanh)),
      ],
      widths: [32, 32], seed: 4)
    var rng = Xoshiro256(seed: 5)
    let x = randomMatrix(rows: 6, cols: 32, in: -1...2, rng: &rng).converted(to: Float.self)
    let trained = buildFlow(description, as: Float.self)
    _ = trained.lossAndGradients(x)  // initialises every ActNorm inside the networks
    let saved = trained.namedTensors()
    #expect(saved.filter { $0.name.hasSuffix("initialized") }.map(\.values) == [[1], [1], [1], [1]])
    let restored = buildFlow(description, as: Float.self)
    try? restored.load(saved)
    _ = restored.lossAndGradients(randomMatrix(rows: 6, cols: 32, in: -5...5, rng: &rng).converted(to: Float.self))
    #expect(restored.namedTensors() == saved)
  }
}
