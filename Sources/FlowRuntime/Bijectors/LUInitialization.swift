import FlowRandom

// The seeded random start of `LULinear`: a random orthogonal matrix and its LU factors,
// computed in Double whatever the layer's precision. These run once per layer at build
// time, so they are plain loops, not BLAS.

/// A D×D orthogonal matrix (row-major): modified Gram-Schmidt on a standard Gaussian
/// matrix, with column signs fixed so the distribution is uniform (Haar), as QR-based
/// samplers do by making R's diagonal positive.
func randomOrthogonal(_ d: Int, rng: inout Xoshiro256) -> [Double] {
  var a = (0..<(d * d)).map { _ in rng.nextNormal() }
  for j in 0..<d {
    for k in 0..<j {
      var dot = 0.0
      for i in 0..<d { dot += a[i * d + j] * a[i * d + k] }
      for i in 0..<d { a[i * d + j] -= dot * a[i * d + k] }
    }
    var norm = 0.0
    for i in 0..<d { norm += a[i * d + j] * a[i * d + j] }
    norm = norm.squareRoot()
    for i in 0..<d { a[i * d + j] /= norm }
  }
  return a
}

/// LU factorisation with partial pivoting of a D×D row-major matrix A, returned in
/// Glow's form A = P·L·(U + diag(s)): P a permutation matrix, L unit lower triangular
/// (stored strictly below the diagonal), U strictly upper triangular, s the pivots.
func luDecomposition(_ a: [Double], _ d: Int) -> (p: [Double], l: [Double], u: [Double], s: [Double]) {
  var m = a
  var rowOf = Array(0..<d)  // row i of the factored matrix is row rowOf[i] of A
  for k in 0..<d {
    var pivot = k
    for i in stride(from: k + 1, to: d, by: 1) where abs(m[i * d + k]) > abs(m[pivot * d + k]) { pivot = i }
    if pivot != k {
      for j in 0..<d { m.swapAt(k * d + j, pivot * d + j) }
      rowOf.swapAt(k, pivot)
    }
    precondition(m[k * d + k] != 0, "singular matrix in LU initialisation")
    for i in stride(from: k + 1, to: d, by: 1) {
      m[i * d + k] /= m[k * d + k]
      for j in stride(from: k + 1, to: d, by: 1) { m[i * d + j] -= m[i * d + k] * m[k * d + j] }
    }
  }
  var p = [Double](repeating: 0, count: d * d), l = p, u = p
  var s = [Double](repeating: 0, count: d)
  for i in 0..<d {
    // (Pivot matrix · A)[i] = A[rowOf[i]], and P is that matrix's transpose.
    p[rowOf[i] * d + i] = 1
    for j in 0..<d {
      if j < i { l[i * d + j] = m[i * d + j] }
      if j > i { u[i * d + j] = m[i * d + j] }
    }
    s[i] = m[i * d + i]
  }
  return (p, l, u, s)
}
