import RealModule

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

/// Adds `bias` to every row of the rows × cols pre-activations at `a` (in place) and
/// writes the activation of the result to `h`: one pass over the layer output instead
/// of a bias broadcast before gemm plus an activation pass after it.
@inlinable
func biasActivationForward<T: FlowScalar>(
  _ activation: Activation, a: UnsafeMutablePointer<T>, bias: UnsafePointer<T>, h: UnsafeMutablePointer<T>,
  rows: Int, cols: Int
) {
  switch activation {
  case .identity:
    mapBiased(a, bias, h, rows, cols) { $0 }
  case .relu:
    mapBiased(a, bias, h, rows, cols) { Swift.max($0, 0) }
  case .leakyReLU(let slope):
    let s = T(slope)
    mapBiased(a, bias, h, rows, cols) { $0 > 0 ? $0 : s * $0 }
  case .tanh:
    mapBiased(a, bias, h, rows, cols) { T.tanh($0) }
  case .elu(let alpha):
    let al = T(alpha)
    mapBiased(a, bias, h, rows, cols) { $0 > 0 ? $0 : al * T.expMinusOne($0) }
  case .gelu:
    let r: T = 1 / T(2).squareRoot()
    mapBiased(a, bias, h, rows, cols) { $0 * (1 + T.erf($0 * r)) / 2 }
  case .sigmoid:
    mapBiased(a, bias, h, rows, cols) { T.sigmoid($0) }
  case .softplus:
    mapBiased(a, bias, h, rows, cols) { T.softplus($0) }
  }
}

/// a ← a + bias (per row), h ← f(a), over a rows × cols block.
@inlinable @inline(__always)
func mapBiased<T: FlowScalar>(
  _ a: UnsafeMutablePointer<T>, _ bias: UnsafePointer<T>, _ h: UnsafeMutablePointer<T>, _ rows: Int, _ cols: Int,
  _ f: (T) -> T
) {
  for r in 0..<rows {
    let base = r * cols
    for j in 0..<cols {
      let v = a[base + j] + bias[j]
      a[base + j] = v
      h[base + j] = f(v)
    }
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
