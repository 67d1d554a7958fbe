import CBLAS
import FlowKernels
import RealModule

/// Double precision: `cblas_d*` products and FlowKernels' `_f64` loops; the elementary functions come from
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

  /// Forwards to `flow_adam_f64`.
  @inlinable
  public static func adamUpdate(
    _ p: UnsafeMutablePointer<Double>, gradient g: UnsafePointer<Double>,
    firstMoment m: UnsafeMutablePointer<Double>, secondMoment v: UnsafeMutablePointer<Double>, count: Int,
    beta1: Double, beta2: Double, stepSize: Double, correction2: Double, epsilon: Double, shrink: Double, l2: Double
  ) {
    flow_adam_f64(p, g, m, v, count, beta1, beta2, stepSize, correction2, epsilon, shrink, l2)
  }

  /// Forwards to `flow_sum_squares_f64`.
  @inlinable
  public static func sumOfSquares(_ x: UnsafePointer<Double>, count: Int) -> Double { flow_sum_squares_f64(x, count) }

  /// Forwards to `flow_scale_f64`.
  @inlinable
  public static func scale(_ x: UnsafeMutablePointer<Double>, count: Int, by c: Double) { flow_scale_f64(x, count, c) }
}
