import Foundation
import FlowRandom
import FlowRuntime

/// A rows × cols matrix of uniform draws from `range`, from a seeded generator.
func randomMatrix(rows: Int, cols: Int, in range: ClosedRange<Double>, rng: inout Xoshiro256) -> Matrix<Double> {
  let span = range.upperBound - range.lowerBound
  return Matrix(rows: rows, cols: cols, storage: (0..<(rows * cols)).map { _ in range.lowerBound + span * rng.nextUniform() })
}

/// `count` standard normal draws.
func normals(_ count: Int, rng: inout Xoshiro256) -> [Double] { (0..<count).map { _ in rng.nextNormal() } }

/// Whether a and b agree within a relative tolerance, with an absolute floor for values
/// near zero (where relative error is meaningless).
func isClose(_ a: Double, _ b: Double, relative: Double = 1e-6, absolute: Double = 1e-8) -> Bool {
  abs(a - b) <= relative * max(abs(a), abs(b)) + absolute
}

/// log|det A| of a square row-major matrix by LU with partial pivoting.
func logAbsDeterminant(_ a: [Double], _ d: Int) -> Double {
  var m = a
  var result = 0.0
  for k in 0..<d {
    var p = k
    for i in (k + 1)..<max(k + 1, d) where abs(m[i * d + k]) > abs(m[p * d + k]) { p = i }
    if p != k { for j in 0..<d { m.swapAt(k * d + j, p * d + j) } }
    let pivot = m[k * d + k]
    result += log(abs(pivot))
    for i in (k + 1)..<max(k + 1, d) {
      let f = m[i * d + k] / pivot
      for j in k..<d { m[i * d + j] -= f * m[k * d + j] }
    }
  }
  return result
}

/// The scalar Σ dY⊙y + Σ dL⊙logAbsDet, whose gradient `backward` computes.
func weightedSum(_ y: Matrix<Double>, _ ld: [Double], dY: Matrix<Double>, dL: [Double]) -> Double {
  var s = 0.0
  for k in y.storage.indices { s += y.storage[k] * dY.storage[k] }
  for r in ld.indices { s += ld[r] * dL[r] }
  return s
}

/// The central difference (f(v + h) − f(v − h)) / 2h of `f` in one coordinate, where
/// `set` writes a value into that coordinate and `f` evaluates afterwards. Restores it.
func centralDifference(at v: Double, step h: Double, set: (Double) -> Void, _ f: () -> Double) -> Double {
  set(v + h)
  let up = f()
  set(v - h)
  let down = f()
  set(v)
  return (up - down) / (2 * h)
}
