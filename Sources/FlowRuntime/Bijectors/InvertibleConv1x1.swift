import FlowRandom

/// How an invertible 1×1 convolution stores its C × C matrix.
public enum InvertibleConv1x1Parametrization: String, Sendable, Hashable, Codable {
  /// W = P·L·(U + diag(sign·exp(log_scale))), as `LULinear` (Glow's LU-decomposed form).
  case lu
  /// A free matrix `weight` (Glow's plain form): log|det W| and W⁻¹ by LU each pass.
  case plain
}

/// Glow's invertible 1×1 convolution on rows of [C, H, W] images.
public struct InvertibleConv1x1Description: LayerDescription, Hashable {
  /// Number of channels C (H·W = dimension / C).
  public var channels: Int
  /// LU-parametrised or free matrix.
  public var parametrization: InvertibleConv1x1Parametrization
  /// How the matrix starts (random orthogonal from `seed`, or the identity).
  public var initialization: LUInitialization
  /// Seed of the random orthogonal start.
  public var seed: UInt64

  /// A 1×1 convolution description.
  public init(
    channels: Int, parametrization: InvertibleConv1x1Parametrization = .lu, initialization: LUInitialization = .orthogonal,
    seed: UInt64
  ) {
    self.channels = channels
    self.parametrization = parametrization
    self.initialization = initialization
    self.seed = seed
  }

  /// The layer on `d` = C·H·W features (its random start comes from `seed`, not `rng`).
  public func makeBijector<T: FlowScalar>(_: T.Type, dimension d: Int, rng: inout Xoshiro256) -> any Bijector<T> {
    InvertibleConv1x1<T>(
      dimension: d, channels: channels, parametrization: parametrization, initialization: initialization, seed: seed)
  }
}

/// Glow's invertible 1×1 convolution (Kingma and Dhariwal, 2018, section 3.2): the same
/// invertible C × C matrix W applied to the channels of every pixel of a [C, H, W] image.
///
/// - forward:  y[:, i, j] = W · x[:, i, j]
/// - inverse:  x[:, i, j] = W⁻¹ · y[:, i, j]
/// - log|det| = H·W · log|det W|
///
/// With the pixels of a batch laid out as rows of C channels, the layer is a linear map on
/// rows, Y = X·Wᵀ, so both forms reuse the dense code: the LU form is an `LULinear` on
/// n·H·W pixel rows (same tensors: parameters `lower`, `upper` [C, C], `log_scale` [C],
/// buffers `permutation` [C, C], `sign` [C]; log|det W| = Σ log_scale, exact inverse by
/// triangular solves); the plain form keeps `weight` [C, C] and computes log|det W| and
/// W⁻¹ by an LU factorisation (LAPACK dgetrf/dgetri in Double) each pass, the log-det
/// gradient being ∂ log|det W| / ∂W = W⁻ᵀ (Glow's code does the same through
/// `tf.linalg.slogdet`). Both start from the same random orthogonal matrix for a seed
/// (the one `LULinear` draws), or from the identity.
public final class InvertibleConv1x1<T: FlowScalar>: Bijector {
  /// Element type.
  public typealias Scalar = T

  /// Number of features D = C·H·W.
  public let dimension: Int
  /// Number of channels C.
  public let channels: Int
  /// Pixels per image, H·W.
  public let plane: Int
  /// The parametrisation in use.
  public let parametrization: InvertibleConv1x1Parametrization
  /// LU form: the map on pixel rows (nil for the plain form).
  let lu: LULinear<T>?
  /// Plain form: W [C, C] (nil for the LU form).
  public let weight: Parameter<T>?
  /// Plain form: W⁻¹ and log|det W| of the latest pass.
  let dense: DenseInverse?
  /// Ignored: the layer behaves the same in training and evaluation.
  public var isTraining = true

