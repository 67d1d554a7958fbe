import FlowRandom
import RealModule

/// Glow's LU-parametrised linear layer.
public struct LULinearDescription: LayerDescription, Hashable {
  /// How the matrix starts.
  public var initialization: LUInitialization
  /// Seed of the random orthogonal start (ignored for the identity).
  public var seed: UInt64

  /// An LU layer description.
  public init(initialization: LUInitialization = .orthogonal, seed: UInt64) {
    self.initialization = initialization
    self.seed = seed
  }

  public func makeBijector<T: FlowScalar>(_: T.Type, dimension d: Int, rng: inout Xoshiro256) -> any Bijector<T> {
    LULinear<T>(dimension: d, initialization: initialization, seed: seed)
  }
}

/// Glow's LU-parametrised invertible linear map (Kingma and Dhariwal, 2018, section 3.2),
/// on feature vectors.
///
/// W = P · L · (U + diag(sign · exp(log_scale))), with P a fixed permutation matrix, L unit
/// lower triangular and U strictly upper triangular (only the strict triangles of the
/// stored `lower` and `upper` matrices are used; their gradients are zero elsewhere).
/// - forward:  y = W x   (row-major: Y = X Wᵀ)
/// - inverse:  x = W⁻¹ y by two triangular solves after undoing P, never forming W⁻¹
/// - log|det W| = Σᵢ log_scaleᵢ
///
/// The LU form makes the log-det O(D) and the inverse exact to rounding: Glow's dense
/// parametrisation needed an O(D³) determinant and a matrix inverse whose error
/// accumulates (openai/glow #82; PEERS.md item 8).
///
/// Parameters `lower`, `upper` [D, D] and `log_scale` [D]; buffers `permutation` [D, D]
/// (P as a matrix, as glow-pytorch stores it) and `sign` [D].
public final class LULinear<T: FlowScalar>: Bijector {
  /// Element type.
  public typealias Scalar = T

  /// L's strict lower triangle (the rest is ignored).
  public let lower: Parameter<T>
  /// U's strict upper triangle (the rest is ignored).
  public let upper: Parameter<T>
  /// log|s| of the diagonal of the upper factor.
  public let logScale: Parameter<T>
  /// The fixed permutation matrix P.
  public let permutation: Buffer<T>
  /// The fixed signs of the diagonal of the upper factor (±1).
  public let sign: Buffer<T>
  /// Ignored: the layer behaves the same in training and evaluation.
  public var isTraining = true

  /// Number of features.
  public let dimension: Int
  /// Unit lower triangular factor L assembled from `lower`.
  var lFactor: Matrix<T>
  /// Upper factor U' = U + diag(sign·exp(log_scale)).
  var uFactor: Matrix<T>
  /// L·U'.
  var luProduct: Matrix<T>
  /// W = P·L·U'.
  var weight: Matrix<T>
  /// dL/dW workspace.
  var gradWeight: Matrix<T>
  /// dL/d(L·U') workspace.
  var gradLU: Matrix<T>
  /// dL/dL and dL/dU' workspace.
  var gradFactor: Matrix<T>
  /// Output buffer of the latest pass, reused while the batch size stays the same.
  var output: Matrix<T>
  /// Per-row log|det| buffer of the latest pass.
  var logDet: [T] = []
  /// Copy of the latest recorded input, for `backward`.
  var savedInput: Matrix<T>
  /// dL/dx buffer returned by `backward`.
  var inputGradient: Matrix<T>

