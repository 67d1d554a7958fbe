import FlowRandom

/// A network's connection to the flow's context: a linear map W ∈ ℝ^{out × C} (no bias,
/// the layer it feeds has one) whose output c·Wᵀ is added to the pre-activations of the
/// network's first layer.
///
/// For an MLP this is exactly an MLP whose input is [x, c] (the context's columns of the
/// first weight kept apart); for a MADE the context has degree 0, so it reaches every
/// hidden unit and no output depends on a later dimension (the autoregressive property
/// holds); for a conv net the same map gives a per-channel bias of the first convolution,
/// broadcast over the pixels (the conditioning of van den Oord et al. 2016's conditional
/// PixelCNN, h = W∗x + Vᵀc), which costs one [n, C]·[C, out] product instead of C extra
/// input channels through every kernel.
///
/// The weight is named `<prefix>context.weight`, [out, C], PyTorch's `nn.Linear` layout,
/// and starts like one: U(−1/√C, 1/√C).
public final class ContextProjection<T: FlowScalar> {
  /// W, [out, C].
  public let weight: Parameter<T>
  /// The flow's context, bound after the network is built.
  var slot: ContextSlot<T>?
  /// c·Wᵀ of the latest pass (conv nets), or dL/d(c·Wᵀ) of the latest backward.
  var scratch: Matrix<T>

  /// A projection from `contextWidth` values to `outputs` units.
  init(contextWidth: Int, outputs: Int, namePrefix: String, rng: inout Xoshiro256) {
    let bound = 1 / Double(contextWidth).squareRoot()
    var w = [T](repeating: 0, count: outputs * contextWidth)
    for i in w.indices { w[i] = T((2 * rng.nextUniform() - 1) * bound) }
    weight = Parameter(name: namePrefix + "context.weight", shape: [outputs, contextWidth], value: w)
    scratch = Matrix(rows: 0, cols: outputs)
  }

  var outputs: Int { weight.shape[0] }
  var contextWidth: Int { weight.shape[1] }

  /// The bound slot's context for a batch of `rows`.
  private func context(rows n: Int) -> Matrix<T> {
    guard let slot else { preconditionFailure("a conditional network was run before the flow bound its context") }
    precondition(slot.value.rows == n && slot.value.cols == contextWidth,
                 "context is \(slot.value.rows)×\(slot.value.cols), expected \(n)×\(contextWidth)")
    return slot.value
  }

  /// a += c·Wᵀ for the [n, out] row-major pre-activations `a`.
  func addForward(into a: UnsafeMutablePointer<T>, rows n: Int) {
    let c = context(rows: n), out = outputs, k = contextWidth
    c.storage.withUnsafeBufferPointer { cp in
      weight.value.withUnsafeBufferPointer { w in
        T.gemm(transA: false, transB: true, m: n, n: out, k: k, alpha: 1, a: cp.baseAddress!, lda: k,
               b: w.baseAddress!, ldb: k, beta: 1, c: a, ldc: out)
      }
    }
  }

  /// dW += gᵀ·c and, when the slot tracks it, dL/dc += g·W, for g = dL/da [n, out].
  func backward(_ g: UnsafePointer<T>, rows n: Int) {
    let c = context(rows: n), out = outputs, k = contextWidth
    c.storage.withUnsafeBufferPointer { cp in
      weight.gradient.withUnsafeMutableBufferPointer { dw in
        T.gemm(transA: true, transB: false, m: out, n: k, k: n, alpha: 1, a: g, lda: out,
               b: cp.baseAddress!, ldb: k, beta: 1, c: dw.baseAddress!, ldc: k)
      }
    }
    guard let slot, slot.tracksGradient else { return }
    weight.value.withUnsafeBufferPointer { w in
      slot.gradient.storage.withUnsafeMutableBufferPointer { dc in
        T.gemm(transA: false, transB: false, m: n, n: k, k: out, alpha: 1, a: g, lda: out,
               b: w.baseAddress!, ldb: k, beta: 1, c: dc.baseAddress!, ldc: k)
      }
    }
  }

  /// Adds the per-channel bias c·Wᵀ to channel-major activations [out, n·plane] (a conv
  /// net's first convolution).
  func addChannelBias(into v: UnsafeMutablePointer<T>, rows n: Int, plane: Int) {
    scratch.resize(rows: n)
    scratch.zero()
    scratch.storage.withUnsafeMutableBufferPointer { addForward(into: $0.baseAddress!, rows: n) }
    let out = outputs
    scratch.storage.withUnsafeBufferPointer { b in
      for ch in 0..<out {
        for r in 0..<n {
          let bias = b[r * out + ch], row = v + (ch * n + r) * plane
          for p in 0..<plane { row[p] += bias }
        }
      }
    }
  }

  /// The backward of `addChannelBias` for dL/dv, channel-major [out, n·plane]: the bias
  /// gradient is the sum over each image's pixels.
  func backwardChannelBias(_ g: UnsafePointer<T>, rows n: Int, plane: Int) {
    let out = outputs
    scratch.resize(rows: n)
    scratch.storage.withUnsafeMutableBufferPointer { b in
      for ch in 0..<out {
        for r in 0..<n {
          let row = g + (ch * n + r) * plane
          var s: T = 0
          for p in 0..<plane { s += row[p] }
          b[r * out + ch] = s
        }
      }
    }
    scratch.storage.withUnsafeBufferPointer { backward($0.baseAddress!, rows: n) }
  }
}
