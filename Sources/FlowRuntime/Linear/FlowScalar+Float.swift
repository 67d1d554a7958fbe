import CBLAS
import RealModule

/// Single precision: `cblas_s*` products; the elementary functions come from
/// swift-numerics (`Float: Real`).
extension Float: FlowScalar {
  /// `.float32`.
  public static var dtype: DType { .float32 }

  /// Forwards to `cblas_sgemm` in row-major order.
  @inlinable
  public static func gemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
    alpha: Float, a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    cblas_sgemm(
      CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
      Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
  }

  /// Forwards to `cblas_strsm` (right side, row-major).
  @inlinable
  public static func trsmRight(
    lower: Bool, transA: Bool, unitDiagonal: Bool, m: Int, n: Int,
    a: UnsafePointer<Float>, lda: Int, b: UnsafeMutablePointer<Float>, ldb: Int
  ) {
    cblas_strsm(
      CblasRowMajor, CblasRight, lower ? CblasLower : CblasUpper,
      transA ? CblasTrans : CblasNoTrans, unitDiagonal ? CblasUnit : CblasNonUnit,
      Int32(m), Int32(n), 1, a, Int32(lda), b, Int32(ldb))
  }
}
