import FlowRandom
import Testing

@testable import FlowRuntime

/// Conditional flows: every conditioner kind reading the context (MLP couplings, a
/// spline coupling, MAF and IAF through their MADE, a conv coupling), the conditional
/// prior, the learned embedding and a real-valued (column) context, each checked in Float64 against finite differences,
/// with an exact inverse and a brute-force log-det at a fixed context.
@Suite struct ConditionalFlowTests {
  /// A small conditional flow of one conditioner kind, with random weights everywhere.
  struct Case: Sendable, CustomStringConvertible {
    let name: String
    let dimension: Int
    let layers: @Sendable (_ context: Int) -> [any LayerDescription]
    var prior: PriorDescription = .conditionalDiagonalNormal
    var encoding: ContextEncoding = .oneHot(classes: 3)
    var description: String { name }

    func build() -> Flow<Double> {
      let flow = buildFlow(FlowDescription(dimension: dimension, dtype: .float64, prior: prior, layers: layers(encoding.width),
                                           seed: 7, context: encoding), as: Double.self)
      var rng = Xoshiro256(seed: 11, stream: "weights")
      for p in flow.parameters { for k in p.value.indices { p.value[k] = 0.3 * rng.nextNormal() } }
      return flow
    }
  }

  /// A small tanh MLP reading `c` context values.
  @Sendable static func mlp(_ i: Int, _ o: Int, _ c: Int, hidden: [Int] = [6]) -> MLPDescription {
    MLPDescription(inputs: i, hidden: hidden, outputs: o, activation: .tanh, context: c)
  }

  static let cases: [Case] = {
    let keep = [true, false, true, false]
    let spline = RationalQuadraticSpline(bins: 4, bound: 2, tails: .linear, minBinWidth: 1e-2, minBinHeight: 1e-2, minDerivative: 1e-2)
    let image = ImageShape(c: 1, h: 2, w: 2)
    return [
      Case(name: "affine masked, shared net", dimension: 4, layers: { c in
        [AffineCouplingDescription(keep: keep, io: .masked, nets: .shared(Self.mlp(4, 8, c)), scaleFunction: .exp, clamp: 2),
         AffineCouplingDescription(keep: keep.map { !$0 }, io: .split, nets: .separate(scale: Self.mlp(2, 2, c), shift: Self.mlp(2, 2, c, hidden: [])),
                                   scaleFunction: .sigmoid, clamp: nil)]
      }),
      Case(name: "additive and a standard normal prior", dimension: 4, layers: { c in
        [AdditiveCouplingDescription(keep: keep, io: .split, net: Self.mlp(2, 2, c, hidden: [5, 4]))]
      }, prior: .standardNormal),
      Case(name: "spline coupling", dimension: 4, layers: { c in
        [SplineCouplingDescription(keep: keep, io: .split, net: Self.mlp(2, 2 * spline.parameterCount, c), spline: spline)]
      }),
      Case(name: "maf and iaf", dimension: 3, layers: { c in
        [MaskedAutoregressiveDescription(AutoregressiveLayout(order: [2, 0, 1], net: Self.mlp(3, 6, c, hidden: [5, 5]),
                                                              transform: .affine(scaleFunction: .exp, clamp: 2))),
         InverseAutoregressiveDescription(AutoregressiveLayout(order: [0, 1, 2], net: Self.mlp(3, 6, c, hidden: []),
                                                               transform: .affine(scaleFunction: .exp, clamp: nil)))]
      }),
      Case(name: "conv coupling, embedding", dimension: 4, layers: { c in
        let net = ConvNetDescription(inputChannels: 1, height: 2, width: 2, outputChannels: 2, hiddenChannels: 3, kernels: [3, 1],
                                     activation: .tanh, normalization: .none, zeroInitLast: false, context: c)
        let single = ConvNetDescription(inputChannels: 1, height: 2, width: 2, outputChannels: 2, hiddenChannels: 3, kernels: [3],
                                        activation: .tanh, normalization: .none, zeroInitLast: false, context: c)
        return [AffineCouplingDescription(keep: checkerboard(image), io: .masked, nets: .shared(net), scaleFunction: .exp, clamp: 2),
                AffineCouplingDescription(keep: checkerboard(image).map { !$0 }, io: .masked, nets: .shared(single), scaleFunction: .exp, clamp: nil)]
      }, encoding: .embedding(classes: 3, width: 2)),
      Case(name: "affine and spline, real-valued context", dimension: 4, layers: { c in
        [AffineCouplingDescription(keep: keep, io: .masked, nets: .shared(Self.mlp(4, 8, c)), scaleFunction: .exp, clamp: 2),
         SplineCouplingDescription(keep: keep.map { !$0 }, io: .split, net: Self.mlp(2, 2 * spline.parameterCount, c), spline: spline)]
      }, encoding: .identity(width: 2)),
      Case(name: "affine, standardized context", dimension: 4, layers: { c in
        [AffineCouplingDescription(keep: keep, io: .split, nets: .shared(Self.mlp(2, 4, c)), scaleFunction: .exp, clamp: 2)]
      }, encoding: .standardized(width: 2)),
      Case(name: "maf, real-valued context, standard normal prior", dimension: 3, layers: { c in
        [MaskedAutoregressiveDescription(AutoregressiveLayout(order: [1, 2, 0], net: Self.mlp(3, 6, c, hidden: [5]),
                                                              transform: .affine(scaleFunction: .exp, clamp: 2)))]
      }, prior: .standardNormal, encoding: .identity(width: 3)),
    ]
  }()

