import CBLAS
import RealModule

/// The inverse and log|det| of a small square matrix through the LAPACK in the linked
/// OpenBLAS (dgetrf, then dgetri), in Double whatever the caller's precision, with every
/// buffer kept between calls (a training step allocates nothing).
///
/// LAPACK is column-major and the caller row-major; the routine is handed the row-major
/// A as it is, i.e. Aᵀ in column-major order, and (Aᵀ)⁻¹ = (A⁻¹)ᵀ read back in row-major
/// order is A⁻¹, with det Aᵀ = det A: no transposes.
final class DenseInverse {
  /// The dimension n.
  let dimension: Int
  /// A on the way in, A⁻¹ on the way out (row-major).
  var matrix: [Double]
  /// dgetrf's pivots.
  var pivots: [blasint]
  /// dgetri's workspace.
  var work: [Double]

  /// Buffers for n × n matrices.
  init(dimension n: Int) {
    precondition(n > 0, "an inverse needs a non-empty matrix")
    dimension = n
    matrix = [Double](repeating: 0, count: n * n)
    pivots = [blasint](repeating: 0, count: n)
    work = [Double](repeating: 0, count: max(1, 64 * n))
  }

  /// Inverts the n × n row-major matrix at `a` into `matrix` and returns log|det A|:
  /// −∞ when A is singular (then `matrix` holds no inverse), NaN when A has a non-finite entry.
  func invert<T: FlowScalar>(_ a: UnsafePointer<T>) -> Double {
    let n = dimension
    var finite = true
    for i in 0..<(n * n) {
      matrix[i] = Double(a[i])
      if !matrix[i].isFinite { finite = false }
    }
    // LAPACK's pivot search is not specified for NaN, so such input never reaches it.
    guard finite else { return .nan }
    var size = blasint(n), info: blasint = 0
    dgetrf_(&size, &size, &matrix, &size, &pivots, &info)
    precondition(info >= 0, "dgetrf rejected argument \(-info)")
    if info > 0 { return -.infinity }
    // det = ±∏ U_ii; a sum of logs, since the product of many pivots over- or underflows.
    var logDet = 0.0
    for i in 0..<n { logDet += Double.log(abs(matrix[i * n + i])) }
    var workLength = blasint(work.count)
    dgetri_(&size, &matrix, &size, &pivots, &work, &workLength, &info)
    precondition(info == 0, "dgetri failed (info \(info))")
    return logDet
  }
}
