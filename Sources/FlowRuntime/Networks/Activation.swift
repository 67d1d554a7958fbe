/// A pointwise nonlinearity of an MLP, with PyTorch's definitions and defaults.
public enum Activation: Sendable, Hashable, Codable {
  /// f(x) = x.
  case identity
  /// f(x) = max(x, 0).
  case relu
  /// f(x) = x for x > 0, slope·x otherwise (PyTorch's default slope is 0.01).
  case leakyReLU(slope: Double)
  /// f(x) = tanh(x).
  case tanh
  /// f(x) = x for x > 0, alpha·(eˣ − 1) otherwise (PyTorch's default alpha is 1).
  case elu(alpha: Double)
  /// f(x) = x·Φ(x) with the exact normal CDF Φ(x) = ½(1 + erf(x/√2)), PyTorch's default GELU.
  case gelu
  /// f(x) = 1 / (1 + e^−x).
  case sigmoid
  /// f(x) = log(1 + eˣ), computed stably (PyTorch switches to x above 20; the two differ by < 3e-9).
  case softplus
}

// MARK: - Kernels

/// Applies `activation` to the `count` pre-activations at `a`, writing results to `h`.
@inlinable
func activationForward<T: FlowScalar>(
  _ activation: Activation, a: UnsafePointer<T>, h: UnsafeMutablePointer<T>, count: Int
) {
  switch activation {
  case .identity:
    h.update(from: a, count: count)
  case .relu:
    for i in 0..<count { h[i] = Swift.max(a[i], 0) }
  case .leakyReLU(let slope):
    let s = T(slope)
    for i in 0..<count { let v = a[i]; h[i] = v > 0 ? v : s * v }
  case .tanh:
    for i in 0..<count { h[i] = T.tanh(a[i]) }
  case .elu(let alpha):
    let al = T(alpha)
    for i in 0..<count { let v = a[i]; h[i] = v > 0 ? v : al * T.expm1(v) }
  case .gelu:
    let r: T = 1 / T(2).squareRoot()
    for i in 0..<count { let v = a[i]; h[i] = v * (1 + T.erf(v * r)) / 2 }
  case .sigmoid:
    for i in 0..<count { h[i] = T.sigmoid(a[i]) }
  case .softplus:
    for i in 0..<count { h[i] = T.softplus(a[i]) }
  }
}

/// Turns dL/dh into dL/da in place at `g`, given the pre-activations `a` and outputs `h`
/// of the same forward pass (each derivative uses whichever is cheaper).
@inlinable
func activationBackward<T: FlowScalar>(
  _ activation: Activation, a: UnsafePointer<T>, h: UnsafePointer<T>, g: UnsafeMutablePointer<T>, count: Int
) {
  switch activation {
  case .identity:
    break
  case .relu:
    for i in 0..<count where a[i] <= 0 { g[i] = 0 }
  case .leakyReLU(let slope):
    let s = T(slope)
    for i in 0..<count { g[i] = a[i] > 0 ? g[i] : s * g[i] }
  case .tanh:
    for i in 0..<count { let t = h[i]; g[i] *= 1 - t * t }
  case .elu(let alpha):
    // For x ≤ 0, d/dx alpha·(eˣ − 1) = alpha·eˣ = h + alpha.
    let al = T(alpha)
    for i in 0..<count where a[i] <= 0 { g[i] *= h[i] + al }
  case .gelu:
    // d/dx x·Φ(x) = Φ(x) + x·φ(x).
    let r: T = 1 / T(2).squareRoot()
    let c: T = 1 / (2 * T.pi).squareRoot()
    for i in 0..<count {
      let v = a[i]
      g[i] *= (1 + T.erf(v * r)) / 2 + v * c * T.exp(-v * v / 2)
    }
  case .sigmoid:
    for i in 0..<count { let s = h[i]; g[i] *= s * (1 - s) }
  case .softplus:
    for i in 0..<count { g[i] *= T.sigmoid(a[i]) }
  }
}
