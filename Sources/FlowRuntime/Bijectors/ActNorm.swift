import FlowRandom
import RealModule

/// Glow's activation normalisation with data-dependent initialisation, per feature or per
/// channel of an image.
public struct ActNormDescription: LayerDescription, Hashable {
  /// nil: one bias and log-scale per feature. C: one per channel of rows holding [C, H, W]
  /// images in CHW order (H·W = D / C), as Glow applies it to images.
  public var channels: Int?

  /// Per feature (`channels` nil) or per channel.
  public init(channels: Int? = nil) { self.channels = channels }

  /// The layer on `d` features, uninitialised (`rng` is not used).
  public func makeBijector<T: FlowScalar>(_: T.Type, dimension d: Int, rng: inout Xoshiro256) -> any Bijector<T> {
    if let c = channels { return ActNorm<T>(dimension: d, channels: c) }
    return ActNorm<T>(dimension: d)
  }
}

/// Glow's activation normalisation (Kingma and Dhariwal, "Glow: Generative Flow with
/// Invertible 1x1 Convolutions", NeurIPS 2018, section 3.1), per feature or per channel.
///
/// - forward:  y = (x + bias) · exp(log_scale)
/// - inverse:  x = y · exp(−log_scale) − bias
/// - log|det ∂y/∂x| = S·Σ_c log_scale_c
///
/// Per feature, bias and log_scale have one entry per feature and S = 1. Per channel, a
/// row holds a [C, H, W] image in CHW order, bias and log_scale have shape [C] and apply to
/// every pixel of their channel, and S = H·W pixels share each log-scale.
///
/// Data-dependent initialisation: the first `forwardRecording` in training mode sets
/// bias = −mean and log_scale = −log(std + 1e-6) from that batch (population std, as
/// Glow; per channel over the N·H·W values of the batch), so the layer's output starts
/// with zero mean and unit variance per feature or channel.
///
/// The `initialized` buffer (shape [], 0 or 1) records whether that has happened. It is
/// saved and loaded with the parameters, and the layer reads it on every call rather
/// than caching it, so a layer restored from a checkpoint never re-initialises: four
/// flow libraries shipped exactly that bug (nflows #4, normalizing-flows PR #2, FrEIA
/// PR #33, glow-pytorch #6; PEERS.md item 1).
public final class ActNorm<T: FlowScalar>: Bijector {
  /// Element type.
  public typealias Scalar = T

  /// The additive offset, one per feature or channel.
  public let bias: Parameter<T>
  /// The log of the multiplicative scale, one per feature or channel.
  public let logScale: Parameter<T>
  /// 1 once the data-dependent initialisation has run (or state was loaded), else 0.
  public let initializedFlag: Buffer<T>
  /// Whether `forwardRecording` may initialise from its batch.
  public var isTraining = true
  /// Number of features D.
  public let dimension: Int
  /// Number of channels C (D per feature).
  public let channels: Int
  /// Values per channel in a row, S = D / C (1 per feature, H·W per channel).
  public let spatialSize: Int

  /// Output buffer of the latest pass, reused while the batch size stays the same.
  var output: Matrix<T>
  /// Per-row log|det| buffer of the latest pass.
  var logDet: [T] = []
  /// Copy of the latest recorded input, for `backward`.
  var savedInput: Matrix<T>
  /// dL/dx buffer returned by `backward`.
  var inputGradient: Matrix<T>
  /// exp(±log_scale), one per channel (no per-call allocation).
  var scale: [T]

  /// An uninitialised ActNorm on `dimension` features (the identity until its first batch).
  public convenience init(dimension: Int) {
    self.init(dimension: dimension, channels: dimension)
  }

  /// An uninitialised per-channel ActNorm on rows of [channels, H, W] images,
  /// H·W = dimension / channels (channels == dimension: per feature).
  public init(dimension: Int, channels: Int) {
    precondition(dimension > 0, "actnorm needs at least one feature")
    precondition(channels > 0 && dimension % channels == 0, "actnorm: \(dimension) features are not whole images of \(channels) channels")
    self.dimension = dimension
    self.channels = channels
    spatialSize = dimension / channels
    bias = Parameter(name: "bias", shape: [channels])
    logScale = Parameter(name: "log_scale", shape: [channels])
    initializedFlag = Buffer(name: "initialized", shape: [], value: [0])
    output = Matrix(rows: 0, cols: dimension)
    savedInput = Matrix(rows: 0, cols: dimension)
    inputGradient = Matrix(rows: 0, cols: dimension)
    scale = [T](repeating: 0, count: channels)
  }

  /// `bias` and `log_scale`.
  public var parameters: [Parameter<T>] { [bias, logScale] }
  /// `initialized`.
  public var buffers: [Buffer<T>] { [initializedFlag] }

