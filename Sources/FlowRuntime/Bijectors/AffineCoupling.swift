import FlowRandom
import RealModule

/// Real NVP's affine coupling: y_T = x_T·scale(x_K) + shift(x_K), y_K = x_K.
public struct AffineCouplingDescription: LayerDescription, Hashable {
  /// keep[i] == true: feature i is kept (copied and conditioned on); false: it is transformed.
  public var keep: [Bool]
  /// Conditioner input/output layout.
  public var io: ConditionerIO
  /// Conditioner networks (MLPs, ConvNets: any `NetworkDescription`).
  public var nets: AffineNets
  /// Map from raw scale output to scale.
  public var scaleFunction: ScaleFunction
  /// Soft clamp c > 0: s ← c·tanh(s/c) before the scale function; nil for none.
  public var clamp: Double?

  /// A coupling description with every field given.
  public init(keep: [Bool], io: ConditionerIO, nets: AffineNets, scaleFunction: ScaleFunction = .exp, clamp: Double? = nil) {
    self.keep = keep
    self.io = io
    self.nets = nets
    self.scaleFunction = scaleFunction
    self.clamp = clamp
  }

  public func makeBijector<T: FlowScalar>(_: T.Type, dimension d: Int, rng: inout Xoshiro256) -> any Bijector<T> {
    precondition(keep.count == d, "mask has \(keep.count) entries for \(d) features")
    return AffineCoupling<T>(self, rng: &rng)
  }
}

/// Real NVP's affine coupling layer (Dinh, Sohl-Dickstein and Bengio, "Density estimation
/// using Real NVP", ICLR 2017).
///
/// With K the kept features (keep[i] == true) and T the transformed ones:
/// - forward:  y_K = x_K,  y_T = x_T · scale(x_K) + shift(x_K)
/// - inverse:  x_K = y_K,  x_T = (y_T − shift(y_K)) / scale(y_K)
/// - log|det ∂y/∂x| = Σ_T log scale(x_K)   (the Jacobian is triangular)
///
/// scale = exp(s) (Real NVP) or sigmoid(s + 2) (Glow's code), where s is the scale head of
/// the conditioner, optionally soft-clamped first: s ← c·tanh(s/c).
///
/// Soft clamping (FrEIA's and Glow-style flows' `clamp`): bounding |s| by c bounds each
/// log-scale, so one bad batch cannot blow activations up by exp(large) and poison the
/// run with infinities (PEERS.md item 3). tanh keeps it smooth, and it is the identity
/// to first order near 0, so small scales are unaffected.
///
/// Parameters: `scale_net.*` and `shift_net.*`, or `net.*` for a shared two-head net; the
/// networks' buffers (a ConvNet's ActNorm `initialized` flags) under the same prefixes.
public final class AffineCoupling<T: FlowScalar>: Bijector {
  /// Element type.
  public typealias Scalar = T

  /// The configuration this layer was built from.
  public let description: AffineCouplingDescription
  /// Masks, networks and their workspaces.
  let conditioner: CouplingConditioner<T>
  /// Index of the scale head (0) and shift head (1) in the conditioner.
  let scaleHead = 0, shiftHead = 1

  /// Training mode, forwarded to the conditioner networks (an ActNorm inside a ConvNet
  /// initialises from its first training batch).
  public var isTraining: Bool {
    get { conditioner.isTraining }
    set { conditioner.isTraining = newValue }
  }

  /// Output buffer of the latest pass, reused while the batch size stays the same.
  var output: Matrix<T>
  /// Per-row log|det| buffer of the latest pass.
  var logDet: [T] = []
  /// Copy of the latest recorded input, for `backward`.
  var savedInput: Matrix<T>
  /// Scales of the latest recording, [batch, transformed].
  var savedScale: Matrix<T>
  /// Clamped raw scales u of the latest recording (for the clamp derivative).
  var savedClamped: Matrix<T>
  /// dL/dx buffer returned by `backward`.
  var inputGradient: Matrix<T>

  /// Builds the layer, drawing network weights from `rng`.
  public init(_ description: AffineCouplingDescription, rng: inout Xoshiro256) {
    if let c = description.clamp { precondition(c > 0, "coupling clamp must be positive") }
    self.description = description
    switch description.nets {
    case .separate(let s, let t):
      conditioner = CouplingConditioner(
        keep: description.keep, io: description.io,
        netDescriptions: [(s, "scale_net."), (t, "shift_net.")], headNets: [0, 1], rng: &rng)
    case .shared(let net):
      conditioner = CouplingConditioner(
        keep: description.keep, io: description.io, netDescriptions: [(net, "net.")], headNets: [0, 0], rng: &rng)
    }
    let d = description.keep.count, t = conditioner.transformed.count
    output = Matrix(rows: 0, cols: d)
    savedInput = Matrix(rows: 0, cols: d)
    savedScale = Matrix(rows: 0, cols: t)
    savedClamped = Matrix(rows: 0, cols: t)
    inputGradient = Matrix(rows: 0, cols: d)
  }

  /// Number of features.
  public var dimension: Int { conditioner.dimension }
  /// The conditioner networks' weights and biases.
  public var parameters: [Parameter<T>] { conditioner.parameters }
  /// Binds the conditioner networks to the flow's context.
  public func bindContext(_ slot: ContextSlot<T>) { for net in conditioner.nets { net.bindContext(slot) } }
  /// The conditioner networks' buffers.
  public var buffers: [Buffer<T>] { conditioner.buffers }

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

