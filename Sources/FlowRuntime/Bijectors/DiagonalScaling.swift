import FlowRandom

/// NICE's diagonal scaling y = x·exp(s) with learnable s starting at `initialLogScale`.
public struct DiagonalScalingDescription: LayerDescription, Hashable {
  /// The starting log-scale of every feature.
  public var initialLogScale: Double

  public init(initialLogScale: Double = 0) { self.initialLogScale = initialLogScale }

  public func makeBijector<T: FlowScalar>(_: T.Type, dimension d: Int, rng: inout Xoshiro256) -> any Bijector<T> {
    precondition(initialLogScale.isFinite, "initial log-scale must be finite")
    return DiagonalScaling<T>(dimension: d, initialLogScale: initialLogScale)
  }
}

/// NICE's diagonal scaling layer (Dinh, Krueger and Bengio, 2015, section 3.3), the
/// layer that gives an otherwise volume-preserving NICE flow its log-determinant.
///
/// - forward:  y = x · exp(s)
/// - inverse:  x = y · exp(−s)
/// - log|det ∂y/∂x| = Σᵢ sᵢ   (the same for every row)
///
/// Parameter: `log_scale` [D], learnable, starting at a configurable value (default 0).
public final class DiagonalScaling<T: FlowScalar>: Bijector {
  /// Element type.
  public typealias Scalar = T

  /// The log-scale s, one per feature.
  public let logScale: Parameter<T>
  /// Ignored: the layer behaves the same in training and evaluation.
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

  /// A scaling layer on `dimension` features with every sᵢ = `initialLogScale`.
  public init(dimension: Int, initialLogScale: Double = 0) {
    precondition(dimension > 0, "scaling needs at least one feature")
    logScale = Parameter(name: "log_scale", shape: [dimension], value: [T](repeating: T(initialLogScale), count: dimension))
    output = Matrix(rows: 0, cols: dimension)
    savedInput = Matrix(rows: 0, cols: dimension)
    inputGradient = Matrix(rows: 0, cols: dimension)
    scratch = [T](repeating: 0, count: dimension)
  }

  /// Number of features.
  public var dimension: Int { logScale.count }
  /// `log_scale`.
  public var parameters: [Parameter<T>] { [logScale] }

  /// Data → latent.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func forward(_ x: Matrix<T>) -> (y: Matrix<T>, logAbsDet: [T]) {
    scaleRows(x, bias: nil, logScale: logScale, scratch: &scratch, output: &output, logDet: &logDet)
    return (output, logDet)
  }

  /// Latent → data.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func inverse(_ y: Matrix<T>) -> (x: Matrix<T>, logAbsDet: [T]) {
    unscaleRows(y, bias: nil, logScale: logScale, scratch: &scratch, output: &output, logDet: &logDet)
    return (output, logDet)
  }

  /// Data → latent, keeping x for `backward`.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func forwardRecording(_ x: Matrix<T>) -> (y: Matrix<T>, logAbsDet: [T]) {
    savedInput.assign(x)
    return forward(x)
  }

  /// dL/dx = dL/dy · exp(s); adds dL/ds.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func backward(dY: Matrix<T>, dLogAbsDet: [T]) -> Matrix<T> {
    scaleRowsBackward(
      dY: dY, dLogAbsDet: dLogAbsDet, input: savedInput, bias: nil, logScale: logScale,
      scratch: &scratch, inputGradient: &inputGradient)
    return inputGradient
  }
}
