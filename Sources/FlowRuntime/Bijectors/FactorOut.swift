import FlowRandom
import RealModule

/// The split of a multi-scale flow: keep the first features, factor out the rest.
public struct FactorOutDescription: LayerDescription, Hashable {
  /// Number of features kept k (the layer's width w is its dimension, k < w). For images,
  /// the factored part is whole channels: k = k_c·H·W.
  public var keep: Int
  /// nil: the factored features go to the flow's prior as they are. A network: Glow's
  /// learned prior, (μ, log σ) = net(kept features) with 2·(w − k) outputs, μ first (a
  /// `ConvNetDescription` reading the kept [k_c, H, W] image, its last conv zero-initialised).
  public var net: (any NetworkDescription)?

  /// A factor-out description.
  public init(keep: Int, net: (any NetworkDescription)? = nil) {
    self.keep = keep
    self.net = net
  }

  /// Equal counts and networks.
  public static func == (a: Self, b: Self) -> Bool {
    guard a.keep == b.keep else { return false }
    switch (a.net, b.net) {
    case (nil, nil): return true
    case (let x?, let y?): return x.isEqual(to: y)
    default: return false
    }
  }

  /// The count and the network.
  public func hash(into hasher: inout Hasher) {
    hasher.combine(keep)
    hasher.combine(net == nil)
    net?.hash(into: &hasher)
  }

  /// The layer on `d` features; the learned prior's weights come from `rng`.
  public func makeBijector<T: FlowScalar>(_: T.Type, dimension d: Int, rng: inout Xoshiro256) -> any Bijector<T> {
    FactorOut<T>(dimension: d, keep: keep, net: net, rng: &rng)
  }
}

/// The factor-out step of a multi-scale flow (Real NVP section 3.6; Glow's `split2d`).
///
/// On its width w with k kept features: the first k pass through (the flow goes on with
/// them), and the factored features b = x[k..<w] leave the chain after this layer (the
/// next layer has width k; `Composed` parks them for the prior).
/// - Standard prior (no network): the identity, log|det| = 0; b is scored by the flow's
///   N(0, I) like any latent.
/// - Learned prior (Glow): (μ, log σ) = net(x[0..<k]) and
///     forward:  b′ = (b − μ) · exp(−log σ),   inverse:  b = b′ · exp(log σ) + μ,
///     log|det| = −Σ log σ,
///   so that N(0, I) on b′ is N(b; μ, σ²) on b: the density Glow's split prior gives the
///   factored channels conditioned on the kept ones. With the network's last conv
///   zero-initialised the layer starts as the identity.
///
/// Parameters (learned prior): the network's, under `net.` (`net.0.weight`, ...).
public final class FactorOut<T: FlowScalar>: Bijector {
  /// Element type.
  public typealias Scalar = T

  /// Number of features w.
  public let dimension: Int
  /// Number of features kept k.
  public let keep: Int
  /// The learned prior's conditioner (mask: the first k kept), nil for the standard prior.
  let conditioner: CouplingConditioner<T>?
  /// Index of the mean head (0) and log-σ head (1) in the conditioner.
  let meanHead = 0, logScaleHead = 1

  /// Output buffer of the latest pass, reused while the batch size stays the same.
  var output: Matrix<T>
  /// Per-row log|det| buffer of the latest pass.
  var logDet: [T] = []
  /// exp(−log σ) and the output b′ of the latest recording, [n, w − k].
  var savedInverseScale: Matrix<T>, savedFactored: Matrix<T>
  /// dL/dx buffer returned by `backward`.
  var inputGradient: Matrix<T>
  /// Training mode, forwarded to the prior's network.
  var trainingFlag = true

  /// A factor-out of `dimension` features keeping `keep`; `net` is the learned prior's
  /// network (its weights drawn from `rng`) or nil.
  public init(dimension: Int, keep: Int, net: (any NetworkDescription)?, rng: inout Xoshiro256) {
    precondition(keep > 0 && keep < dimension, "factor-out keeps \(keep) of \(dimension) features; it must keep some and factor out some")
    self.dimension = dimension
    self.keep = keep
    conditioner = net.map {
      CouplingConditioner<T>(
        keep: (0..<dimension).map { $0 < keep }, io: .split, netDescriptions: [($0, "net.")], headNets: [0, 0], rng: &rng)
    }
    output = Matrix(rows: 0, cols: dimension)
    savedInverseScale = Matrix(rows: 0, cols: dimension - keep)
    savedFactored = savedInverseScale
    inputGradient = output
  }

