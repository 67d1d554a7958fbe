import FlowRandom

/// A flow in the precision its description asks for.
public enum AnyFlow {
  /// A single-precision flow.
  case float32(Flow<Float>)
  /// A double-precision flow.
  case float64(Flow<Double>)

  /// Number of trainable scalars.
  public var parameterCount: Int {
    switch self {
    case .float32(let f): return f.parameterCount
    case .float64(let f): return f.parameterCount
    }
  }

  /// A snapshot of every parameter and buffer.
  public func namedTensors() -> [NamedTensor] {
    switch self {
    case .float32(let f): return f.namedTensors()
    case .float64(let f): return f.namedTensors()
    }
  }

  /// Restores parameters and buffers (see `Flow.load`).
  public func load(_ tensors: [NamedTensor], strict: Bool = true) throws {
    switch self {
    case .float32(let f): try f.load(tensors, strict: strict)
    case .float64(let f): try f.load(tensors, strict: strict)
    }
  }
}

/// Builds the flow `description` describes, in the precision of its `dtype`.
public func buildFlow(_ description: FlowDescription) -> AnyFlow {
  switch description.dtype {
  case .float32: return .float32(buildFlow(description, as: Float.self))
  case .float64: return .float64(buildFlow(description, as: Double.self))
  }
}

/// Builds the flow `description` describes with scalar type `T`, whatever its `dtype`
/// (gradient checks build a float32 description in Double).
///
/// The description's consistency is checked with preconditions: the compiler's validator
/// reports these errors with source locations first, so reaching one here is a bug.
public func buildFlow<T: FlowScalar>(_ description: FlowDescription, as _: T.Type) -> Flow<T> {
  let d = description.dimension
  precondition(d > 0, "flow dimension must be positive")
  precondition(!description.layers.isEmpty, "a flow needs at least one layer")
  var layers: [any Bijector<T>] = []
  for (i, layer) in description.layers.enumerated() {
    var rng = Xoshiro256(seed: description.seed, stream: "init.layers.\(i)")
    layers.append(buildLayer(layer, dimension: d, index: i, rng: &rng))
  }
  let prior: any Prior<T>
  switch description.prior {
  case .standardNormal: prior = StandardNormal<T>(dimension: d)
  case .diagonalNormal: prior = DiagonalNormal<T>(dimension: d)
  case .standardLogistic: prior = StandardLogistic<T>(dimension: d)
  }
  return Flow(transform: Composed(layers), prior: prior)
}

/// Builds one layer, restating the validator's rules for it.
func buildLayer<T: FlowScalar>(
  _ layer: LayerDescription, dimension d: Int, index i: Int, rng: inout Xoshiro256
) -> any Bijector<T> {
  switch layer {
  case .affineCoupling(let c):
    precondition(c.keep.count == d, "layer \(i): mask has \(c.keep.count) entries for \(d) features")
    return AffineCoupling<T>(c, rng: &rng)
  case .additiveCoupling(let c):
    precondition(c.keep.count == d, "layer \(i): mask has \(c.keep.count) entries for \(d) features")
    return AdditiveCoupling<T>(c, rng: &rng)
  case .diagonalScaling(let s):
    precondition(s.isFinite, "layer \(i): initial log-scale must be finite")
    return DiagonalScaling<T>(dimension: d, initialLogScale: s)
  case .permutation(let indices):
    precondition(indices.count == d, "layer \(i): permutation has \(indices.count) entries for \(d) features")
    return Permutation<T>(indices: indices)
  case .actNorm:
    return ActNorm<T>(dimension: d)
  case .batchNorm(let momentum, let epsilon):
    return BatchNorm<T>(dimension: d, momentum: momentum, epsilon: epsilon)
  case .luLinear(let lu):
    return LULinear<T>(dimension: d, initialization: lu.initialization, seed: lu.seed)
  case .elementwise(let f):
    return Elementwise<T>(f, dimension: d)
  }
}
