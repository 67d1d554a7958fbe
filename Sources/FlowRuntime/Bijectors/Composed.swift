import FlowRandom
/// A chain of bijectors applied in order (zuko's `ComposedTransform`, nflows'
/// `CompositeTransform`), optionally multi-scale.
///
/// - forward:  y = f_L(… f_2(f_1(x)))
/// - inverse:  x = f_1⁻¹(… f_L⁻¹(y)), the layers' inverses in reverse order
/// - log|det| = Σ_l log|det f_l| (the chain rule multiplies the Jacobians)
///
/// Parameter and buffer names are `<index>.<layer's name>`, like a PyTorch `ModuleList`.
///
/// Multi-scale (Real NVP section 3.6, Glow's split): each layer acts on the first
/// `dimension` features of the D-vector, its width, and widths never increase along the
/// chain. Where the width drops from w to w′ before layer i, features w′..<w are parked:
/// they leave the chain and are copied unchanged to the same columns of the output (the
/// factored-out part the prior scores directly); layer i and the rest see only the first
/// w′ features. So with widths D = w₁ ≥ w₂ ≥ …, the output is
/// [h_L (w_L features), parked at the last drop, …, parked at the first drop]. The
/// inverse takes the first w_L latents through the inverses and re-attaches each parked
/// block where the width grows back; the backward pass hands each parked block its
/// dL/dy unchanged. The layers stay one flat list, so indices and tensor names stay
/// `layers.<i>.…` and `firstNonFiniteLayer` counts every layer. With every width D
/// the chain passes matrices straight from layer to layer, with no copy.
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
  /// Number of features D of the input and output.
  public let dimension: Int
  /// The width each layer acts on (its `dimension`), non-increasing.
  public let widths: [Int]
  /// Index of the first layer with a non-finite output in the latest forward pass.
  public private(set) var firstNonFiniteLayer: Int?

  /// Per-row log|det| buffer of the latest pass.
  var logDet: [T] = []
  /// Whether some layer acts on fewer than D features (parking needed); then the last
  /// layer does.
  let isMultiScale: Bool
  /// Multi-scale: the D-wide output of the latest pass (forward, inverse or backward each
  /// have their own, so that a caller holding one result does not force a copy).
  var joined: Matrix<T>, joinedInverse: Matrix<T>, joinedGradient: Matrix<T>
  /// Multi-scale: per layer i, its input narrowed to widths[i] columns (forward, empty
  /// where the width does not drop), and the last layer's latents (inverse) and gradient
  /// (backward).
  var narrowed: [Matrix<T>], narrowedInverse: Matrix<T>, narrowedGradient: Matrix<T>
  /// Multi-scale: per layer i where the width drops, layer i's inverse output (or its input
  /// gradient) widened back to widths[i−1] columns with the features parked there.
  var widened: [Matrix<T>], widenedGradient: [Matrix<T>]

  /// Chains `layers` on `dimension` features (default: the first layer's width). Every
  /// layer's width is at most `dimension`, and no layer is wider than the one before it.
  public init(_ layers: [any Bijector<T>], dimension: Int? = nil) {
    precondition(!layers.isEmpty, "a composed bijector needs at least one layer")
    let widths = layers.map(\.dimension)
    let d = dimension ?? widths[0]
    precondition(widths[0] <= d, "a composed layer is wider (\(widths[0])) than the chain (\(d))")
    for i in 1..<widths.count {
      precondition(widths[i] <= widths[i - 1], "layer \(i) acts on \(widths[i]) features after a layer on \(widths[i - 1]); widths must not increase")
    }
    self.layers = layers
    self.dimension = d
    self.widths = widths
    isMultiScale = widths.contains { $0 != d }
    joined = Matrix(rows: 0, cols: d)
    joinedInverse = joined
    joinedGradient = joined
    var narrow: [Matrix<T>] = [], wide: [Matrix<T>] = []
    for i in layers.indices {
      let before = i == 0 ? d : widths[i - 1]
      let drops = widths[i] < before
      narrow.append(Matrix(rows: 0, cols: drops ? widths[i] : 0))
      wide.append(Matrix(rows: 0, cols: drops ? before : 0))
    }
    narrowed = narrow
    widened = wide
    widenedGradient = wide
    narrowedInverse = Matrix(rows: 0, cols: widths[widths.count - 1])
    narrowedGradient = narrowedInverse
  }

  /// Every layer's parameters, in layer order (names as the layers give them).
  public var parameters: [Parameter<T>] { layers.flatMap { $0.parameters } }
  /// Binds every layer to the flow's context.
  public func bindContext(_ slot: ContextSlot<T>) { for l in layers { l.bindContext(slot) } }
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

  /// Width of the input of layer `i` in the forward direction (D for the first layer).
  @inline(__always)
  func widthBefore(_ i: Int) -> Int { i == 0 ? dimension : widths[i - 1] }

  /// Adds a layer's log-dets into `logDet` and notes a non-finite output of layer `i`.
  @inline(__always)
  func accumulate(_ y: Matrix<T>, _ ld: [T], layer i: Int) {
    logDet.withUnsafeMutableBufferPointer { acc in
      ld.withUnsafeBufferPointer { l in for r in 0..<acc.count { acc[r] += l[r] } }
    }
    if firstNonFiniteLayer == nil && !(y.isFinite && allFinite(ld)) { firstNonFiniteLayer = i }
  }

  /// Runs `step` on each layer in order, summing the log-dets and noting non-finite
  /// outputs; parks the features a layer does not act on (multi-scale).
  @inline(__always)
  func chainForward(_ x: Matrix<T>, _ step: (any Bijector<T>, Matrix<T>) -> (Matrix<T>, [T])) -> Matrix<T> {
    precondition(x.cols == dimension, "composed bijector expects \(dimension) features, got \(x.cols)")
    let n = x.rows
    prepare(&logDet, rows: n)
    fill(&logDet, 0)
    firstNonFiniteLayer = nil
    if !isMultiScale {
      var h = x
      for i in 0..<layers.count {
        let (y, ld) = step(layers[i], h)
        accumulate(y, ld, layer: i)
        h = y
      }
      return h
    }
    joined.resize(rows: n)
    var h = x
    for i in 0..<layers.count {
      let w = widths[i], before = widthBefore(i)
      if w < before {
        // Park columns w..<before in the output, hand the first w on.
        copyColumns(from: h, w..<before, into: &joined, at: w)
        narrowed[i].resize(rows: n)
        copyColumns(from: h, 0..<w, into: &narrowed[i], at: 0)
        h = narrowed[i]
      }
      let (y, ld) = step(layers[i], h)
      accumulate(y, ld, layer: i)
      h = y
    }
    copyColumns(from: h, 0..<h.cols, into: &joined, at: 0)
    return joined
  }

  /// Data → latent through every layer.
  @_specialize(exported: true, where T == Float)
  @_specialize(exported: true, where T == Double)
  public func forward(_ x: Matrix<T>) -> (y: Matrix<T>, logAbsDet: [T]) {
    let y = chainForward(x) { $0.forward($1) }
    return (y, logDet)
  }

  /// Latent → data through every layer's inverse, last layer first; parked latents are
  /// re-attached where the width grows back.
  @_specialize(exported: true, where T == Float)
  @_specialize(exported: true, where T == Double)
  public func inverse(_ y: Matrix<T>) -> (x: Matrix<T>, logAbsDet: [T]) {
    precondition(y.cols == dimension, "composed bijector expects \(dimension) features, got \(y.cols)")
    let n = y.rows
    prepare(&logDet, rows: n)
    fill(&logDet, 0)
    firstNonFiniteLayer = nil
    var h = y
    if isMultiScale {
      narrowedInverse.resize(rows: n)
      copyColumns(from: y, 0..<narrowedInverse.cols, into: &narrowedInverse, at: 0)
      h = narrowedInverse
    }
    for i in stride(from: layers.count - 1, through: 0, by: -1) {
      let (x, ld) = layers[i].inverse(h)
      accumulate(x, ld, layer: i)
      h = x
      let w = widths[i], before = widthBefore(i)
      if isMultiScale && w < before {
        // The input of this layer's predecessor: h, then the latents parked here.
        widened[i].resize(rows: n)
        copyColumns(from: h, 0..<w, into: &widened[i], at: 0)
        copyColumns(from: y, w..<before, into: &widened[i], at: w)
        h = widened[i]
      }
    }
    return (h, logDet)
  }

  /// Data → latent, every layer recording for `backward`.
  @_specialize(exported: true, where T == Float)
  @_specialize(exported: true, where T == Double)
  public func forwardRecording(_ x: Matrix<T>) -> (y: Matrix<T>, logAbsDet: [T]) {
    let y = chainForward(x) { $0.forwardRecording($1) }
    return (y, logDet)
  }

  /// Back-propagates through the layers in reverse; each gets the same dL/d(logAbsDet),
  /// since the total log-det is their sum. A parked feature is the identity from where it
  /// left the chain to the output, so its gradient there is its dL/dy.
  @_specialize(exported: true, where T == Float)
  @_specialize(exported: true, where T == Double)
  public func backward(dY: Matrix<T>, dLogAbsDet: [T]) -> Matrix<T> {
    precondition(dY.cols == dimension, "composed bijector expects \(dimension) features, got \(dY.cols)")
    let n = dY.rows
    var g = dY
    if isMultiScale {
      narrowedGradient.resize(rows: n)
      copyColumns(from: dY, 0..<narrowedGradient.cols, into: &narrowedGradient, at: 0)
      g = narrowedGradient
    }
    for i in stride(from: layers.count - 1, through: 0, by: -1) {
      g = layers[i].backward(dY: g, dLogAbsDet: dLogAbsDet)
      let w = widths[i], before = widthBefore(i)
      if isMultiScale && w < before {
        widenedGradient[i].resize(rows: n)
        copyColumns(from: g, 0..<w, into: &widenedGradient[i], at: 0)
        copyColumns(from: dY, w..<before, into: &widenedGradient[i], at: w)
        g = widenedGradient[i]
      }
    }
    return g
  }
}

/// Copies columns `columns` of every row of `source` into `target`, starting at target
/// column `at`. Both have the same number of rows.
@inlinable
func copyColumns<T: FlowScalar>(from source: Matrix<T>, _ columns: Range<Int>, into target: inout Matrix<T>, at: Int) {
  let n = source.rows, sw = source.cols, tw = target.cols, count = columns.count
  precondition(target.rows == n && columns.upperBound <= sw && at + count <= tw, "column copy out of range")
  if count == 0 { return }
  source.storage.withUnsafeBufferPointer { sb in
    target.storage.withUnsafeMutableBufferPointer { tb in
      let s = sb.baseAddress! + columns.lowerBound, t = tb.baseAddress! + at
      for r in 0..<n { (t + r * tw).update(from: s + r * sw, count: count) }
    }
  }
}
