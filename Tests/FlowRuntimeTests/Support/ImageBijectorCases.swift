import FlowRandom
import FlowRuntime

/// A [c, h, w] image shape.
struct ImageShape: Sendable, CustomStringConvertible {
  /// Channels, height, width.
  let c: Int, h: Int, w: Int
  /// c·h·w.
  var count: Int { c * h * w }
  /// `[c,h,w]`, for test names.
  var description: String { "[\(c),\(h),\(w)]" }
}

/// A convolutional network description on `shape` with small hidden layers.
func convNet(
  _ shape: ImageShape, out: Int, hidden: Int = 4, kernels: [Int] = [3, 1, 3], _ act: Activation,
  norm: ConvNormalization = .actnorm, blocks: Int = 0, zeroInitLast: Bool = false, output: Activation? = nil
) -> ConvNetDescription {
  ConvNetDescription(
    inputChannels: shape.c, height: shape.h, width: shape.w, outputChannels: out, hiddenChannels: hidden, kernels: kernels,
    activation: act, normalization: norm, zeroInitLast: zeroInitLast, blocks: blocks, outputActivation: output)
}

/// keep flags of a checkerboard over each channel of an image: pixel (i, j) kept when
/// i + j is even (Real NVP's spatial mask).
func checkerboard(_ s: ImageShape) -> [Bool] {
  (0..<s.count).map { k in
    let i = (k % (s.h * s.w)) / s.w, j = k % s.w
    return (i + j) % 2 == 0
  }
}

/// keep flags of the first `channels` channels (Glow's channel split).
func channelSplit(_ s: ImageShape, channels: Int) -> [Bool] { (0..<s.count).map { $0 < channels * s.h * s.w } }

/// Marks every ActNorm inside `b` initialised (so a randomised layer keeps its values).
func markInitialized(_ b: any Bijector<Double>) {
  for buffer in b.buffers where buffer.name.hasSuffix("initialized") { buffer.value = [1] }
}

