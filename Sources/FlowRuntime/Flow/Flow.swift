import FlowRandom

/// A normalizing flow: a bijector from data to latent plus a prior on the latent.
///
/// log p(x) = log p_prior(f(x)) + log|det ∂f/∂x|; training minimises the mean negative
/// log-likelihood of a batch; sampling draws z from the prior and returns f⁻¹(z).
///
/// State is named like a PyTorch `state_dict`: `layers.<i>.<layer's name>` for the bijector
/// (`layers.3.scale_net.0.weight`, `layers.5.running_mean`, `layers.2.initialized`) and
/// `prior.<name>` for the prior (`prior.loc`).
///
/// The public entry points carry `@_specialize(exported: true, ...)` for `Float` and
/// `Double`: a caller in another module (the driver) links to the specialised bodies, in
/// which the whole layer call tree is specialised too.
public final class Flow<T: FlowScalar> {
  /// Number of features D.
  public let dimension: Int
  /// The data → latent map.
  public let transform: Composed<T>
  /// The latent's distribution.
  public let prior: any Prior<T>
  /// A conditional flow's context encoder (nil: unconditional). Every pass reads the
  /// context set by the latest `setContext`, one row per sample.
  public let context: ContextEncoder<T>?
  /// Every trainable tensor with its full name (fixed at construction).
  public let namedParameters: [(name: String, parameter: Parameter<T>)]
  /// Every trainable tensor, in `namedParameters` order.
  public let parameters: [Parameter<T>]

  /// dLoss/d(log p) per row (−1/n), reused across steps.
  var lossGradient: [T] = []

  /// A flow from a composed bijector and a prior of the same dimension.
  /// With a `context` encoder the layers and the prior are bound to its slot, and its
  /// tensors are named `context.<name>` (`context.embedding`).
  public init(transform: Composed<T>, prior: any Prior<T>, context: ContextEncoder<T>? = nil) {
    precondition(transform.dimension == prior.dimension, "flow and prior dimensions differ")
    self.dimension = transform.dimension
    self.transform = transform
    self.prior = prior
    self.context = context
    if let context {
      transform.bindContext(context.slot)
      prior.bindContext(context.slot)
    }
    namedParameters =
      transform.namedParameters(prefix: "layers.") + prior.parameters.map { ("prior." + $0.name, $0) }
      + (context?.parameters ?? []).map { ("context." + $0.name, $0) }
    parameters = namedParameters.map(\.parameter)
  }

  /// Whether the flow reads a context.
  public var isConditional: Bool { context != nil }

  /// Sets the context of the following passes: one class label per row of their input
  /// (a no-op for an unconditional flow).
  public func setContext(_ labels: [Int]) { context?.encode(labels) }

  /// Sets the context of the following passes from raw rows: class labels, or the
  /// context's real values (a no-op for an unconditional flow).
  public func setContext(_ rows: ContextRows) { context?.encode(rows) }

  /// Sets a real-valued context: `context.encoding.width` values per row of the
  /// following passes, row after row.
  public func setContext(values: [Float]) { context?.encode(values: values) }

  /// A conditional flow's context must have a row per sample of the pass.
  @inline(__always)
  func checkContext(rows n: Int) {
    if let context { precondition(context.rows == n, "context has \(context.rows) rows for a batch of \(n)") }
  }

  /// Training mode (batch statistics, ActNorm initialisation) or evaluation mode. A new
  /// flow starts in training mode, as a PyTorch module does; set it to false to evaluate.
  public var isTraining: Bool {
    get { transform.isTraining }
    set { transform.isTraining = newValue }
  }

  // MARK: - Parameters and named state

  /// Total number of trainable scalars.
  public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

  /// Handles on every parameter and buffer, by full name.
  public func stateSlots() -> [StateSlot<T>] {
    transform.stateSlots(prefix: "layers.") + prior.parameters.map { StateSlot(prefix: "prior.", parameter: $0) }
      + (context?.parameters ?? []).map { StateSlot(prefix: "context.", parameter: $0) }
      + (context?.buffers ?? []).map { StateSlot(prefix: "context.", buffer: $0) }
  }

  /// A snapshot of every parameter and buffer.
  public func namedTensors() -> [NamedTensor] { snapshot(stateSlots()) }

  /// Restores parameters and buffers from `tensors` (all must be present, with the same
  /// shapes; nothing is written if any check fails, though a source whose read fails
  /// midway, a file's I/O error, leaves the tensors before it written). Restored ActNorm
  /// layers keep the `initialized` flag they were saved with.
  public func load(_ tensors: some TensorSource, strict: Bool = true) throws {
    try FlowRuntime.load(tensors, into: stateSlots(), strict: strict)
  }