  /// The input as pixel rows [n·H·W, C], and the map's output (plain form) or its dL/dx.
  var pixels: Matrix<T>, pixelResult: Matrix<T>
  /// Plain form: the input pixel rows of the latest recording, W⁻¹ and log|det W| at it.
  var savedPixels: Matrix<T>, inverseWeight: [T], weightLogDet: T = 0
  /// Per-pixel dL/d(log|det|) for the LU form's row-wise backward.
  var pixelLogDetGradient: [T] = []
  /// Output buffer of the latest pass, reused while the batch size stays the same.
  var output: Matrix<T>
  /// Per-row log|det| buffer of the latest pass.
  var logDet: [T] = []
  /// dL/dx buffer returned by `backward`.
  var inputGradient: Matrix<T>

  /// A layer on rows of [channels, H, W] images (H·W = dimension / channels).
  public init(
    dimension: Int, channels c: Int, parametrization: InvertibleConv1x1Parametrization, initialization: LUInitialization,
    seed: UInt64
  ) {
    precondition(c > 0 && dimension % c == 0, "1×1 convolution: \(dimension) features are not whole images of \(c) channels")
    self.dimension = dimension
    channels = c
    plane = dimension / c
    self.parametrization = parametrization
    switch parametrization {
    case .lu:
      lu = LULinear<T>(dimension: c, initialization: initialization, seed: seed)
      weight = nil
      dense = nil
    case .plain:
      var w = [Double](repeating: 0, count: c * c)
      switch initialization {
      case .identity: for i in 0..<c { w[i * c + i] = 1 }
      case .orthogonal:
        var rng = Xoshiro256(seed: seed, stream: LULinear<T>.orthogonalStream)
        w = randomOrthogonal(c, rng: &rng)
      }
      lu = nil
      weight = Parameter(name: "weight", shape: [c, c], value: w.map { T($0) })
      dense = DenseInverse(dimension: c)
    }
    pixels = Matrix(rows: 0, cols: c)
    pixelResult = pixels
    savedPixels = pixels
    inverseWeight = [T](repeating: 0, count: c * c)
    output = Matrix(rows: 0, cols: dimension)
    inputGradient = output
  }

  /// LU form: `lower`, `upper`, `log_scale`; plain form: `weight`.
  public var parameters: [Parameter<T>] { lu?.parameters ?? [weight!] }
  /// LU form: `permutation`, `sign`; plain form: none.
  public var buffers: [Buffer<T>] { lu?.buffers ?? [] }

  /// Copies sample rows into `pixels` as pixel rows.
  func toPixels(_ x: Matrix<T>) {
    precondition(x.cols == dimension, "1×1 convolution expects \(dimension) features, got \(x.cols)")
    pixels.resize(rows: x.rows * plane)
    x.storage.withUnsafeBufferPointer { xp in
      pixels.storage.withUnsafeMutableBufferPointer {
        samplesToPixels(xp.baseAddress!, $0.baseAddress!, batch: x.rows, channels: channels, plane: plane)
      }
    }
  }

  /// Copies pixel rows `p` into `target` as sample rows of `n` images.
  func toSamples(_ p: Matrix<T>, _ target: inout Matrix<T>, rows n: Int) {
    target.resize(rows: n)
    p.storage.withUnsafeBufferPointer { pp in
      target.storage.withUnsafeMutableBufferPointer {
        pixelsToSamples(pp.baseAddress!, $0.baseAddress!, batch: n, channels: channels, plane: plane)
      }
    }
  }

  /// Plain form: pixelResult = pixels·Mᵀ for M = W (forward) or W⁻¹ (inverse).
  func multiplyPixels(by m: UnsafePointer<T>) {
    let c = channels, rows = pixels.rows
    pixelResult.resize(rows: rows)
    pixels.storage.withUnsafeBufferPointer { xp in
      pixelResult.storage.withUnsafeMutableBufferPointer { yp in
        T.gemm(
          transA: false, transB: true, m: rows, n: c, k: c, alpha: 1, a: xp.baseAddress!, lda: c, b: m, ldb: c, beta: 0,
          c: yp.baseAddress!, ldc: c)
      }
    }
  }

  /// Plain form: W⁻¹ into `inverseWeight` and log|det W| into `weightLogDet`.
  func invertWeight() {
    let dense = dense!
    let ld = weight!.value.withUnsafeBufferPointer { dense.invert($0.baseAddress!) }
    weightLogDet = T(ld)
    if ld.isFinite { for i in 0..<(channels * channels) { inverseWeight[i] = T(dense.matrix[i]) } }
  }

