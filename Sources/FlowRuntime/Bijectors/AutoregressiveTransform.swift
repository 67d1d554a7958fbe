/// The elementwise transform y_i = τ(x_i; θ_i) that a MADE parametrises in the
/// autoregressive layers (`MaskedAutoregressive`, `InverseAutoregressive`): θ_i, the
/// network's k outputs for dimension i, depends only on the dimensions before i.
///
/// Each transform is one case here and one kernel file that computes, over a batch,
/// τ and Σ log τ′, the inverse of one column, and the vector–Jacobian product
/// (x̄, θ̄) = (ȳ·∂τ/∂x + l̄·∂log τ′/∂x, ȳ·∂τ/∂θ + l̄·∂log τ′/∂θ). That is all the layers'
/// one-pass and D-pass directions and both backward passes need, so a rational-quadratic
/// spline (k = 3K − 1 per dimension: K widths, K heights, K − 1 inner derivatives) is a
/// new case and a new kernel file.
public enum AutoregressiveTransformDescription: Sendable, Hashable, Codable {
  /// y = x·scale(s) + t with θ = (s, t): scale = exp(s) or sigmoid(s + 2), after the soft
  /// clamp s ← c·tanh(s/c) when `clamp` is given (as `AffineCoupling`).
  case affine(scaleFunction: ScaleFunction, clamp: Double?)

  /// Network outputs per dimension, k.
  public var parametersPerDimension: Int {
    switch self {
    case .affine: 2
    }
  }
}

/// The batch kernels of one transform, chosen once when a layer is built.
enum AutoregressiveKernels<T: FlowScalar> {
  case affine(AffineAutoregressiveKernels<T>)

  init(_ d: AutoregressiveTransformDescription) {
    switch d {
    case .affine(let f, let c):
      precondition(c.map { $0 > 0 } ?? true, "autoregressive scale clamp must be positive")
      self = .affine(AffineAutoregressiveKernels(sigmoid: f == .sigmoid, clamp: c.map { T($0) }))
    }
  }

  /// y = τ(x; θ) everywhere, logDet[r] = Σ_i log τ′(x_ri).
  func forward(_ x: Matrix<T>, _ theta: Matrix<T>, _ y: inout Matrix<T>, _ logDet: inout [T]) {
    switch self {
    case .affine(let k): k.forward(x, theta, &y, &logDet)
    }
  }

  /// x[:, i] = τ⁻¹(y[:, i]; θ[:, i]) for one column i.
  func inverseColumn(_ i: Int, _ y: Matrix<T>, _ theta: Matrix<T>, _ x: inout Matrix<T>) {
    switch self {
    case .affine(let k): k.inverseColumn(i, y, theta, &x)
    }
  }

  /// logDet[r] = −Σ_i log τ′(x_ri): the log-det of the inverse map at its output x.
  func inverseLogDet(_ x: Matrix<T>, _ theta: Matrix<T>, _ logDet: inout [T]) {
    switch self {
    case .affine(let k): k.inverseLogDet(x, theta, &logDet)
    }
  }

  /// ∂τ/∂x at every entry.
  func derivative(_ x: Matrix<T>, _ theta: Matrix<T>, _ out: inout Matrix<T>) {
    switch self {
    case .affine(let k): k.derivative(x, theta, &out)
    }
  }

  /// The vector–Jacobian product with ȳ = yScale·dY (0 when nil) and l̄ = ldScale·dLogDet
  /// (per row; 0 when nil): writes θ̄ into `dTheta` and, when given, x̄ (the direct part,
  /// not through θ) into `dX`.
  func vjp(_ x: Matrix<T>, _ theta: Matrix<T>, dY: Matrix<T>?, yScale: T, dLogDet: [T]?, ldScale: T,
           dX: UnsafeMutablePointer<T>?, dTheta: inout Matrix<T>) {
    switch self {
    case .affine(let k): k.vjp(x, theta, dY: dY, yScale: yScale, dLogDet: dLogDet, ldScale: ldScale, dX: dX, dTheta: &dTheta)
    }
  }
}
