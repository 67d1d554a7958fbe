import RealModule

/// The element type of a flow's tensors.
///
/// `Float` is the default (training and sampling); `Double` is for gradient checks and
/// exact comparisons. Everything numerical in FlowRuntime is generic over this protocol.
/// The two conformances route the dense products to the matching BLAS routine
/// (`cblas_sgemm` or `cblas_dgemm`); the transcendental functions (`exp`, `log`,
/// `log(onePlus:)`, `expMinusOne`, `tanh`, `erf`) come from swift-numerics' `Real`, whose
/// Float and Double conformances are transparent calls into libm's single- or
/// double-precision versions, so hot loops inline them as before.
public protocol FlowScalar: BinaryFloatingPoint, Real, Codable, Sendable, LosslessStringConvertible
where RawSignificand: FixedWidthInteger {
  /// The dtype tag that names this scalar in a `FlowDescription`.
  static var dtype: DType { get }

  /// C = alpha·op(A)·op(B) + beta·C on row-major storage (BLAS gemm).
  ///
  /// - Parameters:
  ///   - transA: whether op(A) = Aᵀ; A is stored m×k (or k×m when transposed).
  ///   - transB: whether op(B) = Bᵀ; B is stored k×n (or n×k when transposed).
  ///   - m: rows of C; `n`: columns of C; `k`: the contracted dimension.
  ///   - lda, ldb, ldc: row strides of A, B and C in elements.
  static func gemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
    alpha: Self, a: UnsafePointer<Self>, lda: Int,
    b: UnsafePointer<Self>, ldb: Int,
    beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)

  /// Solves X·op(A) = B in place for X (B is m×n row-major, A is n×n triangular).
  ///
  /// - Parameters:
  ///   - lower: whether A is lower (else upper) triangular.
  ///   - transA: whether op(A) = Aᵀ.
  ///   - unitDiagonal: whether A's diagonal is taken as all ones (and not read).
  static func trsmRight(
    lower: Bool, transA: Bool, unitDiagonal: Bool, m: Int, n: Int,
    a: UnsafePointer<Self>, lda: Int, b: UnsafeMutablePointer<Self>, ldb: Int)

  /// One Adam/AdamW update of `count` parameters in place (FlowKernels' `flow_adam`):
  /// w = p·shrink, g' = g + l2·w, m = β₁m + (1 − β₁)g', v = β₂v + (1 − β₂)g'²,
  /// p = w − stepSize·m / (√v / correction2 + ε). The four buffers must not overlap.
  static func adamUpdate(
    _ p: UnsafeMutablePointer<Self>, gradient g: UnsafePointer<Self>,
    firstMoment m: UnsafeMutablePointer<Self>, secondMoment v: UnsafeMutablePointer<Self>, count: Int,
    beta1: Self, beta2: Self, stepSize: Self, correction2: Self, epsilon: Self, shrink: Self, l2: Self)

  /// Σ x² over `count` values in eight partial sums (FlowKernels' `flow_sum_squares`).
  static func sumOfSquares(_ x: UnsafePointer<Self>, count: Int) -> Self

  /// x *= c over `count` values.
  static func scale(_ x: UnsafeMutablePointer<Self>, count: Int, by c: Self)
}

/// The storage precision of a flow, as a compiler front end names it.
public enum DType: String, Sendable, Codable, CaseIterable {
  /// IEEE single precision (`Float`), the default.
  case float32
  /// IEEE double precision (`Double`), for gradient checks.
  case float64
}

// MARK: - Stable elementwise helpers

extension FlowScalar {
  /// The logistic sigmoid 1 / (1 + e^−x), computed without overflow on either side.
  @inlinable @inline(__always)
  public static func sigmoid(_ x: Self) -> Self {
    // For x < 0, e^x / (1 + e^x) avoids e^−x overflowing to infinity.
    if x >= 0 { return 1 / (1 + exp(-x)) }
    let e = exp(x)
    return e / (1 + e)
  }

  /// softplus(x) = log(1 + e^x) without overflow: max(x, 0) + log1p(e^−|x|).
  @inlinable @inline(__always)
  public static func softplus(_ x: Self) -> Self {
    Swift.max(x, 0) + log(onePlus: exp(-Swift.abs(x)))
  }

  /// Whether x is neither infinite nor NaN.
  @inlinable @inline(__always)
  public static func isFiniteValue(_ x: Self) -> Bool { x.isFinite }
}
