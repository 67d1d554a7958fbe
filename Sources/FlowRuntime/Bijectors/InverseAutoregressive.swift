import FlowRandom

/// An inverse autoregressive flow layer (`iaf`).
public struct InverseAutoregressiveDescription: LayerDescription, Hashable {
  /// The order, MADE and transform.
  public var layout: AutoregressiveLayout

  /// A description with every field given.
  public init(_ layout: AutoregressiveLayout) { self.layout = layout }

  public func makeBijector<T: FlowScalar>(_: T.Type, dimension d: Int, rng: inout Xoshiro256) -> any Bijector<T> {
    precondition(layout.order.count == d, "IAF order has \(layout.order.count) entries for \(d) features")
    return InverseAutoregressive<T>(self, rng: &rng)
  }
}

/// Inverse autoregressive flow (Kingma, Salimans, Jozefowicz, Chen, Sutskever and
/// Welling, "Improved Variational Inference with Inverse Autoregressive Flow", NeurIPS
/// 2016): `MaskedAutoregressive`'s transform used the other way round, as nflows'
/// `InverseTransform` of an MAF layer. The MADE conditions on the latent:
/// - inverse (latent → data, sampling): x_i = y_i · m(s_i(y_<i)) + t_i(y_<i), one MADE pass;
/// - forward (data → latent, density): y_i = (x_i − t_i(y_<i)) / m(s_i(y_<i)), solved one
///   dimension per pass in the order, D MADE passes;
/// - log|det ∂y/∂x| = −Σ_i log m(s_i(y)).
///
/// Training by maximum likelihood goes through the D-pass forward, and its backward
/// differentiates the implicit equation x = A(y) (`AutoregressiveCore.backwardSolve`):
/// D passes to solve, D vector–Jacobian passes and one weight-gradient pass per step.
///
/// Parameters `net.k.weight` [out, in] and `net.k.bias` (the MADE); fixed buffers
/// `net.k.mask` [out, in] and `order` [D].
public final class InverseAutoregressive<T: FlowScalar>: Bijector {
  /// Element type.
  public typealias Scalar = T

  /// The configuration this layer was built from.
  public let description: InverseAutoregressiveDescription
  let core: AutoregressiveCore<T>
  /// Ignored: the layer behaves the same in training and evaluation.
  public var isTraining = true

  /// Builds the layer, drawing the MADE's weights from `rng`.
  public init(_ description: InverseAutoregressiveDescription, rng: inout Xoshiro256) {
    self.description = description
    core = AutoregressiveCore(description.layout, rng: &rng)
  }

  /// Number of features.
  public var dimension: Int { core.dimension }
  /// The MADE's weights and biases.
  public var parameters: [Parameter<T>] { core.parameters }
  /// Binds the MADE to the flow's context.
  public func bindContext(_ slot: ContextSlot<T>) { core.made.bindContext(slot) }
  /// The MADE's masks and the order (fixed).
  public var buffers: [Buffer<T>] { core.buffers }

  /// Data → latent: D MADE passes, one dimension each.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func forward(_ x: Matrix<T>) -> (y: Matrix<T>, logAbsDet: [T]) {
    core.solve(x, record: false)
    return (core.output, core.logDet)
  }

  /// Latent → data: one MADE pass.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func inverse(_ y: Matrix<T>) -> (x: Matrix<T>, logAbsDet: [T]) {
    core.oneWay(y)
    return (core.output, core.logDet)
  }

  /// As `forward`, keeping the latent for `backward`.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func forwardRecording(_ x: Matrix<T>) -> (y: Matrix<T>, logAbsDet: [T]) {
    core.solve(x, record: true)
    return (core.output, core.logDet)
  }

  /// dL/dx for the latest `forwardRecording` (the implicit backward); adds the MADE's gradients.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func backward(dY: Matrix<T>, dLogAbsDet: [T]) -> Matrix<T> {
    core.backwardSolve(dY: dY, dLogAbsDet: dLogAbsDet)
  }
}
