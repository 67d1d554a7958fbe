import FlowRandom
import RealModule

/// A class-conditional diagonal Gaussian: N(μ(c), diag(σ(c))²) with
///
///     μ(c) = c·W_locᵀ + b_loc,   log σ(c) = c·W_scaleᵀ + b_scale
///
/// linear in the flow's encoded context c (for a one-hot class: a mean and a log-std per
/// class and feature). Every tensor starts at 0, so the prior starts as N(0, I).
/// Parameters `loc.weight` [D, C], `loc.bias` [D], `log_scale.weight` [D, C],
/// `log_scale.bias` [D] (PyTorch `nn.Linear` layout).
///
/// log p(z | c) = Σᵢ −½ uᵢ² − log σᵢ − log √(2π), uᵢ = (zᵢ − μᵢ)/σᵢ.
public final class ConditionalDiagonalNormal<T: FlowScalar>: Prior {
  /// Element type.
  public typealias Scalar = T
  public let locWeight: Parameter<T>
  public let locBias: Parameter<T>
  public let logScaleWeight: Parameter<T>
  public let logScaleBias: Parameter<T>
  /// The flow's context, bound after the prior is built.
  var slot: ContextSlot<T>?
  /// μ and log σ of the latest batch, [n, D].
  var mean: Matrix<T>
  var logStd: Matrix<T>
  /// dL/dμ and dL/d(log σ) of the latest backward, [n, D].
  var dMean: Matrix<T>
  var dLogStd: Matrix<T>
  var logDensity: [T] = []
  var gradient: Matrix<T>

  /// N(0, I) on `dimension` features, conditioned on `contextWidth` context values.
  public init(dimension d: Int, contextWidth c: Int) {
    precondition(d > 0 && c > 0, "a conditional prior needs features and a context")
    locWeight = Parameter(name: "loc.weight", shape: [d, c])
    locBias = Parameter(name: "loc.bias", shape: [d])
    logScaleWeight = Parameter(name: "log_scale.weight", shape: [d, c])
    logScaleBias = Parameter(name: "log_scale.bias", shape: [d])
    mean = Matrix(rows: 0, cols: d)
    logStd = mean
    dMean = mean
    dLogStd = mean
    gradient = mean
  }

  public var dimension: Int { locBias.count }
  var contextWidth: Int { locWeight.shape[1] }
  public var parameters: [Parameter<T>] { [locWeight, locBias, logScaleWeight, logScaleBias] }

  public func bindContext(_ slot: ContextSlot<T>) { self.slot = slot }

  /// μ and log σ for the slot's `n` context rows.
  func project(rows n: Int) {
    guard let slot else { preconditionFailure("a conditional prior was used before the flow bound its context") }
    precondition(slot.value.rows == n, "context has \(slot.value.rows) rows, expected \(n)")
    let d = dimension, k = contextWidth
    for (out, w, b) in [(0, locWeight, locBias), (1, logScaleWeight, logScaleBias)] {
      var m = out == 0 ? mean : logStd
      if out == 0 { mean = Matrix(rows: 0, cols: 0) } else { logStd = Matrix(rows: 0, cols: 0) }
      m.resize(rows: n, cols: d)
      m.storage.withUnsafeMutableBufferPointer { mp in
        b.value.withUnsafeBufferPointer { bp in
          for r in 0..<n { (mp.baseAddress! + r * d).update(from: bp.baseAddress!, count: d) }
        }
        slot.value.storage.withUnsafeBufferPointer { cp in
          w.value.withUnsafeBufferPointer { wp in
            T.gemm(transA: false, transB: true, m: n, n: d, k: k, alpha: 1, a: cp.baseAddress!, lda: k,
                   b: wp.baseAddress!, ldb: k, beta: 1, c: mp.baseAddress!, ldc: d)
          }
        }
      }
      if out == 0 { mean = m } else { logStd = m }
    }
  }

  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func logProb(_ z: Matrix<T>) -> [T] {
    precondition(z.cols == dimension, "prior expects \(dimension) features, got \(z.cols)")
    let n = z.rows, d = dimension
    project(rows: n)
    prepare(&logDensity, rows: n)
    let constant = T(Double(d) * halfLogTwoPi)
    z.storage.withUnsafeBufferPointer { zp in
      mean.storage.withUnsafeBufferPointer { mp in
        logStd.storage.withUnsafeBufferPointer { sp in
          for r in 0..<n {
            var s: T = 0, logs: T = 0
            for i in 0..<d {
              let k = r * d + i
              let u = (zp[k] - mp[k]) * T.exp(-sp[k])
              s += u * u
              logs += sp[k]
            }
            logDensity[r] = -s / 2 - logs - constant
          }
        }
      }
    }
    return logDensity
  }

