import FlowRandom

/// Builds the flow `description` describes with scalar type `T`, whatever its `dtype`
/// (gradient checks build a float32 description in Double).
///
/// The description's consistency is checked with preconditions: the compiler's validator
/// reports these errors with source locations first, so reaching one here is a bug.
public func buildFlow<T: FlowScalar>(_ description: FlowDescription, as _: T.Type) -> Flow<T> {
  let d = description.dimension
  precondition(d > 0, "flow dimension must be positive")
  precondition(!description.layers.isEmpty, "a flow needs at least one layer")
  let widths = description.widths ?? [Int](repeating: d, count: description.layers.count)
  precondition(widths.count == description.layers.count, "\(widths.count) widths for \(description.layers.count) layers")
  var layers: [any Bijector<T>] = []
  for (i, layer) in description.layers.enumerated() {
    var rng = Xoshiro256(seed: description.seed, stream: "init.layers.\(i)")
    layers.append(layer.makeBijector(T.self, dimension: widths[i], rng: &rng))
  }
  let prior: any Prior<T>
  switch description.prior {
  case .standardNormal: prior = StandardNormal<T>(dimension: d)
  case .diagonalNormal: prior = DiagonalNormal<T>(dimension: d)
  case .standardLogistic: prior = StandardLogistic<T>(dimension: d)
  case .conditionalDiagonalNormal:
    guard let c = description.context else { preconditionFailure("a conditional prior needs a context") }
    prior = ConditionalDiagonalNormal<T>(dimension: d, contextWidth: c.width)
  }
  var rng = Xoshiro256(seed: description.seed, stream: "init.context")
  let context = description.context.map { ContextEncoder<T>($0, rng: &rng) }
  return Flow(transform: Composed(layers, dimension: d), prior: prior, context: context)
}