  /// The prior network's parameters (none for the standard prior).
  public var parameters: [Parameter<T>] { conditioner?.parameters ?? [] }
  /// The prior network's buffers.
  public var buffers: [Buffer<T>] { conditioner?.buffers ?? [] }
  /// Training mode, forwarded to the prior's network.
  public var isTraining: Bool {
    get { conditioner?.isTraining ?? trainingFlag }
    set {
      trainingFlag = newValue
      conditioner?.isTraining = newValue
    }
  }

  /// The shared body: the kept features pass, the factored ones are standardised (or
  /// restored) with the network's μ and log σ of the kept features.
  func run(_ x: Matrix<T>, inverse: Bool, record: Bool) {
    precondition(x.cols == dimension, "factor-out expects \(dimension) features, got \(x.cols)")
    let n = x.rows, d = dimension, k = keep, t = d - k
    output.assign(x)
    prepare(&logDet, rows: n)
    fill(&logDet, 0)
    guard let conditioner else { return }
    conditioner.evaluate(x, record: record)
    if record {
      savedInverseScale.resize(rows: n)
      savedFactored.resize(rows: n)
    }
    let net = conditioner.nets[0], w = net.outputCount
    // Outputs [μ (t values), log σ (t values)] per row: split io, so head columns are 0..<t and t..<2t.
    net.output.storage.withUnsafeBufferPointer { hb in
      output.storage.withUnsafeMutableBufferPointer { yb in
        logDet.withUnsafeMutableBufferPointer { lb in
          savedInverseScale.storage.withUnsafeMutableBufferPointer { sb in
            savedFactored.storage.withUnsafeMutableBufferPointer { fb in
              for r in 0..<n {
                let h = hb.baseAddress! + r * w, y = yb.baseAddress! + r * d + k
                var ld: T = 0
                for j in 0..<t {
                  let mu = h[j], logSigma = h[t + j]
                  if inverse {
                    y[j] = y[j] * T.exp(logSigma) + mu
                  } else {
                    let inv = T.exp(-logSigma)
                    y[j] = (y[j] - mu) * inv
                    if record {
                      sb[r * t + j] = inv
                      fb[r * t + j] = y[j]
                    }
                  }
                  ld += logSigma
                }
                lb[r] = inverse ? ld : -ld
              }
            }
          }
        }
      }
    }
  }

  /// Data → latent.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func forward(_ x: Matrix<T>) -> (y: Matrix<T>, logAbsDet: [T]) {
    run(x, inverse: false, record: false)
    return (output, logDet)
  }

  /// Latent → data.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func inverse(_ y: Matrix<T>) -> (x: Matrix<T>, logAbsDet: [T]) {
    run(y, inverse: true, record: false)
    return (output, logDet)
  }

  /// Data → latent, keeping exp(−log σ) and b′ for `backward`.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func forwardRecording(_ x: Matrix<T>) -> (y: Matrix<T>, logAbsDet: [T]) {
    run(x, inverse: false, record: true)
    return (output, logDet)
  }

  /// With b′ = (b − μ)·e^(−log σ): dL/db = g·e^(−log σ), dL/dμ = −g·e^(−log σ),
  /// dL/d(log σ) = −g·b′ − dL/d(log|det|); the network carries the last two to the kept features.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func backward(dY: Matrix<T>, dLogAbsDet: [T]) -> Matrix<T> {
    let n = dY.rows, d = dimension, k = keep, t = d - k
    precondition(dY.cols == d && dLogAbsDet.count == n, "factor-out backward: shape mismatch")
    inputGradient.assign(dY)
    guard let conditioner else { return inputGradient }
    precondition(savedFactored.rows == n, "factor-out backward: no matching recording")
    conditioner.beginBackward(rows: n)
    let w = conditioner.outputWidth(0)
    var headGradient = conditioner.netOutputGradients[0]
    conditioner.netOutputGradients[0] = Matrix(rows: 0, cols: 0)
    dY.storage.withUnsafeBufferPointer { gb in
      inputGradient.storage.withUnsafeMutableBufferPointer { dxb in
        savedInverseScale.storage.withUnsafeBufferPointer { sb in
          savedFactored.storage.withUnsafeBufferPointer { fb in
            headGradient.storage.withUnsafeMutableBufferPointer { hb in
              for r in 0..<n {
                let g = gb.baseAddress! + r * d + k, dx = dxb.baseAddress! + r * d + k, dh = hb.baseAddress! + r * w
                let dl = dLogAbsDet[r]
                for j in 0..<t {
                  let gi = g[j] * sb[r * t + j]
                  dx[j] = gi
                  dh[j] = -gi
                  dh[t + j] = -g[j] * fb[r * t + j] - dl
                }
              }
            }
          }
        }
      }
    }
    conditioner.netOutputGradients[0] = headGradient
    conditioner.finishBackward(into: &inputGradient)
    return inputGradient
  }
}
