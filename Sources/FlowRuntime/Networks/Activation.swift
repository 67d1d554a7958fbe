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

extension Activation {
  /// Whether f′ can be computed from the output h = f(a) alone, h standing in for a where
  /// `withActivation`'s derivative reads a: true when f′ reads only h (tanh, sigmoid) or
  /// only a's sign and h > 0 exactly when a > 0 (ReLU, leaky ReLU and ELU with a slope or
  /// alpha ≥ 0). An MLP then keeps one buffer per layer instead of two (pre- and
  /// post-activations), which on a moons Real NVP step is a sixth of the memory the step
  /// touches, and the derivatives are the same bits.
  public var derivativeFollowsFromOutput: Bool {
    switch self {
    case .identity, .relu, .tanh, .sigmoid: return true
    case .leakyReLU(let slope): return slope >= 0
    case .elu(let alpha): return alpha >= 0
    case .gelu, .softplus: return false
    }
  }
}

// MARK: - Definitions

/// Calls `body` with the activation's function f and its derivative f′, the latter given
/// the pre-activation a and the output h = f(a) (each derivative uses whichever is
/// cheaper). Both are closure literals and this function is inlined, so each case of the
/// switch gets its own copy of `body`'s loops with f and f′ inlined into them: every kernel
/// (the MLP's below, the ConvNet's fused ones) reads the definitions from this one place.
@inlinable @inline(__always)
func withActivation<T: FlowScalar, R>(
  _ activation: Activation, _ body: (_ f: (T) -> T, _ derivative: (_ a: T, _ h: T) -> T) -> R
) -> R {
  switch activation {
  case .identity:
    return body({ $0 }, { _, _ in 1 })
  case .relu:
    // The derivative as a 0/1 factor rather than `if a ≤ 0 { g = 0 }`: the signs of
    // pre-activations are random, so that branch is mispredicted half the time, and a
    // conditional store does not vectorise. (g·0 differs from 0 only for a non-finite
    // g, NaN instead of 0; backward never runs on a non-finite loss.)
    return body({ Swift.max($0, 0) }, { a, _ in a > 0 ? 1 : 0 })
  case .leakyReLU(let slope):
    let s = T(slope)
    return body({ $0 > 0 ? $0 : s * $0 }, { a, _ in a > 0 ? 1 : s })
  case .tanh:
    return body({ T.tanh($0) }, { _, h in 1 - h * h })
  case .elu(let alpha):
    // For x ≤ 0, d/dx alpha·(eˣ − 1) = alpha·eˣ = h + alpha.
    let al = T(alpha)
    return body({ $0 > 0 ? $0 : al * T.expMinusOne($0) }, { a, h in a > 0 ? 1 : h + al })
  case .gelu:
    // d/dx x·Φ(x) = Φ(x) + x·φ(x).
    let r: T = 1 / T(2).squareRoot()
    let c: T = 1 / (2 * T.pi).squareRoot()
    return body({ $0 * (1 + T.erf($0 * r)) / 2 }, { a, _ in (1 + T.erf(a * r)) / 2 + a * c * T.exp(-a * a / 2) })
  case .sigmoid:
    return body({ T.sigmoid($0) }, { _, h in h * (1 - h) })
  case .softplus:
    return body({ T.softplus($0) }, { a, _ in T.sigmoid(a) })
  }
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
  withActivation(activation) { (f: (T) -> T, _) in
    // Row pointers, so the inner loop indexes by j alone: an overflow-checked `base + j`
    // in the loop would keep it from vectorising.
    for r in 0..<rows {
      let ar = a + r * cols, hr = h + r * cols
      for j in 0..<cols {
        let v = ar[j] + bias[j]
        ar[j] = v
        hr[j] = f(v)
      }
    }
  }
}

/// h = f(a) over `count` values.
@inlinable
func activationForward<T: FlowScalar>(_ activation: Activation, a: UnsafePointer<T>, h: UnsafeMutablePointer<T>, count: Int) {
  withActivation(activation) { (f: (T) -> T, _) in
    for i in 0..<count { h[i] = f(a[i]) }
  }
}

/// Turns dL/dh into dL/da in place at `g`, given the pre-activations `a` and outputs `h`
/// of the same forward pass.
@inlinable
func activationBackward<T: FlowScalar>(
  _ activation: Activation, a: UnsafePointer<T>, h: UnsafePointer<T>, g: UnsafeMutablePointer<T>, count: Int
) {
  if activation == .identity { return }
  withActivation(activation) { (_, derivative: (T, T) -> T) in
    for i in 0..<count { g[i] *= derivative(a[i], h[i]) }
  }
}
