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
    layers.append(layer.makeBijector(T.self, dimension: d, rng: &rng))
  }
  let prior: any Prior<T>
  switch description.prior {
  case .standardNormal: prior = StandardNormal<T>(dimension: d)
  case .diagonalNormal: prior = DiagonalNormal<T>(dimension: d)
  case .standardLogistic: prior = StandardLogistic<T>(dimension: d)
  }
  return Flow(transform: Composed(layers), prior: prior)
}