  /// A layer on `dimension` features, starting from the LU factors of a random orthogonal
  /// matrix drawn from `seed` (Glow) or from the identity.
  public init(dimension d: Int, initialization: LUInitialization, seed: UInt64) {
    precondition(d > 0, "LU linear needs at least one feature")
    dimension = d
    var p = [Double](repeating: 0, count: d * d), l = p, u = p
    var s = [Double](repeating: 1, count: d)
    switch initialization {
    case .identity:
      for i in 0..<d { p[i * d + i] = 1 }
    case .orthogonal:
      var rng = Xoshiro256(seed: seed, stream: Self.orthogonalStream)
      let q = randomOrthogonal(d, rng: &rng)
      (p, l, u, s) = luDecomposition(q, d)
    }
    lower = Parameter(name: "lower", shape: [d, d], value: l.map { T($0) })
    upper = Parameter(name: "upper", shape: [d, d], value: u.map { T($0) })
    logScale = Parameter(name: "log_scale", shape: [d], value: s.map { T(Double.log(abs($0))) })
    permutation = Buffer(name: "permutation", shape: [d, d], value: p.map { T($0) })
    sign = Buffer(name: "sign", shape: [d], value: s.map { $0 < 0 ? -1 : 1 })
    let square = Matrix<T>(rows: d, cols: d)
    lFactor = square
    uFactor = square
    luProduct = square
    weight = square
    gradWeight = square
    gradLU = square
    gradFactor = square
    output = Matrix(rows: 0, cols: d)
    savedInput = Matrix(rows: 0, cols: d)
    inputGradient = Matrix(rows: 0, cols: d)
  }

  /// The random stream of the orthogonal start (shared with `InvertibleConv1x1`'s plain
  /// form, so both forms start from the same matrix for a seed).
  static var orthogonalStream: String { "lu-linear" }

  /// `lower`, `upper`, `log_scale`.
  public var parameters: [Parameter<T>] { [lower, upper, logScale] }
  /// `permutation`, `sign`.
  public var buffers: [Buffer<T>] { [permutation, sign] }

  /// Assembles L, U' = U + diag(sign·exp(log_scale)) and W = P·L·U' from the parameters.
  func assemble() {
    let d = dimension
    lFactor.zero()
    uFactor.zero()
    for i in 0..<d {
      for j in 0..<d {
        if j < i { lFactor[i, j] = lower.value[i * d + j] }
        if j > i { uFactor[i, j] = upper.value[i * d + j] }
      }
      lFactor[i, i] = 1
      uFactor[i, i] = sign.value[i] * T.exp(logScale.value[i])
    }
    multiply(lFactor, uFactor, into: &luProduct)
    multiply(Matrix(rows: d, cols: d, storage: permutation.value), luProduct, into: &weight)
  }

  /// c = op(a)·op(b) for square D×D matrices through gemm.
  func multiply(_ a: Matrix<T>, _ b: Matrix<T>, transA: Bool = false, transB: Bool = false, into c: inout Matrix<T>) {
    let d = dimension
    a.storage.withUnsafeBufferPointer { ap in
      b.storage.withUnsafeBufferPointer { bp in
        c.storage.withUnsafeMutableBufferPointer { cp in
          T.gemm(
            transA: transA, transB: transB, m: d, n: d, k: d, alpha: 1, a: ap.baseAddress!, lda: d,
            b: bp.baseAddress!, ldb: d, beta: 0, c: cp.baseAddress!, ldc: d)
        }
      }
    }
  }

  /// Σ log_scale, the log|det| of every row.
  var totalLogScale: T { sum(logScale.value) }

