import FlowRandom

/// NICE's additive coupling: y_T = x_T + shift(x_K), y_K = x_K.
public struct AdditiveCouplingDescription: LayerDescription, Hashable {
  /// keep[i] == true: feature i is kept; false: it is transformed.
  public var keep: [Bool]
  /// Conditioner input/output layout.
  public var io: ConditionerIO
  /// The shift network (an MLP, a ConvNet: any `NetworkDescription`).
  public var net: any NetworkDescription

  /// A coupling description with every field given.
  public init(keep: [Bool], io: ConditionerIO, net: any NetworkDescription) {
    self.keep = keep
    self.io = io
    self.net = net
  }

  /// Equal masks, layouts and networks.
  public static func == (a: Self, b: Self) -> Bool { a.keep == b.keep && a.io == b.io && a.net.isEqual(to: b.net) }

  /// The mask, layout and network.
  public func hash(into hasher: inout Hasher) {
    hasher.combine(keep)
    hasher.combine(io)
    net.hash(into: &hasher)
  }

  public func makeBijector<T: FlowScalar>(_: T.Type, dimension d: Int, rng: inout Xoshiro256) -> any Bijector<T> {
    precondition(keep.count == d, "mask has \(keep.count) entries for \(d) features")
    return AdditiveCoupling<T>(self, rng: &rng)
  }
}

/// NICE's additive coupling layer (Dinh, Krueger and Bengio, "NICE: Non-linear Independent
/// Components Estimation", ICLR 2015 workshop).
///
/// With K the kept features (keep[i] == true) and T the transformed ones:
/// - forward:  y_K = x_K,  y_T = x_T + shift(x_K)
/// - inverse:  x_K = y_K,  x_T = y_T − shift(y_K)
/// - log|det ∂y/∂x| = 0   (volume preserving; NICE pairs it with `DiagonalScaling`)
///
/// Parameters: `shift_net.*`; the network's buffers under the same prefix.
public final class AdditiveCoupling<T: FlowScalar>: Bijector {
  /// Element type.
  public typealias Scalar = T

  /// The configuration this layer was built from.
  public let description: AdditiveCouplingDescription
  /// Masks, the shift network and its workspaces.
  let conditioner: CouplingConditioner<T>

  /// Training mode, forwarded to the shift network.
  public var isTraining: Bool {
    get { conditioner.isTraining }
    set { conditioner.isTraining = newValue }
  }

  /// Output buffer of the latest pass, reused while the batch size stays the same.
  var output: Matrix<T>
  /// Per-row log|det| buffer of the latest pass.
  var logDet: [T] = []
  /// Batch size of the latest recording.
  var recordedRows = 0
  /// dL/dx buffer returned by `backward`.
  var inputGradient: Matrix<T>

  /// Builds the layer, drawing network weights from `rng`.
  public init(_ description: AdditiveCouplingDescription, rng: inout Xoshiro256) {
    self.description = description
    conditioner = CouplingConditioner(
      keep: description.keep, io: description.io, netDescriptions: [(description.net, "shift_net.")],
      headNets: [0], rng: &rng)
    output = Matrix(rows: 0, cols: description.keep.count)
    inputGradient = Matrix(rows: 0, cols: description.keep.count)
  }

  /// Number of features.
  public var dimension: Int { conditioner.dimension }
  /// The shift network's weights and biases.
  public var parameters: [Parameter<T>] { conditioner.parameters }
  /// Binds the conditioner networks to the flow's context.
  public func bindContext(_ slot: ContextSlot<T>) { for net in conditioner.nets { net.bindContext(slot) } }
  /// The shift network's buffers.
  public var buffers: [Buffer<T>] { conditioner.buffers }

  /// Data → latent.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func forward(_ x: Matrix<T>) -> (y: Matrix<T>, logAbsDet: [T]) {
    run(x, sign: 1, record: false)
    return (output, logDet)
  }

  /// Latent → data.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func inverse(_ y: Matrix<T>) -> (x: Matrix<T>, logAbsDet: [T]) {
    run(y, sign: -1, record: false)
    return (output, logDet)
  }

  /// Data → latent; the conditioner keeps its activations for `backward`.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func forwardRecording(_ x: Matrix<T>) -> (y: Matrix<T>, logAbsDet: [T]) {
    run(x, sign: 1, record: true)
    recordedRows = x.rows
    return (output, logDet)
  }

  /// Adds sign·shift(x_K) to the transformed features.
  func run(_ x: Matrix<T>, sign: T, record: Bool) {
    precondition(x.cols == dimension, "coupling expects \(dimension) features, got \(x.cols)")
    let n = x.rows, d = dimension
    conditioner.evaluate(x, record: record)
    prepare(&output, rows: n)
    prepare(&logDet, rows: n)
    fill(&logDet, 0)
    let net = conditioner.nets[0]
    let cols = conditioner.headColumns[0], w = net.outputCount
    let transformed = conditioner.transformed
    output.assign(x)
    net.output.storage.withUnsafeBufferPointer { tb in
      output.storage.withUnsafeMutableBufferPointer { yb in
        for r in 0..<n {
          for j in 0..<transformed.count { yb[r * d + transformed[j]] += sign * tb[r * w + cols[j]] }
        }
      }
    }
  }

  /// dL/dx for the latest `forwardRecording`: dY itself plus the path through the shift net.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func backward(dY: Matrix<T>, dLogAbsDet: [T]) -> Matrix<T> {
    let n = recordedRows, d = dimension
    precondition(dY.rows == n && dY.cols == d, "coupling backward: shape mismatch")
    inputGradient.assign(dY)
    conditioner.beginBackward(rows: n)
    let cols = conditioner.headColumns[0], w = conditioner.outputWidth(0)
    let transformed = conditioner.transformed
    var grad = conditioner.netOutputGradients[0]
    conditioner.netOutputGradients[0] = Matrix(rows: 0, cols: 0)
    dY.storage.withUnsafeBufferPointer { gb in
      grad.storage.withUnsafeMutableBufferPointer { db in
        for r in 0..<n {
          for j in 0..<transformed.count { db[r * w + cols[j]] += gb[r * d + transformed[j]] }
        }
      }
    }
    conditioner.netOutputGradients[0] = grad
    conditioner.finishBackward(into: &inputGradient)
    return inputGradient
  }
}
