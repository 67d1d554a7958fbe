import FlowRandom

/// A rational-quadratic spline coupling: y_T = spline(x_T; net(x_K)), y_K = x_K.
public struct SplineCouplingDescription: LayerDescription, Hashable {
  /// keep[i] == true: feature i is kept (copied and conditioned on); false: it is transformed.
  public var keep: [Bool]
  /// Conditioner input/output layout.
  public var io: ConditionerIO
  /// The conditioner: `spline.parameterCount` outputs per head position (masked: D
  /// positions, split: one per transformed feature), as blocks (see `SplineCoupling`).
  public var net: MLPDescription
  /// Bins, bound, tails and minimum sizes.
  public var spline: RationalQuadraticSpline

  /// A coupling description with every field given.
  public init(keep: [Bool], io: ConditionerIO, net: MLPDescription, spline: RationalQuadraticSpline) {
    self.keep = keep
    self.io = io
    self.net = net
    self.spline = spline
  }

  public func makeBijector<T: FlowScalar>(_: T.Type, dimension d: Int, rng: inout Xoshiro256) -> any Bijector<T> {
    precondition(keep.count == d, "mask has \(keep.count) entries for \(d) features")
    return SplineCoupling<T>(self, rng: &rng)
  }
}

/// The coupling layer of Neural Spline Flows (Durkan, Bekasov, Murray and Papamakarios,
/// NeurIPS 2019): each transformed feature goes through its own monotone
/// rational-quadratic spline (`RationalQuadraticSplineKernel`), whose bins and slopes
/// the conditioner computes from the kept features.
///
/// With K the kept features (keep[i] == true) and T the transformed ones:
/// - forward:  y_K = x_K,  y_i = spline_i(x_i) for i ∈ T, spline_i's parameters from net(x_K)
/// - inverse:  x_K = y_K,  x_i = spline_i⁻¹(y_i) (the stable quadratic root)
/// - log|det ∂y/∂x| = Σ_{i∈T} log spline_i′(x_i)   (the Jacobian is triangular)
///
/// The network's output holds one block of P = `spline.parameterCount` numbers per
/// position, dimension-major: with `split` io the block of the j-th transformed feature
/// is columns j·P ..< (j+1)·P; with `masked` io the net has D·P outputs and feature i's
/// block is columns i·P ..< (i+1)·P (the kept features' blocks are unused). Within a
/// block: [widths K, heights K, derivatives K − 1 (linear tails) or K + 1 (none)], the
/// layout nflows and zuko reshape their conditioner's output into.
///
/// Parameters: `net.*`.
public final class SplineCoupling<T: FlowScalar>: Bijector {
  /// Element type.
  public typealias Scalar = T

  /// The configuration this layer was built from.
  public let description: SplineCouplingDescription
  /// Masks, the network and its workspaces. The conditioner is told the net has P heads
  /// of one position each, which is only its size check: the spline reads the output as
  /// per-position blocks (`blockStart`), not head by head.
  let conditioner: CouplingConditioner<T>
  /// The spline's kernels in precision T.
  let kernel: RationalQuadraticSplineKernel<T>
  /// For transformed feature j, the column where its parameter block starts.
  let blockStart: [Int]

  /// Ignored: a coupling behaves the same in training and evaluation.
  public var isTraining = true

  /// Output buffer of the latest pass, reused while the batch size stays the same.
  var output: Matrix<T>
  /// Per-row log|det| buffer of the latest pass.
  var logDet: [T] = []
  /// Copy of the latest recorded input, for `backward`.
  var savedInput: Matrix<T>
  /// dL/dx buffer returned by `backward`.
  var inputGradient: Matrix<T>
  /// The kernels' scratch values, `kernel.workspaceCount` of them.
  var workspace: [T]

