import FlowRandom
import RealModule

/// Glow's activation normalisation with data-dependent initialisation.
public struct ActNormDescription: LayerDescription, Hashable {
  public init() {}

  public func makeBijector<T: FlowScalar>(_: T.Type, dimension d: Int, rng: inout Xoshiro256) -> any Bijector<T> {
    ActNorm<T>(dimension: d)
  }
}

/// Glow's activation normalisation (Kingma and Dhariwal, "Glow: Generative Flow with
/// Invertible 1x1 Convolutions", NeurIPS 2018, section 3.1), per feature.
///
/// - forward:  y = (x + bias) · exp(log_scale)
/// - inverse:  x = y · exp(−log_scale) − bias
/// - log|det ∂y/∂x| = Σᵢ log_scaleᵢ
///
/// Data-dependent initialisation: the first `forwardRecording` in training mode sets
/// bias = −mean and log_scale = −log(std + 1e-6) from that batch (population std, as
/// Glow), so the layer's output starts with zero mean and unit variance per feature.
///
/// The `initialized` buffer (shape [], 0 or 1) records whether that has happened. It is
/// saved and loaded with the parameters, and the layer reads it on every call rather
/// than caching it, so a layer restored from a checkpoint never re-initialises: four
/// flow libraries shipped exactly that bug (nflows #4, normalizing-flows PR #2, FrEIA
/// PR #33, glow-pytorch #6; PEERS.md item 1).
public final class ActNorm<T: FlowScalar>: Bijector {
  /// Element type.
  public typealias Scalar = T

  /// The additive offset, one per feature.
  public let bias: Parameter<T>
  /// The log of the multiplicative scale, one per feature.
  public let logScale: Parameter<T>
  /// 1 once the data-dependent initialisation has run (or state was loaded), else 0.
  public let initializedFlag: Buffer<T>
  /// Whether `forwardRecording` may initialise from its batch.
  public var isTraining = true

  /// Output buffer of the latest pass, reused while the batch size stays the same.
  var output: Matrix<T>
  /// Per-row log|det| buffer of the latest pass.
  var logDet: [T] = []
  /// Copy of the latest recorded input, for `backward`.
  var savedInput: Matrix<T>
  /// dL/dx buffer returned by `backward`.
  var inputGradient: Matrix<T>
  /// A D-sized scratch vector for the per-feature kernels (no per-call allocation).
  var scratch: [T]

  /// An uninitialised ActNorm on `dimension` features (the identity until its first batch).
  public init(dimension: Int) {
    precondition(dimension > 0, "actnorm needs at least one feature")
    bias = Parameter(name: "bias", shape: [dimension])
    logScale = Parameter(name: "log_scale", shape: [dimension])
    initializedFlag = Buffer(name: "initialized", shape: [], value: [0])
    output = Matrix(rows: 0, cols: dimension)
    savedInput = Matrix(rows: 0, cols: dimension)
    inputGradient = Matrix(rows: 0, cols: dimension)
    scratch = [T](repeating: 0, count: dimension)
  }

  /// Number of features.
  public var dimension: Int { bias.count }
  /// `bias` and `log_scale`.
  public var parameters: [Parameter<T>] { [bias, logScale] }
  /// `initialized`.
  public var buffers: [Buffer<T>] { [initializedFlag] }

  /// Whether the data-dependent initialisation has happened (read from the buffer).
  public var isInitialized: Bool {
    get { initializedFlag.value[0] != 0 }
    set { initializedFlag.value[0] = newValue ? 1 : 0 }
  }

  /// Data → latent with the current parameters (never initialises).
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func forward(_ x: Matrix<T>) -> (y: Matrix<T>, logAbsDet: [T]) {
    scaleRows(x, bias: bias, logScale: logScale, scratch: &scratch, output: &output, logDet: &logDet)
    return (output, logDet)
  }

  /// Latent → data.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func inverse(_ y: Matrix<T>) -> (x: Matrix<T>, logAbsDet: [T]) {
    unscaleRows(y, bias: bias, logScale: logScale, scratch: &scratch, output: &output, logDet: &logDet)
    return (output, logDet)
  }

  /// Data → latent, initialising from `x` first if in training mode and not yet initialised.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func forwardRecording(_ x: Matrix<T>) -> (y: Matrix<T>, logAbsDet: [T]) {
    if isTraining && !isInitialized { initialize(from: x) }
    savedInput.assign(x)
    return forward(x)
  }

  /// Sets bias = −mean and log_scale = −log(std + 1e-6) per feature of `x`, and marks the
  /// layer initialised. Statistics are accumulated in Double so a float32 batch of any
  /// size gives the same start.
  public func initialize(from x: Matrix<T>) {
    precondition(x.cols == dimension && x.rows > 0, "actnorm initialisation needs a non-empty batch")
    let n = x.rows, d = dimension
    for i in 0..<d {
      var mean = 0.0
      for r in 0..<n { mean += Double(x[r, i]) }
      mean /= Double(n)
      var variance = 0.0
      for r in 0..<n { let c = Double(x[r, i]) - mean; variance += c * c }
      variance /= Double(n)
      bias.value[i] = T(-mean)
      logScale.value[i] = T(-Double.log(variance.squareRoot() + 1e-6))
    }
    isInitialized = true
  }

  /// dL/dx = dL/dy · exp(log_scale); adds dL/d(bias) and dL/d(log_scale).
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func backward(dY: Matrix<T>, dLogAbsDet: [T]) -> Matrix<T> {
    scaleRowsBackward(
      dY: dY, dLogAbsDet: dLogAbsDet, input: savedInput, bias: bias, logScale: logScale,
      scratch: &scratch, inputGradient: &inputGradient)
    return inputGradient
  }
}
