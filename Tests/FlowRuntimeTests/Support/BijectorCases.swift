import FlowRandom
import FlowRuntime

/// One bijector configuration for the generic property check.
struct BijectorCase: Sendable, CustomStringConvertible {
  /// What is being checked, for test names.
  let name: String
  /// Builds a fresh layer in Double, with any non-default state already set.
  let make: @Sendable () -> any Bijector<Double>
  /// Range of the inputs drawn.
  var domain: ClosedRange<Double> = -2...2
  /// Number of rows of the test batch.
  var rows = 3
  /// Whether inverse(forward(x)) must give x back (false where the inverse uses other statistics).
  var roundTrip = true
  /// For layers whose forward couples the rows (batch statistics): an equivalent per-row
  /// map for the Jacobian check, given the layer after its recording pass and the batch.
  var perRowEquivalent: (@Sendable (any Bijector<Double>, Matrix<Double>) -> any Bijector<Double>)? = nil

  var description: String { name }
}

/// Every activation, cycled through the coupling cases so that each one is checked
/// inside a network; a negative leaky slope too, the one leaky ReLU whose network keeps
/// its pre-activations (`derivativeFollowsFromOutput` is false).
let allActivations: [Activation] = [
  .relu, .leakyReLU(slope: 0.1), .tanh, .elu(alpha: 0.7), .gelu, .sigmoid, .softplus, .identity, .leakyReLU(slope: -0.2),
]

/// Overwrites every parameter with draws of the given spread (so a layer starting at
/// the identity, or with zeros, is checked at a generic point).
func randomize(_ b: any Bijector<Double>, seed: UInt64, scale: Double = 0.3) {
  var rng = Xoshiro256(seed: seed, stream: "randomize")
  for p in b.parameters { for k in p.value.indices { p.value[k] = scale * rng.nextNormal() } }
}

/// A small network description.
func net(_ inputs: Int, _ outputs: Int, hidden: [Int] = [8], _ act: Activation, out: Activation? = nil) -> MLPDescription {
  MLPDescription(inputs: inputs, hidden: hidden, outputs: outputs, activation: act, outputActivation: out)
}

