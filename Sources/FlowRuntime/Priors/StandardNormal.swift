import FlowRandom

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
  @_specialize(where T == Float)
  @_specialize(where T == Double)
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
  @_specialize(where T == Float)
  @_specialize(where T == Double)
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
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func sample(count: Int, temperature: Double, rng: inout Xoshiro256) -> Matrix<T> {
    var m = Matrix<T>(rows: count, cols: dimension)
    for k in m.storage.indices { m.storage[k] = T(temperature * rng.nextNormal()) }
    return m
  }
}