  /// Data → latent, keeping the input, scales and clamped raw scales for `backward`.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func forwardRecording(_ x: Matrix<T>) -> (y: Matrix<T>, logAbsDet: [T]) {
    run(x, inverse: false, record: true)
    return (output, logDet)
  }

  /// The shared body of the three passes: kept features pass through, the conditioner runs
  /// on them (they are equal in x and y), and the transformed features are scaled and shifted.
  func run(_ x: Matrix<T>, inverse: Bool, record: Bool) {
    precondition(x.cols == dimension, "coupling expects \(dimension) features, got \(x.cols)")
    let n = x.rows, d = dimension, t = conditioner.transformed.count
    conditioner.evaluate(x, record: record)
    prepare(&output, rows: n)
    prepare(&logDet, rows: n)
    if record {
      savedInput.assign(x)
      prepare(&savedScale, rows: n)
      prepare(&savedClamped, rows: n)
    }
    let sNet = conditioner.nets[conditioner.headNet[scaleHead]]
    let tNet = conditioner.nets[conditioner.headNet[shiftHead]]
    let sCols = conditioner.headColumns[scaleHead], tCols = conditioner.headColumns[shiftHead]
    let sw = sNet.outputCount, tw = tNet.outputCount
    let useSigmoid = description.scaleFunction == .sigmoid
    let clamp = description.clamp.map { T($0) }
    let transformed = conditioner.transformed
    x.storage.withUnsafeBufferPointer { xb in
      sNet.output.storage.withUnsafeBufferPointer { sb in
        tNet.output.storage.withUnsafeBufferPointer { tb in
          output.storage.withUnsafeMutableBufferPointer { yb in
            logDet.withUnsafeMutableBufferPointer { lb in
              savedScale.storage.withUnsafeMutableBufferPointer { scb in
                savedClamped.storage.withUnsafeMutableBufferPointer { ub in
                  let xp = xb.baseAddress!, yp = yb.baseAddress!
                  yp.update(from: xp, count: n * d)
                  for r in 0..<n {
                    var ld: T = 0
                    for j in 0..<t {
                      let i = transformed[j]
                      var u = sb[r * sw + sCols[j]]
                      if let c = clamp { u = c * T.tanh(u / c) }
                      let scale: T, logScale: T
                      if useSigmoid {
                        scale = T.sigmoid(u + 2)
                        logScale = -T.softplus(-(u + 2))
                      } else {
                        scale = T.exp(u)
                        logScale = u
                      }
                      let shift = tb[r * tw + tCols[j]]
                      let v = xp[r * d + i]
                      yp[r * d + i] = inverse ? (v - shift) / scale : v * scale + shift
                      ld += logScale
                      if record {
                        scb[r * t + j] = scale
                        ub[r * t + j] = u
                      }
                    }
                    lb[r] = inverse ? -ld : ld
                  }
                }
              }
            }
          }
        }
      }
    }
  }

  /// dL/dx for the latest `forwardRecording`; adds the network gradients.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func backward(dY: Matrix<T>, dLogAbsDet: [T]) -> Matrix<T> {
    let n = savedInput.rows, d = dimension, t = conditioner.transformed.count
    precondition(dY.rows == n && dY.cols == d && dLogAbsDet.count == n, "coupling backward: shape mismatch")
    inputGradient.assign(dY)
    conditioner.beginBackward(rows: n)
    let sNetIndex = conditioner.headNet[scaleHead], tNetIndex = conditioner.headNet[shiftHead]
    let sCols = conditioner.headColumns[scaleHead], tCols = conditioner.headColumns[shiftHead]
    let sw = conditioner.outputWidth(sNetIndex), tw = conditioner.outputWidth(tNetIndex)
    let useSigmoid = description.scaleFunction == .sigmoid
    let clamp = description.clamp.map { T($0) }
    let transformed = conditioner.transformed
    // The two heads may live in one network's gradient matrix; take it out of the array
    // once per distinct network so the loop below writes through plain pointers.
    var sGrad = conditioner.netOutputGradients[sNetIndex]
    var tGrad = sNetIndex == tNetIndex ? Matrix<T>(rows: 0, cols: 0) : conditioner.netOutputGradients[tNetIndex]
    conditioner.netOutputGradients[sNetIndex] = Matrix(rows: 0, cols: 0)
    if sNetIndex != tNetIndex { conditioner.netOutputGradients[tNetIndex] = Matrix(rows: 0, cols: 0) }
    dY.storage.withUnsafeBufferPointer { gb in
      savedInput.storage.withUnsafeBufferPointer { xb in
        savedScale.storage.withUnsafeBufferPointer { scb in
          savedClamped.storage.withUnsafeBufferPointer { ub in
            inputGradient.storage.withUnsafeMutableBufferPointer { dxb in
              sGrad.storage.withUnsafeMutableBufferPointer { dsb in
                tGrad.storage.withUnsafeMutableBufferPointer { dtb0 in
                  let dtb = sNetIndex == tNetIndex ? dsb.baseAddress! : dtb0.baseAddress!
                  for r in 0..<n {
                    let dl = dLogAbsDet[r]
                    for j in 0..<t {
                      let i = transformed[j]
                      let g = gb[r * d + i], scale = scb[r * t + j], xv = xb[r * d + i]
                      dxb[r * d + i] = g * scale
                      dtb[r * tw + tCols[j]] += g
                      // d/du of (g·y_i + dl·log scale), through the chosen scale function.
                      var du: T
                      if useSigmoid {
                        du = g * xv * scale * (1 - scale) + dl * (1 - scale)
                      } else {
                        du = g * xv * scale + dl
                      }
                      if let c = clamp {
                        let q = ub[r * t + j] / c
                        du *= 1 - q * q
                      }
                      dsb[r * sw + sCols[j]] += du
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    conditioner.netOutputGradients[sNetIndex] = sGrad
    if sNetIndex != tNetIndex { conditioner.netOutputGradients[tNetIndex] = tGrad }
    conditioner.finishBackward(into: &inputGradient)
    return inputGradient
  }
}
