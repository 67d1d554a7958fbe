import CBLAS
import FlowKernels
import RealModule

/// Single precision: `cblas_s*` products and FlowKernels' `_f32` loops; the elementary functions come from
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

  /// Forwards to `flow_adam_f32`.
  @inlinable
  public static func adamUpdate(
    _ p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
    firstMoment m: UnsafeMutablePointer<Float>, secondMoment v: UnsafeMutablePointer<Float>, count: Int,
    beta1: Float, beta2: Float, stepSize: Float, correction2: Float, epsilon: Float, shrink: Float, l2: Float
  ) {
    flow_adam_f32(p, g, m, v, count, beta1, beta2, stepSize, correction2, epsilon, shrink, l2)
  }

  /// Forwards to `flow_sum_squares_f32`.
  @inlinable
  public static func sumOfSquares(_ x: UnsafePointer<Float>, count: Int) -> Float { flow_sum_squares_f32(x, count) }

  /// Forwards to `flow_scale_f32`.
  @inlinable
  public static func scale(_ x: UnsafeMutablePointer<Float>, count: Int, by c: Float) { flow_scale_f32(x, count, c) }
}
