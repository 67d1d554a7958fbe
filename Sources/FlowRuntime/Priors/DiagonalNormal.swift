import FlowRandom
import RealModule

/// A diagonal Gaussian N(loc, diag(exp(log_scale))²) with learnable `loc` and `log_scale`
/// (both starting at 0, i.e. N(0, I)).
///
/// log p(z) = Σᵢ −½((zᵢ − locᵢ)/σᵢ)² − log σᵢ − log √(2π), σᵢ = exp(log_scaleᵢ).
public final class DiagonalNormal<T: FlowScalar>: Prior {
  /// Element type.
  public typealias Scalar = T
  /// The mean, one per feature.
  public let loc: Parameter<T>
  /// The log standard deviation, one per feature.
  public let logScale: Parameter<T>
  /// Per-row log-density buffer.
  var logDensity: [T] = []
  /// dL/dz buffer returned by `backward`.
  var gradient: Matrix<T>

  /// N(0, I) on `dimension` features, learnable.
  public init(dimension: Int) {
    precondition(dimension > 0, "a prior needs at least one feature")
    loc = Parameter(name: "loc", shape: [dimension])
    logScale = Parameter(name: "log_scale", shape: [dimension])
    gradient = Matrix(rows: 0, cols: dimension)
  }

  /// Number of features.
  public var dimension: Int { loc.count }
  /// `loc`, `log_scale`.
  public var parameters: [Parameter<T>] { [loc, logScale] }

  /// The Gaussian log-density per row.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func logProb(_ z: Matrix<T>) -> [T] {
    precondition(z.cols == dimension, "prior expects \(dimension) features, got \(z.cols)")
    let n = z.rows, d = dimension
    prepare(&logDensity, rows: n)
    var constant = T(Double(d) * halfLogTwoPi)
    for i in 0..<d { constant += logScale.value[i] }
    z.storage.withUnsafeBufferPointer { zp in
      logDensity.withUnsafeMutableBufferPointer { lp in
        for r in 0..<n {
          var s: T = 0
          for i in 0..<d {
            let u = (zp[r * d + i] - loc.value[i]) * T.exp(-logScale.value[i])
            s += u * u
          }
          lp[r] = -s / 2 - constant
        }
      }
    }
    return logDensity
  }

  /// dL/dz = −(z − loc)/σ²·g; dL/d(loc) = Σ (z − loc)/σ²·g; dL/d(log_scale) = Σ (u² − 1)·g.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func backward(_ z: Matrix<T>, dLogProb: [T]) -> Matrix<T> {
    let n = z.rows, d = dimension
    gradient.resize(rows: n)
    z.storage.withUnsafeBufferPointer { zp in
      gradient.storage.withUnsafeMutableBufferPointer { gp in
        for i in 0..<d {
          let inv = T.exp(-logScale.value[i])
          var dLoc: T = 0, dLogScale: T = 0
          for r in 0..<n {
            let u = (zp[r * d + i] - loc.value[i]) * inv
            let g = dLogProb[r]
            gp[r * d + i] = -u * inv * g
            dLoc += u * inv * g
            dLogScale += (u * u - 1) * g
          }
          loc.gradient[i] += dLoc
          logScale.gradient[i] += dLogScale
        }
      }
    }
    return gradient
  }

  /// loc + T·σ·ε with ε ~ N(0, I).
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func sample(count: Int, temperature: Double, rng: inout Xoshiro256) -> Matrix<T> {
    var m = Matrix<T>(rows: count, cols: dimension)
    let d = dimension
    for r in 0..<count {
      for i in 0..<d {
        let sd = Double.exp(Double(logScale.value[i]))
        m[r, i] = T(Double(loc.value[i]) + temperature * sd * rng.nextNormal())
      }
    }
    return m
  }
}