  /// Whether the data-dependent initialisation has happened (read from the buffer).
  public var isInitialized: Bool {
    get { initializedFlag.value[0] != 0 }
    set { initializedFlag.value[0] = newValue ? 1 : 0 }
  }

  /// S·Σ log_scale, the log|det| of every row; fills `scale` with exp(sign·log_scale).
  func prepareScale(sign: T) -> T {
    var total: T = 0
    for c in 0..<channels {
      total += logScale.value[c]
      scale[c] = T.exp(sign * logScale.value[c])
    }
    return T(spatialSize) * total
  }

  /// Data → latent with the current parameters (never initialises).
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func forward(_ x: Matrix<T>) -> (y: Matrix<T>, logAbsDet: [T]) {
    precondition(x.cols == dimension, "actnorm expects \(dimension) features, got \(x.cols)")
    let n = x.rows
    fill(resized: &logDet, rows: n, prepareScale(sign: 1))
    output.resize(rows: n)
    x.storage.withUnsafeBufferPointer { xp in
      output.storage.withUnsafeMutableBufferPointer { yp in
        bias.value.withUnsafeBufferPointer { bp in
          scale.withUnsafeBufferPointer { sp in
            channelAffineForward(
              xp.baseAddress!, yp.baseAddress!, bias: bp.baseAddress!, scale: sp.baseAddress!, outer: n, channels: channels,
              inner: spatialSize)
          }
        }
      }
    }
    return (output, logDet)
  }

  /// Latent → data.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func inverse(_ y: Matrix<T>) -> (x: Matrix<T>, logAbsDet: [T]) {
    precondition(y.cols == dimension, "actnorm expects \(dimension) features, got \(y.cols)")
    let n = y.rows
    fill(resized: &logDet, rows: n, -prepareScale(sign: -1))
    output.resize(rows: n)
    y.storage.withUnsafeBufferPointer { yp in
      output.storage.withUnsafeMutableBufferPointer { xp in
        bias.value.withUnsafeBufferPointer { bp in
          scale.withUnsafeBufferPointer { sp in
            channelAffineInverse(
              yp.baseAddress!, xp.baseAddress!, bias: bp.baseAddress!, inverseScale: sp.baseAddress!, outer: n,
              channels: channels, inner: spatialSize)
          }
        }
      }
    }
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

  /// Sets bias = −mean and log_scale = −log(std + 1e-6) per feature or channel of `x`,
  /// and marks the layer initialised. Statistics are accumulated in Double so a float32
  /// batch of any size gives the same start.
  public func initialize(from x: Matrix<T>) {
    precondition(x.cols == dimension && x.rows > 0, "actnorm initialisation needs a non-empty batch")
    x.storage.withUnsafeBufferPointer { xp in
      bias.value.withUnsafeMutableBufferPointer { bp in
        logScale.value.withUnsafeMutableBufferPointer { sp in
          channelAffineInitialize(
            xp.baseAddress!, bias: bp.baseAddress!, logScale: sp.baseAddress!, outer: x.rows, channels: channels,
            inner: spatialSize)
        }
      }
    }
    isInitialized = true
  }

  /// dL/dx = dL/dy · exp(log_scale); adds dL/d(bias) and dL/d(log_scale) (each log-scale
  /// also appears S times in every row's log-det).
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func backward(dY: Matrix<T>, dLogAbsDet: [T]) -> Matrix<T> {
    let n = savedInput.rows
    precondition(dY.rows == n && dY.cols == dimension && dLogAbsDet.count == n, "actnorm backward: shape mismatch")
    _ = prepareScale(sign: 1)
    inputGradient.resize(rows: n)
    let sumL = sum(dLogAbsDet)
    dY.storage.withUnsafeBufferPointer { gp in
      savedInput.storage.withUnsafeBufferPointer { xp in
        inputGradient.storage.withUnsafeMutableBufferPointer { dp in
          bias.value.withUnsafeBufferPointer { bp in
            scale.withUnsafeBufferPointer { sp in
              bias.gradient.withUnsafeMutableBufferPointer { dbp in
                logScale.gradient.withUnsafeMutableBufferPointer { dsp in
                  channelAffineBackward(
                    dy: gp.baseAddress!, x: xp.baseAddress!, dx: dp.baseAddress!, bias: bp.baseAddress!,
                    scale: sp.baseAddress!, dBias: dbp.baseAddress!, dLogScale: dsp.baseAddress!, outer: n,
                    channels: channels, inner: spatialSize)
                  let perChannel = T(spatialSize) * sumL
                  for c in 0..<channels { dsp[c] += perChannel }
                }
              }
            }
          }
        }
      }
    }
    return inputGradient
  }
}
