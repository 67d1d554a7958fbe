import CBLAS

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#else
  import Darwin
#endif

/// Single precision: `cblas_s*` products and libm's `f`-suffixed functions.
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

  /// `expf`.
  @inlinable @inline(__always) public static func exp(_ x: Float) -> Float { expf(x) }
  /// `logf`.
  @inlinable @inline(__always) public static func log(_ x: Float) -> Float { logf(x) }
  /// `log1pf`.
  @inlinable @inline(__always) public static func log1p(_ x: Float) -> Float { log1pf(x) }
  /// `expm1f`.
  @inlinable @inline(__always) public static func expm1(_ x: Float) -> Float { expm1f(x) }
  /// `tanhf`.
  @inlinable @inline(__always) public static func tanh(_ x: Float) -> Float { tanhf(x) }
  /// `erff`.
  @inlinable @inline(__always) public static func erf(_ x: Float) -> Float { erff(x) }
}