  /// A batch of `rows` points and their context: classes 0, 1, 2 in turn, or real
  /// values in [−1.5, 1.5] for a real-valued context.
  static func batch(_ d: Int, rows: Int = 5, encoding: ContextEncoding = .oneHot(classes: 3)) -> (Matrix<Double>, ContextRows) {
    var rng = Xoshiro256(seed: 3, stream: "x")
    let x = randomMatrix(rows: rows, cols: d, in: -1.5...1.5, rng: &rng)
    guard !encoding.isClassLabel else { return (x, .labels((0..<rows).map { $0 % 3 })) }
    return (x, .values((0..<(rows * encoding.width)).map { _ in Float(3 * rng.nextUniform() - 1.5) }))
  }

  /// Values per raw context row: a label, or the real values' width.
  static func rawWidth(_ encoding: ContextEncoding) -> Int { encoding.isClassLabel ? 1 : encoding.width }

  @Test(arguments: cases)
  func everyGradientMatchesFiniteDifferences(_ c: Case) {
    let flow = c.build()
    let (x, labels) = Self.batch(c.dimension, encoding: c.encoding)
    flow.setContext(labels)
    flow.zeroGradients()
    let loss = flow.lossAndGradients(x)
    #expect(loss.nonFinite == nil)
    // The context's own tensors must be among those checked.
    let names = flow.namedParameters.map(\.name)
    #expect(names.contains { $0.hasSuffix("context.weight") } || c.prior == .conditionalDiagonalNormal)
    if case .embedding = c.encoding { #expect(names.contains("context.embedding")) }
    func nll() -> Double {
      let lp = flow.logProb(x)
      return -lp.reduce(0, +) / Double(lp.count)
    }
    for (name, p) in flow.namedParameters {
      for k in stride(from: 0, to: p.count, by: max(1, p.count / 6)) {
        let v = p.value[k]
        let fd = centralDifference(at: v, step: 1e-6, set: { p.value[k] = $0; if name == "context.embedding" { flow.setContext(labels) } }, nll)
        #expect(isClose(p.gradient[k], fd, relative: 1e-5, absolute: 1e-7), "\(c.name): \(name)[\(k)] backward \(p.gradient[k]), finite differences \(fd)")
      }
    }
  }

  @Test(arguments: cases)
  func inverseAndLogDetAtAFixedContext(_ c: Case) {
    let flow = c.build()
    flow.isTraining = false
    let (x, labels) = Self.batch(c.dimension, rows: 3, encoding: c.encoding)
    flow.setContext(labels)
    let (z, ld) = flow.forward(x)
    let back = flow.inverse(z).x
    for k in x.storage.indices { #expect(abs(back.storage[k] - x.storage[k]) < 1e-10, "\(c.name): round trip") }
    let d = c.dimension, h = 1e-6
    for r in 0..<x.rows {
      var probes = Matrix<Double>(rows: 2 * d, cols: d)
      for j in 0..<d {
        for i in 0..<d { probes[2 * j, i] = x[r, i]; probes[2 * j + 1, i] = x[r, i] }
        probes[2 * j, j] += h
        probes[2 * j + 1, j] -= h
      }
      flow.setContext(labels.repeating(row: r, count: 2 * d, width: Self.rawWidth(c.encoding)))
      let out = flow.forward(probes).z
      var jac = [Double](repeating: 0, count: d * d)
      for j in 0..<d { for i in 0..<d { jac[i * d + j] = (out[2 * j, i] - out[2 * j + 1, i]) / (2 * h) } }
      #expect(abs(logAbsDeterminant(jac, d) - ld[r]) < 1e-6, "\(c.name): row \(r) log-det")
    }
  }

  @Test(arguments: cases)
  func theContextChangesTheDensity(_ c: Case) {
    let flow = c.build()
    let (x, _) = Self.batch(c.dimension, rows: 1)
    let byClass = (0..<3).map { k -> Double in
      if c.encoding.isClassLabel {
        flow.setContext([k])
      } else {
        flow.setContext(values: (0..<c.encoding.width).map { Float(k) - 1 + 0.1 * Float($0) })
      }
      return flow.logProb(x)[0]
    }
    #expect(Set(byClass).count == 3, "\(c.name): log p(x | c) for c = 0, 1, 2: \(byClass)")
  }

  @Test func aConditionalPriorSamplesAroundEachClassMean() {
    let prior = ConditionalDiagonalNormal<Double>(dimension: 2, contextWidth: 2)
    let slot = ContextSlot<Double>(width: 2, tracksGradient: false)
    prior.bindContext(slot)
    prior.locWeight.value = [3, -3, 0, 0]  // class 0 → mean (3, 0), class 1 → (−3, 0)
    var rng = Xoshiro256(seed: 1)
    let encoder = ContextEncoder<Double>(.oneHot(classes: 2), rng: &rng)
    prior.bindContext(encoder.slot)
    encoder.encode([Int](repeating: 0, count: 500) + [Int](repeating: 1, count: 500))
    let z = prior.sample(count: 1000, temperature: 1, rng: &rng)
    let mean0 = (0..<500).map { z[$0, 0] }.reduce(0, +) / 500
    let mean1 = (500..<1000).map { z[$0, 0] }.reduce(0, +) / 500
    #expect(abs(mean0 - 3) < 0.2 && abs(mean1 + 3) < 0.2)
  }

  /// A conditional prior given real values: its mean is linear in them, for any width.
  @Test func aConditionalPriorFollowsARealValuedContext() {
    let prior = ConditionalDiagonalNormal<Double>(dimension: 2, contextWidth: 1)
    var rng = Xoshiro256(seed: 2)
    let encoder = ContextEncoder<Double>(.identity(width: 1), rng: &rng)
    #expect(encoder.parameters.isEmpty)
    prior.bindContext(encoder.slot)
    prior.locWeight.value = [2, -1]  // mean (2c, −c)
    encoder.encode(values: [Float](repeating: 0.8, count: 400) + [Float](repeating: -0.5, count: 400))
    let z = prior.sample(count: 800, temperature: 1, rng: &rng)
    let mean0 = (0..<400).map { z[$0, 0] }.reduce(0, +) / 400
    let mean1 = (400..<800).map { z[$0, 1] }.reduce(0, +) / 400
    #expect(abs(mean0 - 1.6) < 0.2 && abs(mean1 - 0.5) < 0.2, "\(mean0) \(mean1)")
  }

  /// A standardized context feeds (v − mean)/std, keeps its statistics as buffers named
  /// `context.mean` and `context.std`, and a constant column is centred, not divided by 0.
  @Test func aStandardizedContextZScoresWithItsBuffers() throws {
    var rng = Xoshiro256(seed: 5)
    let encoder = ContextEncoder<Double>(.standardized(width: 2), rng: &rng)
    #expect(encoder.parameters.isEmpty && encoder.buffers.map(\.name) == ["mean", "std"])
    encoder.setStandardization(mean: [1000, 3], std: [500, 0])
    encoder.encode(values: [1400, 3, 500, 5])
    #expect(encoder.slot.value.storage == [0.8, 0, -1, 2])
    let description = FlowDescription(dimension: 2, dtype: .float64, prior: .conditionalDiagonalNormal,
                                       layers: [AffineCouplingDescription(keep: [true, false], io: .split, nets: .shared(Self.mlp(1, 2, 2)),
                                                                          scaleFunction: .exp, clamp: 2)],
                                       seed: 7, context: .standardized(width: 2))
    let flow = buildFlow(description, as: Double.self)
    flow.context!.setStandardization(mean: [1000, 3], std: [500, 2])
    let tensors = flow.namedTensors()
    #expect(tensors.contains { $0.name == "context.mean" } && tensors.contains { $0.name == "context.std" })
    // A fresh flow loaded from those tensors standardizes the same way.
    let loaded = buildFlow(description, as: Double.self)
    try loaded.load(tensors)
    let x = Matrix<Double>(rows: 2, cols: 2, storage: [0.3, -0.2, 1.1, 0.4])
    flow.setContext(values: [1400, 5, 600, 1])
    loaded.setContext(values: [1400, 5, 600, 1])
    #expect(flow.logProb(x) == loaded.logProb(x))
    #expect(loaded.context!.slot.value.storage == [0.8, 1, -0.8, -1])
  }

  @Test func checkpointNamesOfTheContextTensors() {
    let flow = Self.cases[4].build()
    let names = Set(flow.namedTensors().map(\.name))
    for expected in ["context.embedding", "layers.0.net.context.weight", "layers.1.net.context.weight", "prior.loc.weight",
                     "prior.loc.bias", "prior.log_scale.weight", "prior.log_scale.bias"] {
      #expect(names.contains(expected), "missing \(expected) in \(names.sorted())")
    }
    let made = Self.cases[3].build()
    #expect(made.namedTensors().contains { $0.name == "layers.0.net.context.weight" })
  }
}