  /// Sets every gradient to zero.
  @_specialize(exported: true, where T == Float)
  @_specialize(exported: true, where T == Double)
  public func zeroGradients() {
    for k in 0..<parameters.count { parameters[k].zeroGradient() }
  }

  // MARK: - Density, loss, sampling

  /// z = f(x) and log|det ∂f/∂x| per row.
  @_specialize(exported: true, where T == Float)
  @_specialize(exported: true, where T == Double)
  public func forward(_ x: Matrix<T>) -> (z: Matrix<T>, logAbsDet: [T]) {
    checkContext(rows: x.rows)
    let (z, ld) = transform.forward(x)
    return (z, ld)
  }

  /// log p(x) per row.
  @_specialize(exported: true, where T == Float)
  @_specialize(exported: true, where T == Double)
  public func logProb(_ x: Matrix<T>) -> [T] {
    checkContext(rows: x.rows)
    let (z, ld) = transform.forward(x)
    var lp = prior.logProb(z)
    for r in lp.indices { lp[r] += ld[r] }
    return lp
  }

  /// The mean negative log-likelihood of `x`, with its gradient added into every
  /// parameter's `gradient` (call `zeroGradients` first unless accumulating).
  ///
  /// Runs `forwardRecording` (in training mode this initialises ActNorm layers on their
  /// first batch and updates BatchNorm running averages), then back-propagates. When the
  /// loss is not finite, gradients are not computed and the report names the first layer
  /// (or the prior) that produced a non-finite value.
  @_specialize(exported: true, where T == Float)
  @_specialize(exported: true, where T == Double)
  public func lossAndGradients(_ x: Matrix<T>) -> FlowLoss {
    precondition(x.cols == dimension, "flow expects \(dimension) features, got \(x.cols)")
    let n = x.rows
    precondition(n > 0, "empty batch")
    checkContext(rows: n)
    let (z, ld) = transform.forwardRecording(x)
    let lp = prior.logProb(z)
    var sum = 0.0
    for r in 0..<n { sum += Double(lp[r]) + Double(ld[r]) }
    let loss = -sum / Double(n)
    guard loss.isFinite else {
      let source: NonFiniteSource = transform.firstNonFiniteLayer.map { .layer($0) } ?? .prior
      return FlowLoss(loss: loss, nonFinite: source)
    }
    // d(loss)/d(log p_prior) = d(loss)/d(log|det|) = −1/n for every row.
    prepare(&lossGradient, rows: n)
    fill(&lossGradient, -1 / T(n))
    context?.beginBackward()
    let dz = prior.backward(z, dLogProb: lossGradient)
    _ = transform.backward(dY: dz, dLogAbsDet: lossGradient)
    context?.finishBackward()
    return FlowLoss(loss: loss, nonFinite: nil)
  }

  /// `count` samples: z from the prior at `temperature` (1 = the model's own
  /// distribution), mapped to data space by the inverse transform.
  @_specialize(exported: true, where T == Float)
  @_specialize(exported: true, where T == Double)
  public func sample(count: Int, temperature: Double = 1, rng: inout Xoshiro256) -> Matrix<T> {
    checkContext(rows: count)
    let z = prior.sample(count: count, temperature: temperature, rng: &rng)
    return transform.inverse(z).x
  }

  /// Maps latents to data space: x = f⁻¹(z) and log|det ∂f⁻¹/∂z| per row.
  @_specialize(exported: true, where T == Float)
  @_specialize(exported: true, where T == Double)
  public func inverse(_ z: Matrix<T>) -> (x: Matrix<T>, logAbsDet: [T]) {
    checkContext(rows: z.rows)
    let (x, ld) = transform.inverse(z)
    return (x, ld)
  }

  /// The first layer whose output or log-det was non-finite in the latest forward pass.
  public var firstNonFiniteLayer: Int? { transform.firstNonFiniteLayer }
}

/// Where a non-finite value first appeared in a forward pass.
public enum NonFiniteSource: Sendable, Hashable {
  /// Layer `index` of the flow (0-based, data side first) produced a NaN or infinity.
  case layer(Int)
  /// Every layer was finite; the prior's log-density was not (e.g. a huge latent).
  case prior
}

/// The result of `Flow.lossAndGradients`.
public struct FlowLoss: Sendable, Hashable {
  /// Mean negative log-likelihood in nats per sample.
  public var loss: Double
  /// Where the loss went non-finite, or nil when it is finite.
  public var nonFinite: NonFiniteSource?
}
