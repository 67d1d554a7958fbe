import FlowRandom

/// The base distribution p_prior of a flow's latent, with its density's gradient and a
/// sampler.
///
/// Sampling takes a temperature T that scales the distribution's spread (the normal's
/// standard deviation, the logistic's scale), as in Glow (section 5): T < 1 trades
/// diversity for typicality. `flowc sample --temperature` means exactly this
/// (PEERS.md item 14); the log-density itself is always that of T = 1.
public protocol Prior<Scalar>: AnyObject {
  /// Element type.
  associatedtype Scalar: FlowScalar

  /// Number of features D.
  var dimension: Int { get }

  /// Trainable tensors, names local to the prior (`loc`, `log_scale`).
  var parameters: [Parameter<Scalar>] { get }

  /// log p(z) per row.
  func logProb(_ z: Matrix<Scalar>) -> [Scalar]

  /// Given dL/d(log p(z)) per row, adds the parameter gradients and returns dL/dz.
  func backward(_ z: Matrix<Scalar>, dLogProb: [Scalar]) -> Matrix<Scalar>

  /// `count` draws at the given temperature.
  func sample(count: Int, temperature: Double, rng: inout Xoshiro256) -> Matrix<Scalar>

  /// Connects a conditional prior to its flow's context (a no-op for the others).
  func bindContext(_ slot: ContextSlot<Scalar>)
}

extension Prior {
  /// An unconditional prior reads no context.
  public func bindContext(_ slot: ContextSlot<Scalar>) {}
}

/// log √(2π), the per-feature normalising constant of a standard normal.
@usableFromInline let halfLogTwoPi = 0.918_938_533_204_672_7
