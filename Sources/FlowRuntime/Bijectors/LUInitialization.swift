import FlowRandom

// The seeded random start of `LULinear`, as Glow draws it: the orthogonal factor of a
// standard Gaussian matrix, then that matrix's LU factors. Both factorisations are
// LAPACK's (Linear/LAPACK.swift), in Double whatever the layer's precision; they run once
// per layer at build time.

/// A D×D orthogonal matrix (row-major), Haar distributed: Q of the QR factorisation of a
/// matrix of standard normals drawn row by row from `rng`, with R's diagonal made positive.
func randomOrthogonal(_ d: Int, rng: inout Xoshiro256) -> [Double] {
  let gaussian = (0..<(d * d)).map { _ in rng.nextNormal() }
  return orthogonalFactor(rowMajor: gaussian, dimension: d)
}

/// LU factorisation with partial pivoting of a D×D row-major matrix A, returned in
/// Glow's form A = P·L·(U + diag(s)): P a permutation matrix, L unit lower triangular
/// (stored strictly below the diagonal), U strictly upper triangular, s the pivots.
func luDecomposition(_ a: [Double], _ d: Int) -> (p: [Double], l: [Double], u: [Double], s: [Double]) {
  let lu = LUFactorization(rowMajor: a, dimension: d)
  precondition(!lu.isSingular, "singular matrix in LU initialisation")
  var p = [Double](repeating: 0, count: d * d), l = p, u = p
  for i in 0..<d {
    // (Pivot matrix · A)[i] = A[rowOf[i]], and P is that matrix's transpose.
    p[lu.rowOf[i] * d + i] = 1
    for j in 0..<d {
      if j < i { l[i * d + j] = lu.factors[i * d + j] }
      if j > i { u[i * d + j] = lu.factors[i * d + j] }
    }
  }
  return (p, l, u, lu.pivots)
}
