import FlowRuntime

/// The seed notebook's Real NVP on two moons: six masked affine couplings with masks
/// [0,1], [1,0], ... (1 = kept), scale nets 2-256-256-2 with leaky ReLU and a tanh
/// output, shift nets 2-256-256-2 with leaky ReLU, a standard normal prior.
func seedRealNVP(dtype: DType = .float32, seed: UInt64 = 0) -> FlowDescription {
  let leaky = Activation.leakyReLU(slope: 0.01)
  let layers = (0..<6).map { i -> any LayerDescription in
    let keep = i % 2 == 0 ? [false, true] : [true, false]
    return AffineCouplingDescription(
      keep: keep, io: .masked,
      nets: .separate(
        scale: MLPDescription(inputs: 2, hidden: [256, 256], outputs: 2, activation: leaky, outputActivation: .tanh),
        shift: MLPDescription(inputs: 2, hidden: [256, 256], outputs: 2, activation: leaky)),
      scaleFunction: .exp)
  }
  return FlowDescription(dimension: 2, dtype: dtype, prior: .standardNormal, layers: layers, seed: seed)
}