  /// Data → latent: Y = X Wᵀ.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func forward(_ x: Matrix<T>) -> (y: Matrix<T>, logAbsDet: [T]) {
    precondition(x.cols == dimension, "LU linear expects \(dimension) features, got \(x.cols)")
    let n = x.rows, d = dimension
    assemble()
    output.resize(rows: n)
    x.storage.withUnsafeBufferPointer { xp in
      weight.storage.withUnsafeBufferPointer { wp in
        output.storage.withUnsafeMutableBufferPointer { yp in
          T.gemm(
            transA: false, transB: true, m: n, n: d, k: d, alpha: 1, a: xp.baseAddress!, lda: d,
            b: wp.baseAddress!, ldb: d, beta: 0, c: yp.baseAddress!, ldc: d)
        }
      }
    }
    prepare(&logDet, rows: n)
    fill(&logDet, totalLogScale)
    return (output, logDet)
  }

  /// Latent → data: Z = Y·P, then solve X·U'ᵀ·Lᵀ = Z (two triangular solves).
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func inverse(_ y: Matrix<T>) -> (x: Matrix<T>, logAbsDet: [T]) {
    precondition(y.cols == dimension, "LU linear expects \(dimension) features, got \(y.cols)")
    let n = y.rows, d = dimension
    assemble()
    output.resize(rows: n)
    y.storage.withUnsafeBufferPointer { yp in
      permutation.value.withUnsafeBufferPointer { pp in
        output.storage.withUnsafeMutableBufferPointer { xp in
          // Y = X·U'ᵀ·Lᵀ·Pᵀ and PᵀP = I, so Y·P = X·U'ᵀ·Lᵀ.
          T.gemm(
            transA: false, transB: false, m: n, n: d, k: d, alpha: 1, a: yp.baseAddress!, lda: d,
            b: pp.baseAddress!, ldb: d, beta: 0, c: xp.baseAddress!, ldc: d)
          lFactor.storage.withUnsafeBufferPointer { lp in
            T.trsmRight(
              lower: true, transA: true, unitDiagonal: true, m: n, n: d, a: lp.baseAddress!, lda: d,
              b: xp.baseAddress!, ldb: d)
          }
          uFactor.storage.withUnsafeBufferPointer { up in
            T.trsmRight(
              lower: false, transA: true, unitDiagonal: false, m: n, n: d, a: up.baseAddress!, lda: d,
              b: xp.baseAddress!, ldb: d)
          }
        }
      }
    }
    prepare(&logDet, rows: n)
    fill(&logDet, -totalLogScale)
    return (output, logDet)
  }

  /// Data → latent, keeping x for `backward`.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func forwardRecording(_ x: Matrix<T>) -> (y: Matrix<T>, logAbsDet: [T]) {
    savedInput.assign(x)
    return forward(x)
  }

  /// dX = dY·W; dW = dYᵀ·X, pushed through W = P·L·U' to the factors.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func backward(dY: Matrix<T>, dLogAbsDet: [T]) -> Matrix<T> {
    let n = savedInput.rows, d = dimension
    precondition(dY.rows == n && dY.cols == d && dLogAbsDet.count == n, "LU linear backward: shape mismatch")
    inputGradient.resize(rows: n)
    dY.storage.withUnsafeBufferPointer { gp in
      weight.storage.withUnsafeBufferPointer { wp in
        inputGradient.storage.withUnsafeMutableBufferPointer { dp in
          T.gemm(
            transA: false, transB: false, m: n, n: d, k: d, alpha: 1, a: gp.baseAddress!, lda: d,
            b: wp.baseAddress!, ldb: d, beta: 0, c: dp.baseAddress!, ldc: d)
        }
      }
      savedInput.storage.withUnsafeBufferPointer { xp in
        gradWeight.storage.withUnsafeMutableBufferPointer { gw in
          T.gemm(
            transA: true, transB: false, m: d, n: d, k: n, alpha: 1, a: gp.baseAddress!, lda: d,
            b: xp.baseAddress!, ldb: d, beta: 0, c: gw.baseAddress!, ldc: d)
        }
      }
    }
    // W = P·(L·U'): d(LU) = Pᵀ·dW; dL = d(LU)·U'ᵀ; dU' = Lᵀ·d(LU).
    multiply(Matrix(rows: d, cols: d, storage: permutation.value), gradWeight, transA: true, into: &gradLU)
    multiply(gradLU, uFactor, transB: true, into: &gradFactor)
    for i in 0..<d { for j in 0..<i { lower.gradient[i * d + j] += gradFactor[i, j] } }
    multiply(lFactor, gradLU, transA: true, into: &gradFactor)
    let s = sum(dLogAbsDet)
    for i in 0..<d {
      for j in stride(from: i + 1, to: d, by: 1) { upper.gradient[i * d + j] += gradFactor[i, j] }
      // U'ᵢᵢ = signᵢ·exp(log_scaleᵢ), and every row's log-det contains log_scaleᵢ.
      logScale.gradient[i] += gradFactor[i, i] * uFactor[i, i] + s
    }
    return inputGradient
  }
}