/// The cases: every kind and option combination.
func makeBijectorCases() -> [BijectorCase] {
  var cases: [BijectorCase] = []
  var k = 0
  // Affine couplings: io × nets × scale function × clamp.
  for io in [ConditionerIO.masked, .split] {
    for shared in [false, true] {
      for scale in [ScaleFunction.exp, .sigmoid] {
        for clamp in [nil, 2.0] as [Double?] {
          let keep = io == .masked ? [true, false, true, false] : [false, true, true, false, false]
          let d = keep.count, kept = keep.filter { $0 }.count, t = d - kept
          let inW = io == .masked ? d : kept, headW = io == .masked ? d : t
          let act = allActivations[k % allActivations.count]
          let out: Activation? = k % 3 == 0 ? .tanh : nil
          let hidden = k % 2 == 0 ? [8] : [8, 6]
          let nets: AffineNets =
            shared
            ? .shared(net(inW, 2 * headW, hidden: hidden, act, out: out))
            : .separate(scale: net(inW, headW, hidden: hidden, act, out: out), shift: net(inW, headW, hidden: hidden, allActivations[(k + 3) % 8]))
          let desc = AffineCouplingDescription(keep: keep, io: io, nets: nets, scaleFunction: scale, clamp: clamp)
          let seed = UInt64(k)
          cases.append(BijectorCase(
            name: "affine \(io) \(shared ? "shared" : "separate") \(scale) clamp=\(clamp.map { "\($0)" } ?? "none") act=\(act)",
            make: {
              var rng = Xoshiro256(seed: seed)
              return AffineCoupling<Double>(desc, rng: &rng)
            }))
          k += 1
        }
      }
    }
  }
  for io in [ConditionerIO.masked, .split] {
    let keep = [false, true, true, false, true]
    let desc = AdditiveCouplingDescription(
      keep: keep, io: io, net: net(io == .masked ? 5 : 3, io == .masked ? 5 : 2, hidden: [8, 8], allActivations[k % 8]))
    let seed = UInt64(k)
    cases.append(BijectorCase(name: "additive \(io)", make: {
      var rng = Xoshiro256(seed: seed)
      return AdditiveCoupling<Double>(desc, rng: &rng)
    }))
    k += 1
  }
  // Spline couplings: io × tails × bins; a bound of 1.5 puts some of the inputs drawn from
  // [−2, 2] in the linear tails, and 2.5 keeps the tail-less ones inside the domain.
  for io in [ConditionerIO.masked, .split] {
    for tails in [SplineTails.linear, .absent] {
      for bins in [3, 8] {
        let keep = [false, true, true, false, false]
        let spline = RationalQuadraticSpline(bins: bins, bound: tails == .linear ? 1.5 : 2.5, tails: tails,
                                             minBinWidth: 1e-2, minBinHeight: 2e-3, minDerivative: 1e-2)
        let p = spline.parameterCount
        let desc = SplineCouplingDescription(
          keep: keep, io: io, net: net(io == .masked ? 5 : 2, (io == .masked ? 5 : 3) * p, hidden: [8], allActivations[k % 8]),
          spline: spline)
        let seed = UInt64(k)
        cases.append(BijectorCase(name: "spline \(io) tails=\(tails.rawValue) bins=\(bins)", make: {
          var rng = Xoshiro256(seed: seed)
          let b = SplineCoupling<Double>(desc, rng: &rng)
          randomize(b, seed: seed, scale: 0.5)
          return b
        }, rows: 4))
        k += 1
      }
    }
  }
  cases.append(BijectorCase(name: "diagonal scaling", make: {
    let b = DiagonalScaling<Double>(dimension: 4, initialLogScale: -0.2)
    randomize(b, seed: 1)
    return b
  }))
  cases.append(BijectorCase(name: "permutation", make: { Permutation<Double>(indices: [2, 0, 3, 1]) }))
  cases.append(BijectorCase(name: "actnorm before init", make: { ActNorm<Double>(dimension: 4) }))
  cases.append(BijectorCase(name: "actnorm after init", make: {
    let b = ActNorm<Double>(dimension: 4)
    randomize(b, seed: 2)
    b.isInitialized = true
    return b
  }))
  cases.append(BijectorCase(
    name: "batchnorm training (batch statistics)",
    make: {
      let b = BatchNorm<Double>(dimension: 4, momentum: 0.1, epsilon: 1e-3)
      randomize(b, seed: 3)
      return b
    },
    rows: 5, roundTrip: false,
    perRowEquivalent: { layer, x in
      // The per-row map with the batch statistics frozen: evaluation mode with the running
      // averages set to the batch mean and biased variance.
      let b = layer as! BatchNorm<Double>
      let e = BatchNorm<Double>(dimension: 4, momentum: 0.1, epsilon: 1e-3)
      e.logGamma.value = b.logGamma.value
      e.beta.value = b.beta.value
      for i in 0..<4 {
        let col = (0..<x.rows).map { x[$0, i] }
        let mean = col.reduce(0, +) / Double(x.rows)
        e.runningMean.value[i] = mean
        e.runningVar.value[i] = col.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(x.rows)
      }
      e.isTraining = false
      return e
    }))
  cases.append(BijectorCase(name: "batchnorm evaluation (running statistics)", make: {
    let b = BatchNorm<Double>(dimension: 4, momentum: 0.1, epsilon: 1e-3)
    randomize(b, seed: 4)
    b.runningMean.value = [0.3, -0.2, 0.1, 0.5]
    b.runningVar.value = [0.5, 1.5, 2.0, 0.8]
    b.isTraining = false
    return b
  }))
  for initialization in [LUInitialization.orthogonal, .identity] {
    cases.append(BijectorCase(name: "lu linear \(initialization)", make: {
      let b = LULinear<Double>(dimension: 4, initialization: initialization, seed: 9)
      // Perturb the factors so the identity start is checked at a generic point too.
      var rng = Xoshiro256(seed: 5)
      for p in b.parameters { for k in p.value.indices { p.value[k] += 0.2 * rng.nextNormal() } }
      return b
    }))
  }
  for (f, domain) in [
    (ElementwiseFunction.leakyReLU(slope: 0.3), -2.0...2.0), (.sigmoid, -3.0...3.0), (.logit, 0.05...0.95), (.tanh, -2.0...2.0),
  ] {
    cases.append(BijectorCase(name: "elementwise \(f)", make: { Elementwise<Double>(f, dimension: 4) }, domain: domain))
  }
  cases.append(BijectorCase(name: "composed chain", make: {
    var rng = Xoshiro256(seed: 11)
    let a = ActNorm<Double>(dimension: 4)
    randomize(a, seed: 6)
    a.isInitialized = true
    let c = AffineCoupling<Double>(
      AffineCouplingDescription(
        keep: [true, true, false, false], io: .split,
        nets: .separate(scale: net(2, 2, .tanh), shift: net(2, 2, .relu)), clamp: 3),
      rng: &rng)
    let lu = LULinear<Double>(dimension: 4, initialization: .orthogonal, seed: 3)
    return Composed<Double>([a, c, Permutation(indices: [3, 1, 0, 2]), lu, Elementwise(.tanh, dimension: 4)])
  }))
  cases += makeImageBijectorCases()
  return cases + makeAutoregressiveCases()
}

