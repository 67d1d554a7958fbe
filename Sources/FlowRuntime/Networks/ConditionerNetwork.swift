/// A network that maps flat rows to flat rows and can be trained by back-propagation: the
/// conditioner of a coupling (its scale and shift) or of a learned prior (`FactorOut`).
///
/// Rows are samples, as everywhere in FlowRuntime: `forward` takes an n × `inputCount`
/// matrix and returns n × `outputCount`. An image network reads each row as a [C, H, W]
/// image flattened in CHW order (index c·H·W + h·W + w) and writes its output the same way.
///
/// The contract mirrors `Bijector`'s: `forwardRecording` keeps what `backward` needs (and is
/// where state changes happen in training mode, such as an ActNorm's first-batch
/// initialisation), `backward` follows it with no other call in between, adds the parameter
/// gradients into `parameters[k].gradient` and returns dL/dx. Returned matrices share
/// storage with buffers the network reuses on its next call; a caller must not hold on to
/// them across calls (that would make the network copy instead of reuse).
///
/// A network of a generic class is called through `any ConditionerNetwork<T>`, so each
/// conforming class marks its three passes `@_specialize(where T == Float/Double)` (see
/// `Composed` for why).
public protocol ConditionerNetwork<Scalar>: AnyObject {
  /// Element type.
  associatedtype Scalar: FlowScalar

  /// Width of an input row.
  var inputCount: Int { get }
  /// Width of an output row.
  var outputCount: Int { get }
  /// Trainable tensors, with the names given at construction (`net.0.weight`).
  var parameters: [Parameter<Scalar>] { get }
  /// Non-trainable named state (an ActNorm's `initialized` flag).
  var buffers: [Buffer<Scalar>] { get }
  /// Training mode: `forwardRecording` may initialise data-dependent state.
  var isTraining: Bool { get set }
  /// The output of the latest pass, n × `outputCount`.
  var output: Matrix<Scalar> { get }

  /// Runs the network on `x` (n × `inputCount`); never changes parameters or state.
  @discardableResult
  func forward(_ x: Matrix<Scalar>) -> Matrix<Scalar>

  /// Like `forward`, keeping what `backward` needs; in training mode this is where
  /// data-dependent initialisation happens.
  @discardableResult
  func forwardRecording(_ x: Matrix<Scalar>) -> Matrix<Scalar>

  /// Given dL/d(output) of the latest `forwardRecording`, adds the parameter gradients and
  /// returns dL/dx (n × `inputCount`).
  @discardableResult
  func backward(_ dY: Matrix<Scalar>) -> Matrix<Scalar>

  /// Connects the network to its flow's context (a no-op for a network that reads none).
  func bindContext(_ slot: ContextSlot<Scalar>)
}

extension ConditionerNetwork {
  /// An unconditional network reads no context.
  public func bindContext(_ slot: ContextSlot<Scalar>) {}
}