/// The image layers: invertible 1×1 convolutions, per-channel ActNorm, factor-outs,
/// couplings with convolutional conditioners (masked and split, plain and residual), and a
/// multi-scale chain with two width drops.
func makeImageBijectorCases() -> [BijectorCase] {
  var cases: [BijectorCase] = []
  let s144 = ImageShape(c: 1, h: 4, w: 4), s244 = ImageShape(c: 2, h: 4, w: 4), s344 = ImageShape(c: 3, h: 4, w: 4)
  let s388 = ImageShape(c: 3, h: 8, w: 8), s444 = ImageShape(c: 4, h: 4, w: 4)

  // Invertible 1×1 convolutions.
  for (shape, form, start) in [
    (s344, InvertibleConv1x1Parametrization.lu, LUInitialization.orthogonal), (s244, .lu, .identity),
    (s244, .plain, .orthogonal), (ImageShape(c: 4, h: 2, w: 2), .plain, .identity), (s144, .plain, .orthogonal),
  ] {
    cases.append(BijectorCase(name: "conv1x1 \(form) \(start) \(shape)", make: {
      let b = InvertibleConv1x1<Double>(dimension: shape.count, channels: shape.c, parametrization: form, initialization: start, seed: 4)
      var rng = Xoshiro256(seed: 8)
      for p in b.parameters { for k in p.value.indices { p.value[k] += 0.2 * rng.nextNormal() } }
      return b
    }))
  }

  // Per-channel ActNorm.
  for shape in [s244, s388] {
    cases.append(BijectorCase(name: "actnorm channels before init \(shape)", make: {
      ActNorm<Double>(dimension: shape.count, channels: shape.c)
    }))
    cases.append(BijectorCase(name: "actnorm channels after init \(shape)", make: {
      let b = ActNorm<Double>(dimension: shape.count, channels: shape.c)
      randomize(b, seed: 12)
      b.isInitialized = true
      return b
    }))
  }

  // Factor-outs: standard prior, and Glow's learned prior from the kept channels.
  cases.append(BijectorCase(name: "factor-out standard \(s244)", make: {
    var rng = Xoshiro256(seed: 1)
    return FactorOut<Double>(dimension: s244.count, keep: 16, net: nil, rng: &rng)
  }))
  for (shape, kept, act) in [(s244, 1, Activation.tanh), (s444, 2, .elu(alpha: 1))] {
    let kShape = ImageShape(c: kept, h: shape.h, w: shape.w)
    let desc = FactorOutDescription(
      keep: kShape.count, net: convNet(kShape, out: 2 * (shape.c - kept), act, zeroInitLast: true))
    cases.append(BijectorCase(name: "factor-out learned \(shape) keep \(kept)", make: {
      var rng = Xoshiro256(seed: 3)
      let b = desc.makeBijector(Double.self, dimension: shape.count, rng: &rng)
      randomize(b, seed: 5)
      markInitialized(b)
      return b
    }))
  }

  // Couplings with convolutional conditioners.
  struct ConvCoupling {
    let name: String, shape: ImageShape, keep: [Bool], io: ConditionerIO, additive: Bool, shared: Bool
    let net: (_ outputs: Int) -> ConvNetDescription
    let randomized: Bool
  }
  let couplings: [ConvCoupling] = [
    ConvCoupling(
      name: "glow split", shape: s244, keep: channelSplit(s244, channels: 1), io: .split, additive: false, shared: true,
      net: { convNet(ImageShape(c: 1, h: 4, w: 4), out: $0, .relu, zeroInitLast: true) }, randomized: true),
    ConvCoupling(
      name: "glow split, actnorm initialising", shape: s344, keep: channelSplit(s344, channels: 1), io: .split,
      additive: false, shared: true, net: { convNet(ImageShape(c: 1, h: 4, w: 4), out: $0, .gelu) }, randomized: false),
    ConvCoupling(
      name: "checkerboard masked, separate plain nets", shape: s144, keep: checkerboard(s144), io: .masked,
      additive: false, shared: false, net: { convNet(s144, out: $0, kernels: [3, 3], .tanh, norm: .none) }, randomized: true),
    ConvCoupling(
      name: "residual split", shape: s344, keep: channelSplit(s344, channels: 1), io: .split, additive: false, shared: true,
      net: { convNet(ImageShape(c: 1, h: 4, w: 4), out: $0, kernels: [3, 3, 3], .softplus, blocks: 2) }, randomized: true),
    ConvCoupling(
      name: "residual masked, no norm", shape: s244, keep: checkerboard(s244), io: .masked, additive: false, shared: true,
      net: { convNet(s244, out: $0, kernels: [3, 1, 5], .sigmoid, norm: .none, blocks: 1) }, randomized: true),
    ConvCoupling(
      name: "additive checkerboard masked", shape: s244, keep: checkerboard(s244), io: .masked, additive: true, shared: true,
      net: { convNet(s244, out: $0, .elu(alpha: 0.5)) }, randomized: true),
    ConvCoupling(
      name: "glow split larger", shape: s388, keep: channelSplit(s388, channels: 2), io: .split, additive: false, shared: true,
      net: { convNet(ImageShape(c: 2, h: 8, w: 8), out: $0, hidden: 3, .tanh) }, randomized: true),
  ]
  for (k, c) in couplings.enumerated() {
    let plane = c.shape.h * c.shape.w
    // Output channels of one head: every channel (masked) or the transformed ones (split).
    let headChannels = c.io == .masked ? c.shape.c : c.keep.filter { !$0 }.count / plane
    let make: @Sendable () -> any Bijector<Double>
    if c.additive {
      let desc = AdditiveCouplingDescription(keep: c.keep, io: c.io, net: c.net(headChannels))
      make = {
        var rng = Xoshiro256(seed: UInt64(k))
        return AdditiveCoupling<Double>(desc, rng: &rng)
      }
    } else {
      let nets: AffineNets = c.shared ? .shared(c.net(2 * headChannels)) : .separate(scale: c.net(headChannels), shift: c.net(headChannels))
      let desc = AffineCouplingDescription(keep: c.keep, io: c.io, nets: nets, scaleFunction: k % 2 == 0 ? .exp : .sigmoid, clamp: k % 3 == 0 ? 2 : nil)
      make = {
        var rng = Xoshiro256(seed: UInt64(k))
        return AffineCoupling<Double>(desc, rng: &rng)
      }
    }
    let randomized = c.randomized
    cases.append(BijectorCase(name: "conv coupling \(c.name) \(c.shape)", make: {
      let b = make()
      if randomized {
        randomize(b, seed: UInt64(20 + k), scale: 0.4)
        markInitialized(b)
      }
      return b
    }))
  }

  // A multi-scale chain on [2, 4, 4]: widths 32, 32, 32, 32 | 16, 16 | 8.
  cases.append(BijectorCase(name: "composed multi-scale \(s244)", make: {
    var rng = Xoshiro256(seed: 30)
    let an = ActNorm<Double>(dimension: 32, channels: 2)
    let conv = InvertibleConv1x1<Double>(dimension: 32, channels: 2, parametrization: .lu, initialization: .orthogonal, seed: 2)
    let coupling = AffineCoupling<Double>(
      AffineCouplingDescription(keep: channelSplit(s244, channels: 1), io: .split, nets: .shared(convNet(s144, out: 2, .relu))),
      rng: &rng)
    let split = FactorOut<Double>(dimension: 32, keep: 16, net: convNet(s144, out: 2, .tanh, zeroInitLast: true), rng: &rng)
    let an2 = ActNorm<Double>(dimension: 16, channels: 1)
    let coupling2 = AffineCoupling<Double>(
      AffineCouplingDescription(keep: checkerboard(s144), io: .masked, nets: .shared(convNet(s144, out: 2, kernels: [3, 3], .tanh, norm: .none))),
      rng: &rng)
    let last = ActNorm<Double>(dimension: 8)
    let chain = Composed<Double>([an, conv, coupling, split, an2, coupling2, last], dimension: 32)
    randomize(chain, seed: 31, scale: 0.3)
    markInitialized(chain)
    return chain
  }))
  return cases
}
