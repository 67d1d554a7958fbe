import FlowRandom

/// The standard logistic distribution per feature, NICE's prior (Dinh et al., 2015,
/// section 3.4): heavier tails than the normal give larger gradients to outliers.
///
/// log p(z) = Σᵢ −softplus(zᵢ) − softplus(−zᵢ)   (= log σ(z) + log(1 − σ(z)))
public final class StandardLogistic<T: FlowScalar>: Prior {
  /// Element type.
  public typealias Scalar = T
  /// Number of features.
  public let dimension: Int
  /// Per-row log-density buffer.
  var logDensity: [T] = []
  /// dL/dz buffer returned by `backward`.
  var gradient: Matrix<T>

  /// The standard logistic on `dimension` features.
  public init(dimension: Int) {
    precondition(dimension > 0, "a prior needs at least one feature")
    self.dimension = dimension
    gradient = Matrix(rows: 0, cols: dimension)
  }

  /// None.
  public var parameters: [Parameter<T>] { [] }

  /// Σ −softplus(z) − softplus(−z) per row, finite for any finite z.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func logProb(_ z: Matrix<T>) -> [T] {
    precondition(z.cols == dimension, "prior expects \(dimension) features, got \(z.cols)")
    let n = z.rows, d = dimension
    prepare(&logDensity, rows: n)
    z.storage.withUnsafeBufferPointer { zp in
      logDensity.withUnsafeMutableBufferPointer { lp in
        for r in 0..<n {
          var s: T = 0
          for i in 0..<d { let v = zp[r * d + i]; s -= T.softplus(v) + T.softplus(-v) }
          lp[r] = s
        }
      }
    }
    return logDensity
  }

  /// d/dz log p = 1 − 2σ(z).
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func backward(_ z: Matrix<T>, dLogProb: [T]) -> Matrix<T> {
    let n = z.rows, d = dimension
    gradient.resize(rows: n)
    z.storage.withUnsafeBufferPointer { zp in
      gradient.storage.withUnsafeMutableBufferPointer { gp in
        for r in 0..<n { for i in 0..<d { gp[r * d + i] = (1 - 2 * T.sigmoid(zp[r * d + i])) * dLogProb[r] } }
      }
    }
    return gradient
  }

  /// T·ε with ε standard logistic (the temperature scales the logistic's scale).
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func sample(count: Int, temperature: Double, rng: inout Xoshiro256) -> Matrix<T> {
    var m = Matrix<T>(rows: count, cols: dimension)
    for k in m.storage.indices { m.storage[k] = T(temperature * rng.nextLogistic()) }
    return m
  }
}