  /// Builds the layer, drawing network weights from `rng`.
  public init(_ description: SplineCouplingDescription, rng: inout Xoshiro256) {
    self.description = description
    kernel = RationalQuadraticSplineKernel<T>(description.spline)
    let p = description.spline.parameterCount
    conditioner = CouplingConditioner(
      keep: description.keep, io: description.io, netDescriptions: [(description.net, "net.")],
      headNets: [Int](repeating: 0, count: p), rng: &rng)
    blockStart = conditioner.transformed.enumerated().map { j, i in (description.io == .masked ? i : j) * p }
    let d = description.keep.count
    output = Matrix(rows: 0, cols: d)
    savedInput = Matrix(rows: 0, cols: d)
    inputGradient = Matrix(rows: 0, cols: d)
    workspace = [T](repeating: 0, count: kernel.workspaceCount)
  }

  /// Number of features.
  public var dimension: Int { conditioner.dimension }
  /// The conditioner network's weights and biases.
  public var parameters: [Parameter<T>] { conditioner.parameters }
  /// Binds the conditioner networks to the flow's context.
  public func bindContext(_ slot: ContextSlot<T>) { for net in conditioner.nets { net.bindContext(slot) } }

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

  /// Data → latent, keeping the input for `backward` (the network keeps its own output).
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func forwardRecording(_ x: Matrix<T>) -> (y: Matrix<T>, logAbsDet: [T]) {
    run(x, inverse: false, record: true)
    savedInput.assign(x)
    return (output, logDet)
  }

  /// The shared body of the passes: kept features pass through, the conditioner runs on
  /// them (equal in x and y), and every transformed value goes through its spline.
  func run(_ x: Matrix<T>, inverse: Bool, record: Bool) {
    precondition(x.cols == dimension, "coupling expects \(dimension) features, got \(x.cols)")
    let n = x.rows, d = dimension
    conditioner.evaluate(x, record: record)
    prepare(&output, rows: n)
    prepare(&logDet, rows: n)
    output.assign(x)
    let net = conditioner.nets[0]
    let width = net.outputCount
    let transformed = conditioner.transformed, starts = blockStart
    let kernel = kernel
    net.output.storage.withUnsafeBufferPointer { ub in
      output.storage.withUnsafeMutableBufferPointer { yb in
        logDet.withUnsafeMutableBufferPointer { lb in
          workspace.withUnsafeMutableBufferPointer { wb in
            let u = ub.baseAddress!, y = yb.baseAddress!, ws = wb.baseAddress!
            for r in 0..<n {
              var total: T = 0
              for j in transformed.indices {
                let k = r * d + transformed[j]
                let params = u + r * width + starts[j]
                let (v, ld) = inverse ? kernel.inverse(y[k], params, workspace: ws) : kernel.forward(y[k], params, workspace: ws)
                y[k] = v
                total += ld
              }
              lb[r] = total
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
    let n = savedInput.rows, d = dimension
    precondition(dY.rows == n && dY.cols == d && dLogAbsDet.count == n, "coupling backward: shape mismatch")
    inputGradient.assign(dY)
    conditioner.beginBackward(rows: n)
    let net = conditioner.nets[0]
    let width = net.outputCount
    let transformed = conditioner.transformed, starts = blockStart
    let kernel = kernel
    // Moved out of the array while written, so the loop writes through a plain pointer.
    var grad = conditioner.netOutputGradients[0]
    conditioner.netOutputGradients[0] = Matrix(rows: 0, cols: 0)
    net.output.storage.withUnsafeBufferPointer { ub in
      savedInput.storage.withUnsafeBufferPointer { xb in
        inputGradient.storage.withUnsafeMutableBufferPointer { gb in
          grad.storage.withUnsafeMutableBufferPointer { db in
            workspace.withUnsafeMutableBufferPointer { wb in
              let u = ub.baseAddress!, x = xb.baseAddress!, g = gb.baseAddress!
              let du = db.baseAddress!, ws = wb.baseAddress!
              for r in 0..<n {
                let gl = dLogAbsDet[r]
                for j in transformed.indices {
                  let k = r * d + transformed[j]
                  let offset = r * width + starts[j]
                  g[k] = kernel.backward(x[k], dY: g[k], dLogAbsDet: gl, u + offset, workspace: ws, dU: du + offset)
                }
              }
            }
          }
        }
      }
    }
    conditioner.netOutputGradients[0] = grad
    conditioner.finishBackward(into: &inputGradient)
    return inputGradient
  }
}
