import CBLAS
import RealModule

/// Double precision: `cblas_d*` products; the elementary functions come from
/// swift-numerics (`Double: Real`).
extension Double: FlowScalar {
  /// `.float64`.
  public static var dtype: DType { .float64 }

  /// Forwards to `cblas_dgemm` in row-major order.
  @inlinable
  public static func gemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
    alpha: Double, a: UnsafePointer<Double>, lda: Int,
    b: UnsafePointer<Double>, ldb: Int,
    beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
  ) {
    cblas_dgemm(
      CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
      Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
  }

  /// Forwards to `cblas_dtrsm` (right side, row-major).
  @inlinable
  public static func trsmRight(
    lower: Bool, transA: Bool, unitDiagonal: Bool, m: Int, n: Int,
    a: UnsafePointer<Double>, lda: Int, b: UnsafeMutablePointer<Double>, ldb: Int
  ) {
    cblas_dtrsm(
      CblasRowMajor, CblasRight, lower ? CblasLower : CblasUpper,
      transA ? CblasTrans : CblasNoTrans, unitDiagonal ? CblasUnit : CblasNonUnit,
      Int32(m), Int32(n), 1, a, Int32(lda), b, Int32(ldb))
  }
}