  /// dL/dz = −u/σ·g, dL/dμ = u/σ·g, dL/d(log σ) = (u² − 1)·g per entry; then the linear
  /// maps' gradients and, when the slot tracks it, dL/dc.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func backward(_ z: Matrix<T>, dLogProb: [T]) -> Matrix<T> {
    let n = z.rows, d = dimension, k = contextWidth
    project(rows: n)
    gradient.resize(rows: n)
    dMean.resize(rows: n)
    dLogStd.resize(rows: n)
    z.storage.withUnsafeBufferPointer { zp in
      mean.storage.withUnsafeBufferPointer { mp in
        logStd.storage.withUnsafeBufferPointer { sp in
          gradient.storage.withUnsafeMutableBufferPointer { gp in
            dMean.storage.withUnsafeMutableBufferPointer { dm in
              dLogStd.storage.withUnsafeMutableBufferPointer { ds in
                for r in 0..<n {
                  let g = dLogProb[r]
                  for i in 0..<d {
                    let e = r * d + i
                    let inv = T.exp(-sp[e])
                    let u = (zp[e] - mp[e]) * inv
                    gp[e] = -u * inv * g
                    dm[e] = u * inv * g
                    ds[e] = (u * u - 1) * g
                  }
                }
              }
            }
          }
        }
      }
    }
    let slot = self.slot!
    for (grad, w, b) in [(dMean, locWeight, locBias), (dLogStd, logScaleWeight, logScaleBias)] {
      grad.storage.withUnsafeBufferPointer { gp in
        slot.value.storage.withUnsafeBufferPointer { cp in
          w.gradient.withUnsafeMutableBufferPointer { dw in
            T.gemm(transA: true, transB: false, m: d, n: k, k: n, alpha: 1, a: gp.baseAddress!, lda: d,
                   b: cp.baseAddress!, ldb: k, beta: 1, c: dw.baseAddress!, ldc: k)
          }
        }
        b.gradient.withUnsafeMutableBufferPointer { db in
          for r in 0..<n { for i in 0..<d { db[i] += gp[r * d + i] } }
        }
        guard slot.tracksGradient else { return }
        w.value.withUnsafeBufferPointer { wp in
          slot.gradient.storage.withUnsafeMutableBufferPointer { dc in
            T.gemm(transA: false, transB: false, m: n, n: k, k: d, alpha: 1, a: gp.baseAddress!, lda: d,
                   b: wp.baseAddress!, ldb: k, beta: 1, c: dc.baseAddress!, ldc: k)
          }
        }
      }
    }
    return gradient
  }

  /// μ(c) + T·σ(c)·ε with ε ~ N(0, I), one row per context row (`count` of them).
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func sample(count: Int, temperature: Double, rng: inout Xoshiro256) -> Matrix<T> {
    project(rows: count)
    var m = Matrix<T>(rows: count, cols: dimension)
    let d = dimension
    for r in 0..<count {
      for i in 0..<d {
        let sd = Double.exp(Double(logStd[r, i]))
        m[r, i] = T(Double(mean[r, i]) + temperature * sd * rng.nextNormal())
      }
    }
    return m
  }
}
