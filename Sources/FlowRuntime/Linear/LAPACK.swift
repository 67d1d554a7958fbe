import CBLAS
import RealModule

// Dense factorisations of small square Double matrices through the LAPACK inside the
// linked OpenBLAS (dgetrf, dgeqrf, dorgqr; declared in Sources/CBLAS/shim.h). They run at
// build time and in `check --numeric`, never in a training step. Callers hold row-major
// matrices; LAPACK is column-major, so each wrapper transposes on the way in and out (a
// D² copy beside a D³ factorisation).

/// The LU factorisation with partial pivoting of a square matrix, A = P·L·U.
struct LUFactorization {
  /// The dimension n of the n×n matrix.
  let dimension: Int
  /// L strictly below the diagonal (its unit diagonal is not stored) and U on and above
  /// it, row-major, as LAPACK's dgetrf leaves them.
  let factors: [Double]
  /// Row i of L·U is row `rowOf[i]` of A: the interchanges of dgetrf applied in order.
  let rowOf: [Int]
  /// Whether some pivot is exactly zero (A is singular; dgetrf's `info > 0`).
  let isSingular: Bool

  /// Factors the n×n row-major matrix `a` (dgetrf).
  init(rowMajor a: [Double], dimension n: Int) {
    precondition(n > 0 && a.count == n * n, "LU factorisation needs a non-empty square matrix")
    dimension = n
    var columnMajor = transposed(a, n)
    var pivots = [blasint](repeating: 0, count: n)
    var size = blasint(n), info: blasint = 0
    dgetrf_(&size, &size, &columnMajor, &size, &pivots, &info)
    precondition(info >= 0, "dgetrf rejected argument \(-info)")
    factors = transposed(columnMajor, n)
    // dgetrf reports the interchanges as "row k was swapped with row ipiv[k]" (1-based),
    // applied for k = 1, 2, ...; replaying them on 0..<n gives the permutation.
    var rows = Array(0..<n)
    for k in 0..<n { rows.swapAt(k, Int(pivots[k]) - 1) }
    rowOf = rows
    isSingular = info > 0
  }

  /// The diagonal of U.
  var pivots: [Double] { (0..<dimension).map { factors[$0 * dimension + $0] } }
}

/// The orthogonal factor Q of A = Q·R (Householder QR: dgeqrf, then dorgqr to form Q),
/// with Q's column j negated wherever R's diagonal entry j is negative, so that R's
/// diagonal is positive. That makes the factorisation unique (Q is the one Gram-Schmidt
/// would give), and for a matrix of independent standard normals it makes Q Haar
/// distributed (Mezzadri, "How to generate random matrices from the classical compact
/// groups", 2007); LAPACK's own signs would bias it.
///
/// - Parameters:
///   - a: an n×n row-major matrix of full rank.
///   - n: its dimension.
/// - Returns: Q, row-major.
func orthogonalFactor(rowMajor a: [Double], dimension n: Int) -> [Double] {
  precondition(n > 0 && a.count == n * n, "QR factorisation needs a non-empty square matrix")
  var q = transposed(a, n)
  var size = blasint(n), info: blasint = 0
  var tau = [Double](repeating: 0, count: n)
  // Both routines are asked for their best workspace size first (lwork = −1).
  var query = 0.0, queryLength: blasint = -1
  dgeqrf_(&size, &size, &q, &size, &tau, &query, &queryLength, &info)
  precondition(info == 0, "dgeqrf workspace query failed (info \(info))")
  var work = [Double](repeating: 0, count: max(n, Int(query)))
  var workLength = blasint(work.count)
  dgeqrf_(&size, &size, &q, &size, &tau, &work, &workLength, &info)
  precondition(info == 0, "dgeqrf failed (info \(info))")
  // R sits on and above the diagonal now; only the signs of its diagonal are kept.
  let signs = (0..<n).map { q[$0 * n + $0] < 0 ? -1.0 : 1.0 }
  dorgqr_(&size, &size, &size, &q, &size, &tau, &query, &queryLength, &info)
  precondition(info == 0, "dorgqr workspace query failed (info \(info))")
  if Int(query) > work.count {
    work = [Double](repeating: 0, count: Int(query))
    workLength = blasint(work.count)
  }
  dorgqr_(&size, &size, &size, &q, &size, &tau, &work, &workLength, &info)
  precondition(info == 0, "dorgqr failed (info \(info))")
  // Column j of Q is q[j·n ..< (j+1)·n] in column-major order.
  for j in 0..<n where signs[j] < 0 {
    for i in 0..<n { q[j * n + i] = -q[j * n + i] }
  }
  return transposed(q, n)
}

/// log|det A| of a square row-major matrix, from the pivots of its LU factorisation
/// (dgetrf): det A = ±∏ U_ii, the sign coming from the row interchanges.
///
/// - Parameters:
///   - a: the n×n matrix, row-major.
///   - n: its dimension.
/// - Returns: −∞ for a singular matrix (an exactly zero pivot), NaN when an entry is NaN
///   or infinite (no determinant to speak of), 0 for n = 0.
public func logAbsDeterminant(_ a: [Double], dimension n: Int) -> Double {
  precondition(a.count == n * n, "the matrix holds \(a.count) entries, expected \(n * n)")
  if n == 0 { return 0 }
  // LAPACK's pivot search is not specified for NaN, so such input never reaches it.
  guard a.allSatisfy(\.isFinite) else { return .nan }
  let lu = LUFactorization(rowMajor: a, dimension: n)
  if lu.isSingular { return -.infinity }
  // A sum of logs, not the log of a product: the product of many pivots over- or underflows.
  return lu.pivots.reduce(0) { $0 + Double.log(abs($1)) }
}

/// The transpose of an n×n matrix: row-major to column-major storage and back.
private func transposed(_ a: [Double], _ n: Int) -> [Double] {
  var t = [Double](repeating: 0, count: n * n)
  for i in 0..<n {
    for j in 0..<n { t[j * n + i] = a[i * n + j] }
  }
  return t
}
