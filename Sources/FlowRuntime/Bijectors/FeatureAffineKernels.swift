import FlowRandom
import RealModule

// Kernels for the per-feature affine map y = (x + b)·exp(s) shared by `DiagonalScaling`
// (no b) and `ActNorm`. The caller passes a D-sized scratch vector, so that a training
// step allocates nothing; exp(s) is computed once per feature, not once per element.

/// y = (x + b)·exp(s) row by row; log|det| = Σ s for every row.
@inlinable
func scaleRows<T: FlowScalar>(
  _ x: Matrix<T>, bias: Parameter<T>?, logScale: Parameter<T>, scratch: inout [T],
  output: inout Matrix<T>, logDet: inout [T]
) {
  let n = x.rows, d = x.cols
  precondition(d == logScale.count, "expected \(logScale.count) features, got \(d)")
  output.resize(rows: n)
  prepare(&logDet, rows: n)
  var total: T = 0
  for i in 0..<d {
    total += logScale.value[i]
    scratch[i] = T.exp(logScale.value[i])
  }
  fill(&logDet, total)
  x.storage.withUnsafeBufferPointer { xp in
    output.storage.withUnsafeMutableBufferPointer { yp in
      scratch.withUnsafeBufferPointer { sp in
        if let bias {
          bias.value.withUnsafeBufferPointer { bp in
            for r in 0..<n { for i in 0..<d { yp[r * d + i] = (xp[r * d + i] + bp[i]) * sp[i] } }
          }
        } else {
          for r in 0..<n { for i in 0..<d { yp[r * d + i] = xp[r * d + i] * sp[i] } }
        }
      }
    }
  }
}

/// x = y·exp(−s) − b row by row; log|det| = −Σ s for every row.
@inlinable
func unscaleRows<T: FlowScalar>(
  _ y: Matrix<T>, bias: Parameter<T>?, logScale: Parameter<T>, scratch: inout [T],
  output: inout Matrix<T>, logDet: inout [T]
) {
  let n = y.rows, d = y.cols
  precondition(d == logScale.count, "expected \(logScale.count) features, got \(d)")
  output.resize(rows: n)
  prepare(&logDet, rows: n)
  var total: T = 0
  for i in 0..<d {
    total += logScale.value[i]
    scratch[i] = T.exp(-logScale.value[i])
  }
  fill(&logDet, -total)
  y.storage.withUnsafeBufferPointer { yp in
    output.storage.withUnsafeMutableBufferPointer { xp in
      scratch.withUnsafeBufferPointer { sp in
        if let bias {
          bias.value.withUnsafeBufferPointer { bp in
            for r in 0..<n { for i in 0..<d { xp[r * d + i] = yp[r * d + i] * sp[i] - bp[i] } }
          }
        } else {
          for r in 0..<n { for i in 0..<d { xp[r * d + i] = yp[r * d + i] * sp[i] } }
        }
      }
    }
  }
}

/// Backward of `scaleRows`: dx = dy·exp(s); ds += Σ_rows dy·(x + b)·exp(s) + Σ dLogAbsDet;
/// db += Σ_rows dy·exp(s).
@inlinable
func scaleRowsBackward<T: FlowScalar>(
  dY: Matrix<T>, dLogAbsDet: [T], input: Matrix<T>, bias: Parameter<T>?, logScale: Parameter<T>,
  scratch: inout [T], inputGradient: inout Matrix<T>
) {
  let n = input.rows, d = input.cols
  precondition(dY.rows == n && dY.cols == d && dLogAbsDet.count == n, "scaling backward: shape mismatch")
  inputGradient.resize(rows: n, cols: d)
  for i in 0..<d { scratch[i] = T.exp(logScale.value[i]) }
  var sumL: T = 0
  for v in dLogAbsDet { sumL += v }
  dY.storage.withUnsafeBufferPointer { gp in
    input.storage.withUnsafeBufferPointer { xp in
      inputGradient.storage.withUnsafeMutableBufferPointer { dp in
        scratch.withUnsafeBufferPointer { sp in
          logScale.gradient.withUnsafeMutableBufferPointer { dsp in
            for i in 0..<d { dsp[i] += sumL }
            for r in 0..<n {
              for i in 0..<d {
                let g = gp[r * d + i] * sp[i]
                dp[r * d + i] = g
                dsp[i] += g * xp[r * d + i]
              }
            }
            // With a bias, ds also gets Σ g·b and db gets Σ g.
            if let bias {
              bias.gradient.withUnsafeMutableBufferPointer { dbp in
                for r in 0..<n {
                  for i in 0..<d {
                    let g = dp[r * d + i]
                    dbp[i] += g
                    dsp[i] += g * bias.value[i]
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}
