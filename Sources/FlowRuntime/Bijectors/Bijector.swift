import FlowRandom
/// An invertible map between data space and latent space with a tractable log-Jacobian.
///
/// `forward` goes data → latent (the density direction): log p(x) = log p_prior(y) +
/// logAbsDet. `inverse` goes latent → data (the sampling direction) and returns the
/// log|det| of the inverse map, i.e. the negation of the forward value at the same point.
///
/// Matrices hold one sample per row. Returned matrices and vectors may share storage with
/// buffers the layer reuses on its next call; copy-on-write keeps them correct, but a
/// caller that holds on to them across calls makes the layer copy instead of reuse.
///
/// Training runs `forwardRecording` and then `backward` on the same layer with no other
/// call in between: the recording keeps the inputs and intermediates that `backward` needs.
public protocol Bijector<Scalar>: AnyObject {
  /// Element type.
  associatedtype Scalar: FlowScalar

  /// Number of features D of its input and output.
  var dimension: Int { get }

  /// Trainable tensors, with names local to this layer (`scale_net.0.weight`).
  var parameters: [Parameter<Scalar>] { get }

  /// Non-trainable named state (running statistics, init flags, fixed matrices).
  var buffers: [Buffer<Scalar>] { get }

  /// Whether the layer is in training mode (batch statistics, data-dependent init).
  /// Only BatchNorm and ActNorm look at it; Composed forwards it to its layers.
  var isTraining: Bool { get set }

  /// Data → latent: y = f(x) and log|det ∂f/∂x| per row. Never changes parameters or state.
  func forward(_ x: Matrix<Scalar>) -> (y: Matrix<Scalar>, logAbsDet: [Scalar])

  /// Latent → data: x = f⁻¹(y) and log|det ∂f⁻¹/∂y| per row.
  func inverse(_ y: Matrix<Scalar>) -> (x: Matrix<Scalar>, logAbsDet: [Scalar])

  /// Like `forward`, also keeping what `backward` needs. In training mode this is where
  /// state changes happen (ActNorm's first-batch initialisation, BatchNorm's running averages).
  func forwardRecording(_ x: Matrix<Scalar>) -> (y: Matrix<Scalar>, logAbsDet: [Scalar])

  /// Given dL/dy and dL/d(logAbsDet) for the latest `forwardRecording`, adds the parameter
  /// gradients into `parameters[k].gradient` and returns dL/dx.
  func backward(dY: Matrix<Scalar>, dLogAbsDet: [Scalar]) -> Matrix<Scalar>

  /// Read/write handles on every parameter and buffer, names prefixed by `prefix`
  /// (a default implementation covers layers without sub-layers).
  func stateSlots(prefix: String) -> [StateSlot<Scalar>]

  /// Every parameter with its full name, `prefix` + local name.
  func namedParameters(prefix: String) -> [(name: String, parameter: Parameter<Scalar>)]

  /// Connects the layer's networks to its flow's context (a no-op for a layer that reads
  /// none; see `ContextSlot`).
  func bindContext(_ slot: ContextSlot<Scalar>)
}

extension Bijector {
  /// A layer without networks reads no context.
  public func bindContext(_ slot: ContextSlot<Scalar>) {}

  /// No buffers unless a layer declares some.
  public var buffers: [Buffer<Scalar>] { [] }

  /// Total number of trainable scalars.
  public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

  /// Sets every parameter gradient to zero.
  public func zeroGradients() { for p in parameters { p.zeroGradient() } }

  /// Parameters then buffers, each named `prefix` + its local name.
  public func stateSlots(prefix: String) -> [StateSlot<Scalar>] {
    parameters.map { StateSlot(prefix: prefix, parameter: $0) } + buffers.map { StateSlot(prefix: prefix, buffer: $0) }
  }

  /// Parameters named `prefix` + their local name.
  public func namedParameters(prefix: String) -> [(name: String, parameter: Parameter<Scalar>)] {
    parameters.map { (prefix + $0.name, $0) }
  }
}

// MARK: - Shared kernels

/// Resizes `m` to `rows` × its columns and returns it unique, for a layer's output buffer.
@inlinable @inline(__always)
func prepare<T>(_ m: inout Matrix<T>, rows: Int) { m.resize(rows: rows) }

/// Resizes a per-row vector to `rows` entries, reallocating only when the count changes.
@inlinable @inline(__always)
func prepare<T: FlowScalar>(_ v: inout [T], rows: Int) {
  if v.count != rows { v = [T](repeating: 0, count: rows) }
}

/// The sum of `v`'s elements, in index order (a pointer loop: iterating an array with
/// `for … in` runs through its `Collection` witness, which in an unoptimised build
/// allocates on every element).
@inlinable @inline(__always)
func sum<T: FlowScalar>(_ v: [T]) -> T {
  v.withUnsafeBufferPointer { p in
    var s: T = 0
    for i in 0..<p.count { s += p[i] }
    return s
  }
}

/// Fills `v` with `value`, in place.
@inlinable @inline(__always)
func fill<T: FlowScalar>(_ v: inout [T], _ value: T) {
  v.withUnsafeMutableBufferPointer { $0.update(repeating: value) }
}

/// Resizes a per-row vector to `rows` entries and fills it with `value`.
@inlinable @inline(__always)
func fill<T: FlowScalar>(resized v: inout [T], rows: Int, _ value: T) {
  prepare(&v, rows: rows)
  fill(&v, value)
}
