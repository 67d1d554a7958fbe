/// The affine transform of the autoregressive layers, over a batch: with θ_i = (s_i, t_i)
/// at columns 2i and 2i + 1 of the MADE's output (dimension-major, as nflows and zuko),
///
///     y_i = x_i · m(s_i) + t_i,   log τ′ = log m(s_i)
///
/// where m = exp(u) (log m = u) or sigmoid(u + 2) (log m = −softplus(−(u + 2))), and
/// u = c·tanh(s/c) with a clamp c, else u = s. The soft clamp bounds each log-scale to
/// (−c, c) so one bad batch cannot blow activations up (as `AffineCoupling`'s clamp).
struct AffineAutoregressiveKernels<T: FlowScalar> {
  /// sigmoid(u + 2) (Glow) instead of exp(u).
  let sigmoid: Bool
  /// The soft clamp c, if any.
  let clamp: T?

  /// m(s), log m(s) and their derivatives with respect to the raw s.
  @inlinable @inline(__always)
  func scale(_ s: T) -> (m: T, logM: T, dM: T, dLogM: T) {
    var u = s, du: T = 1
    if let c = clamp {
      let q = T.tanh(s / c)
      u = c * q
      du = 1 - q * q
    }
    if sigmoid {
      let m = T.sigmoid(u + 2)
      return (m, -T.softplus(-(u + 2)), m * (1 - m) * du, (1 - m) * du)
    }
    let m = T.exp(u)
    return (m, u, m * du, du)
  }

  /// y = x·m + t everywhere; logDet[r] = Σ_i log m_ri.
  func forward(_ x: Matrix<T>, _ theta: Matrix<T>, _ y: inout Matrix<T>, _ logDet: inout [T]) {
    let n = x.rows, d = x.cols
    y.resize(rows: n)
    prepare(&logDet, rows: n)
    x.storage.withUnsafeBufferPointer { xp in
      theta.storage.withUnsafeBufferPointer { tp in
        y.storage.withUnsafeMutableBufferPointer { yp in
          logDet.withUnsafeMutableBufferPointer { lp in
            for r in 0..<n {
              var ld: T = 0
              for i in 0..<d {
                let (m, logM, _, _) = scale(tp[r * 2 * d + 2 * i])
                yp[r * d + i] = xp[r * d + i] * m + tp[r * 2 * d + 2 * i + 1]
                ld += logM
              }
              lp[r] = ld
            }
          }
        }
      }
    }
  }

  /// x[:, i] = (y[:, i] − t_i) / m_i for one column.
  func inverseColumn(_ i: Int, _ y: Matrix<T>, _ theta: Matrix<T>, _ x: inout Matrix<T>) {
    let n = y.rows, d = y.cols
    y.storage.withUnsafeBufferPointer { yp in
      theta.storage.withUnsafeBufferPointer { tp in
        x.storage.withUnsafeMutableBufferPointer { xp in
          for r in 0..<n {
            let m = scale(tp[r * 2 * d + 2 * i]).m
            xp[r * d + i] = (yp[r * d + i] - tp[r * 2 * d + 2 * i + 1]) / m
          }
        }
      }
    }
  }

  /// logDet[r] = −Σ_i log m_ri (log m does not depend on x).
  func inverseLogDet(_ x: Matrix<T>, _ theta: Matrix<T>, _ logDet: inout [T]) {
    let n = x.rows, d = x.cols
    prepare(&logDet, rows: n)
    theta.storage.withUnsafeBufferPointer { tp in
      logDet.withUnsafeMutableBufferPointer { lp in
        for r in 0..<n {
          var ld: T = 0
          for i in 0..<d { ld += scale(tp[r * 2 * d + 2 * i]).logM }
          lp[r] = -ld
        }
      }
    }
  }

  /// ∂y/∂x = m at every entry.
  func derivative(_ x: Matrix<T>, _ theta: Matrix<T>, _ out: inout Matrix<T>) {
    let n = x.rows, d = x.cols
    out.resize(rows: n, cols: d)
    theta.storage.withUnsafeBufferPointer { tp in
      out.storage.withUnsafeMutableBufferPointer { op in
        for r in 0..<n { for i in 0..<d { op[r * d + i] = scale(tp[r * 2 * d + 2 * i]).m } }
      }
    }
  }

  /// x̄_i = ȳ_i·m (log m does not depend on x), s̄_i = ȳ_i·x_i·∂m/∂s + l̄·∂log m/∂s,
  /// t̄_i = ȳ_i.
  func vjp(_ x: Matrix<T>, _ theta: Matrix<T>, dY: Matrix<T>?, yScale: T, dLogDet: [T]?, ldScale: T,
           dX: UnsafeMutablePointer<T>?, dTheta: inout Matrix<T>) {
    let n = x.rows, d = x.cols
    dTheta.resize(rows: n, cols: 2 * d)
    let noDY = [T](), noDL = [T]()
    x.storage.withUnsafeBufferPointer { xp in
      theta.storage.withUnsafeBufferPointer { tp in
        (dY?.storage ?? noDY).withUnsafeBufferPointer { gp in
          (dLogDet ?? noDL).withUnsafeBufferPointer { lp in
            dTheta.storage.withUnsafeMutableBufferPointer { dp in
              for r in 0..<n {
                let dl = dLogDet == nil ? 0 : ldScale * lp[r]
                for i in 0..<d {
                  let (m, _, dM, dLogM) = scale(tp[r * 2 * d + 2 * i])
                  let g = dY == nil ? 0 : yScale * gp[r * d + i]
                  dp[r * 2 * d + 2 * i] = g * xp[r * d + i] * dM + dl * dLogM
                  dp[r * 2 * d + 2 * i + 1] = g
                  if let dX { dX[r * d + i] = g * m }
                }
              }
            }
          }
        }
      }
    }
  }
}
