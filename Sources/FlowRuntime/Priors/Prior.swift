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
}

/// log √(2π), the per-feature normalising constant of a standard normal.
@usableFromInline let halfLogTwoPi = 0.918_938_533_204_672_7

/// The standard normal N(0, I): log p(z) = −½‖z‖² − (D/2)·log 2π.
public final class StandardNormal<T: FlowScalar>: Prior {
  /// Element type.
  public typealias Scalar = T
  /// Number of features.
  public let dimension: Int
  /// Per-row log-density buffer.
  var logDensity: [T] = []
  /// dL/dz buffer returned by `backward`.
  var gradient: Matrix<T>

  /// N(0, I) on `dimension` features.
  public init(dimension: Int) {
    precondition(dimension > 0, "a prior needs at least one feature")
    self.dimension = dimension
    gradient = Matrix(rows: 0, cols: dimension)
  }

  /// None.
  public var parameters: [Parameter<T>] { [] }

  /// −½‖z‖² − D·log √(2π) per row.
  public func logProb(_ z: Matrix<T>) -> [T] {
    precondition(z.cols == dimension, "prior expects \(dimension) features, got \(z.cols)")
    let n = z.rows, d = dimension, c = T(Double(d) * halfLogTwoPi)
    prepare(&logDensity, rows: n)
    z.storage.withUnsafeBufferPointer { zp in
      logDensity.withUnsafeMutableBufferPointer { lp in
        for r in 0..<n {
          var s: T = 0
          for i in 0..<d { let v = zp[r * d + i]; s += v * v }
          lp[r] = -s / 2 - c
        }
      }
    }
    return logDensity
  }

  /// dL/dz = −z·dL/d(log p).
  public func backward(_ z: Matrix<T>, dLogProb: [T]) -> Matrix<T> {
    let n = z.rows, d = dimension
    gradient.resize(rows: n)
    z.storage.withUnsafeBufferPointer { zp in
      gradient.storage.withUnsafeMutableBufferPointer { gp in
        for r in 0..<n { for i in 0..<d { gp[r * d + i] = -zp[r * d + i] * dLogProb[r] } }
      }
    }
    return gradient
  }

  /// T·ε with ε ~ N(0, I).
  public func sample(count: Int, temperature: Double, rng: inout Xoshiro256) -> Matrix<T> {
    var m = Matrix<T>(rows: count, cols: dimension)
    for k in m.storage.indices { m.storage[k] = T(temperature * rng.nextNormal()) }
    return m
  }
}
