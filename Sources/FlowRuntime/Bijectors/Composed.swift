import FlowRandom
/// A chain of bijectors applied in order (zuko's `ComposedTransform`, nflows'
/// `CompositeTransform`).
///
/// - forward:  y = f_L(… f_2(f_1(x)))
/// - inverse:  x = f_1⁻¹(… f_L⁻¹(y)), the layers' inverses in reverse order
/// - log|det| = Σ_l log|det f_l| (the chain rule multiplies the Jacobians)
///
/// Parameter and buffer names are `<index>.<layer's name>`, like a PyTorch `ModuleList`.
///
/// The layers are called through `any Bijector<T>`. A witness of a generic class's
/// conformance is itself generic, so each bijector marks its four methods
/// `@_specialize(where T == Float/Double)`: the generic entry point then checks T once
/// and jumps to the specialised body (an unspecialised body runs every arithmetic
/// operation through the `FlowScalar` witness table, two orders of magnitude slower).
///
/// After each forward pass `firstNonFiniteLayer` names the first layer whose output or
/// log-det contained a NaN or an infinity, so a runner can say where a diverging run
/// broke (PEERS.md item 3). The check is one branch-free pass per layer output.
public final class Composed<T: FlowScalar>: Bijector {
  /// Element type.
  public typealias Scalar = T

  /// The layers, data side first.
  public let layers: [any Bijector<T>]
  /// Number of features.
  public let dimension: Int
  /// Index of the first layer with a non-finite output in the latest forward pass.
  public private(set) var firstNonFiniteLayer: Int?

  /// Per-row log|det| buffer of the latest pass.
  var logDet: [T] = []
  /// Layer indices in forward order, built once (no per-call allocation).
  let forwardOrder: [Int]
  /// Layer indices in reverse order.
  let reverseOrder: [Int]

  /// Chains `layers` (all of the same dimension, at least one).
  public init(_ layers: [any Bijector<T>]) {
    precondition(!layers.isEmpty, "a composed bijector needs at least one layer")
    let d = layers[0].dimension
    precondition(layers.allSatisfy { $0.dimension == d }, "composed layers must share one dimension")
    self.layers = layers
    self.dimension = d
    forwardOrder = Array(layers.indices)
    reverseOrder = forwardOrder.reversed()
  }

  /// Every layer's parameters, in layer order (names as the layers give them).
  public var parameters: [Parameter<T>] { layers.flatMap { $0.parameters } }
  /// Every layer's buffers, in layer order.
  public var buffers: [Buffer<T>] { layers.flatMap { $0.buffers } }

  /// Training mode, set on every layer.
  public var isTraining: Bool {
    get { layers.first?.isTraining ?? true }
    set { for l in layers { l.isTraining = newValue } }
  }

  /// Read/write handles on all state, named `<prefix><index>.<name>`.
  public func stateSlots(prefix: String) -> [StateSlot<T>] {
    layers.enumerated().flatMap { i, l in l.stateSlots(prefix: "\(prefix)\(i).") }
  }

  /// Every parameter with its full name `<prefix><index>.<name>`.
  public func namedParameters(prefix: String) -> [(name: String, parameter: Parameter<T>)] {
    layers.enumerated().flatMap { i, l in l.namedParameters(prefix: "\(prefix)\(i).") }
  }

  /// Runs `step` on each layer in order, summing the log-dets and noting non-finite outputs.
  @inline(__always)
  func chain(_ x: Matrix<T>, _ order: [Int], _ step: (any Bijector<T>, Matrix<T>) -> (Matrix<T>, [T])) -> Matrix<T> {
    prepare(&logDet, rows: x.rows)
    fill(&logDet, 0)
    firstNonFiniteLayer = nil
    var h = x
    for i in order {
      let (y, ld) = step(layers[i], h)
      logDet.withUnsafeMutableBufferPointer { acc in
        ld.withUnsafeBufferPointer { l in for r in 0..<acc.count { acc[r] += l[r] } }
      }
      if firstNonFiniteLayer == nil && !(y.isFinite && allFinite(ld)) { firstNonFiniteLayer = i }
      h = y
    }
    return h
  }

  /// Data → latent through every layer.
  @_specialize(exported: true, where T == Float)
  @_specialize(exported: true, where T == Double)
  public func forward(_ x: Matrix<T>) -> (y: Matrix<T>, logAbsDet: [T]) {
    let y = chain(x, forwardOrder) { $0.forward($1) }
    return (y, logDet)
  }

  /// Latent → data through every layer's inverse, last layer first.
  @_specialize(exported: true, where T == Float)
  @_specialize(exported: true, where T == Double)
  public func inverse(_ y: Matrix<T>) -> (x: Matrix<T>, logAbsDet: [T]) {
    let x = chain(y, reverseOrder) { $0.inverse($1) }
    return (x, logDet)
  }

  /// Data → latent, every layer recording for `backward`.
  @_specialize(exported: true, where T == Float)
  @_specialize(exported: true, where T == Double)
  public func forwardRecording(_ x: Matrix<T>) -> (y: Matrix<T>, logAbsDet: [T]) {
    let y = chain(x, forwardOrder) { $0.forwardRecording($1) }
    return (y, logDet)
  }

  /// Back-propagates through the layers in reverse; each gets the same dL/d(logAbsDet),
  /// since the total log-det is their sum.
  @_specialize(exported: true, where T == Float)
  @_specialize(exported: true, where T == Double)
  public func backward(dY: Matrix<T>, dLogAbsDet: [T]) -> Matrix<T> {
    var g = dY
    for layer in layers.reversed() { g = layer.backward(dY: g, dLogAbsDet: dLogAbsDet) }
    return g
  }
}