/// The autoregressive layers: MAF and IAF, each with every kind of order, both scale
/// functions, with and without a clamp, deep and shallow MADEs (one narrower than
/// D − 1, one without hidden layers).
func makeAutoregressiveCases() -> [BijectorCase] {
  var cases: [BijectorCase] = []
  let d = 5
  let orders: [(String, [Int])] = [("natural", Array(0..<d)), ("reversed", Array((0..<d).reversed())), ("random", [3, 0, 4, 1, 2])]
  var k = 0
  for inverse in [false, true] {
    for (orderName, order) in orders {
      for scale in [ScaleFunction.exp, .sigmoid] {
        let clamp: Double? = k % 2 == 0 ? nil : 1.5
        let hidden = [[8, 6], [10], [2], []][k % 4]
        let act = allActivations[(k + 2) % allActivations.count]
        let layout = AutoregressiveLayout(
          order: order, net: MLPDescription(inputs: d, hidden: hidden, outputs: 2 * d, activation: act),
          transform: .affine(scaleFunction: scale, clamp: clamp))
        let seed = UInt64(100 + k)
        cases.append(BijectorCase(
          name: "\(inverse ? "iaf" : "maf") order=\(orderName) \(scale) clamp=\(clamp.map { "\($0)" } ?? "none") hidden=\(hidden) act=\(act)",
          make: {
            var rng = Xoshiro256(seed: seed)
            let b: any Bijector<Double> =
              inverse
              ? InverseAutoregressive<Double>(InverseAutoregressiveDescription(layout), rng: &rng)
              : MaskedAutoregressive<Double>(MaskedAutoregressiveDescription(layout), rng: &rng)
            // Scale the weights down so the D-pass direction stays in a moderate range.
            for p in b.parameters { for i in p.value.indices { p.value[i] *= 0.7 } }
            return b
          }))
        k += 1
      }
    }
  }
  // One dimension: the MADE's outputs are constants (its hidden units have degree 0).
  let one = AutoregressiveLayout(order: [0], net: MLPDescription(inputs: 1, hidden: [4], outputs: 2, activation: .tanh),
                                 transform: .affine(scaleFunction: .exp, clamp: nil))
  for inverse in [false, true] {
    cases.append(BijectorCase(name: "\(inverse ? "iaf" : "maf") one dimension", make: {
      var rng = Xoshiro256(seed: 7)
      return inverse ? InverseAutoregressive<Double>(InverseAutoregressiveDescription(one), rng: &rng)
        : MaskedAutoregressive<Double>(MaskedAutoregressiveDescription(one), rng: &rng)
    }))
  }
  return cases
}