  /// The shared body of the passes: pixel rows through W (or W⁻¹), the log-det per image.
  func run(_ x: Matrix<T>, inverse: Bool, record: Bool) {
    let n = x.rows
    toPixels(x)
    let perImage: T
    if let lu {
      let (p, ld) = inverse ? lu.inverse(pixels) : (record ? lu.forwardRecording(pixels) : lu.forward(pixels))
      toSamples(p, &output, rows: n)
      perImage = ld.isEmpty ? 0 : T(plane) * ld[0]
    } else {
      invertWeight()
      if inverse {
        inverseWeight.withUnsafeBufferPointer { multiplyPixels(by: $0.baseAddress!) }
      } else {
        weight!.value.withUnsafeBufferPointer { multiplyPixels(by: $0.baseAddress!) }
        if record { savedPixels.assign(pixels) }
      }
      toSamples(pixelResult, &output, rows: n)
      perImage = T(plane) * (inverse ? -weightLogDet : weightLogDet)
    }
    fill(resized: &logDet, rows: n, perImage)
  }

  /// Data → latent.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func forward(_ x: Matrix<T>) -> (y: Matrix<T>, logAbsDet: [T]) {
    run(x, inverse: false, record: false)
    return (output, logDet)
  }

  /// Latent → data.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func inverse(_ y: Matrix<T>) -> (x: Matrix<T>, logAbsDet: [T]) {
    run(y, inverse: true, record: false)
    return (output, logDet)
  }

  /// Data → latent, keeping the input pixels (and, plain form, W⁻¹) for `backward`.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func forwardRecording(_ x: Matrix<T>) -> (y: Matrix<T>, logAbsDet: [T]) {
    run(x, inverse: false, record: true)
    return (output, logDet)
  }

  /// dX = dY·W per pixel; dW = Σ_pixels dy·xᵀ plus H·W·Σ dL/d(log|det|) times
  /// ∂ log|det W| / ∂W (LU form: through the factors, as `LULinear`; plain: W⁻ᵀ).
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func backward(dY: Matrix<T>, dLogAbsDet: [T]) -> Matrix<T> {
    let n = dY.rows, c = channels, rows = n * plane
    precondition(dLogAbsDet.count == n, "1×1 convolution backward: shape mismatch")
    toPixels(dY)
    if let lu {
      // Every pixel row carries its image's log-det gradient: the rows' log-dets sum to the image's.
      prepare(&pixelLogDetGradient, rows: rows)
      for b in 0..<n { for s in 0..<plane { pixelLogDetGradient[b * plane + s] = dLogAbsDet[b] } }
      let g = lu.backward(dY: pixels, dLogAbsDet: pixelLogDetGradient)
      toSamples(g, &inputGradient, rows: n)
      return inputGradient
    }
    let weight = weight!
    precondition(savedPixels.rows == rows, "1×1 convolution backward: no matching recording")
    let logDetWeight = T(plane) * sum(dLogAbsDet)
    pixelResult.resize(rows: rows)
    pixels.storage.withUnsafeBufferPointer { gp in
      weight.value.withUnsafeBufferPointer { wp in
        pixelResult.storage.withUnsafeMutableBufferPointer { dp in
          // dX = dY·W.
          T.gemm(
            transA: false, transB: false, m: rows, n: c, k: c, alpha: 1, a: gp.baseAddress!, lda: c, b: wp.baseAddress!,
            ldb: c, beta: 0, c: dp.baseAddress!, ldc: c)
        }
      }
      savedPixels.storage.withUnsafeBufferPointer { xp in
        weight.gradient.withUnsafeMutableBufferPointer { gw in
          // dW += dYᵀ·X.
          T.gemm(
            transA: true, transB: false, m: c, n: c, k: rows, alpha: 1, a: gp.baseAddress!, lda: c, b: xp.baseAddress!,
            ldb: c, beta: 1, c: gw.baseAddress!, ldc: c)
          for i in 0..<c { for j in 0..<c { gw[i * c + j] += logDetWeight * inverseWeight[j * c + i] } }
        }
      }
    }
    toSamples(pixelResult, &inputGradient, rows: n)
    return inputGradient
  }
}
