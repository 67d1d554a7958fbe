import FlowRandom

/// A masked autoregressive flow layer (`maf`).
public struct MaskedAutoregressiveDescription: LayerDescription, Hashable {
  /// The order, MADE and transform.
  public var layout: AutoregressiveLayout

  /// A description with every field given.
  public init(_ layout: AutoregressiveLayout) { self.layout = layout }

  public func makeBijector<T: FlowScalar>(_: T.Type, dimension d: Int, rng: inout Xoshiro256) -> any Bijector<T> {
    precondition(layout.order.count == d, "MAF order has \(layout.order.count) entries for \(d) features")
    return MaskedAutoregressive<T>(self, rng: &rng)
  }
}

/// Masked autoregressive flow (Papamakarios, Pavlakou and Murray, "Masked Autoregressive
/// Flow for Density Estimation", NeurIPS 2017), with the MADE of Germain et al. 2015.
///
/// With θ_i = MADE(x)_i depending only on the dimensions before i in the order, and the
/// affine transform θ_i = (s_i, t_i):
/// - forward (data → latent, density): y_i = x_i · m(s_i(x_<i)) + t_i(x_<i), one MADE pass;
/// - inverse (latent → data, sampling): x_i = (y_i − t_i(x_<i)) / m(s_i(x_<i)), solved one
///   dimension per pass in the order, D MADE passes;
/// - log|det ∂y/∂x| = Σ_i log m(s_i) (the Jacobian is triangular in the order).
///
/// m = exp(s) or sigmoid(s + 2), optionally after a soft clamp, as `AffineCoupling`.
/// nflows' `MaskedAffineAutoregressiveTransform` computes the same forward (with
/// sigmoid(s + 2) + 1e-3 as its scale). Training runs the one-pass forward.
///
/// Parameters `net.k.weight` [out, in] and `net.k.bias` (the MADE); fixed buffers
/// `net.k.mask` [out, in] and `order` [D].
public final class MaskedAutoregressive<T: FlowScalar>: Bijector {
  /// Element type.
  public typealias Scalar = T

  /// The configuration this layer was built from.
  public let description: MaskedAutoregressiveDescription
  let core: AutoregressiveCore<T>
  /// Ignored: the layer behaves the same in training and evaluation.
  public var isTraining = true

  /// Builds the layer, drawing the MADE's weights from `rng`.
  public init(_ description: MaskedAutoregressiveDescription, rng: inout Xoshiro256) {
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

  /// Data → latent: one MADE pass.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func forward(_ x: Matrix<T>) -> (y: Matrix<T>, logAbsDet: [T]) {
    core.oneWay(x)
    return (core.output, core.logDet)
  }

  /// Latent → data: D MADE passes, one dimension each.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func inverse(_ y: Matrix<T>) -> (x: Matrix<T>, logAbsDet: [T]) {
    core.solve(y, record: false)
    return (core.output, core.logDet)
  }

  /// As `forward`; the MADE keeps its input and activations for `backward`.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func forwardRecording(_ x: Matrix<T>) -> (y: Matrix<T>, logAbsDet: [T]) {
    core.oneWay(x)
    return (core.output, core.logDet)
  }

  /// dL/dx for the latest `forwardRecording`; adds the MADE's gradients.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func backward(dY: Matrix<T>, dLogAbsDet: [T]) -> Matrix<T> {
    core.backwardOneWay(dY: dY, dLogAbsDet: dLogAbsDet)
  }
}
