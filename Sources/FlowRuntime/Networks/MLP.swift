import FlowRandom

/// A multilayer perceptron with PyTorch `nn.Linear` semantics, used as a coupling conditioner
/// (a `ConditionerNetwork`).
///
/// Layer l maps h ↦ h·Wₗᵀ + bₗ with Wₗ stored [out, in] row-major and bₗ [out], then applies
/// the hidden activation (or, after the last layer, the optional output activation).
/// Parameters are named as in an `nn.Sequential` of alternating Linear and activation
/// modules, so linear l is entry 2l: `0.weight`, `0.bias`, `2.weight`, ...
///
/// Every product is one BLAS gemm over the whole batch. Activations of the latest
/// `forward` are kept for `backward`, in buffers reused while the batch size stays the same.
public final class MLP<T: FlowScalar>: ConditionerNetwork {
  /// Element type.
  public typealias Scalar = T

  /// The layer sizes and activations.
  public let description: MLPDescription
  /// Weights, one [out, in] parameter per linear layer.
  public let weights: [Parameter<T>]
  /// Biases, one [out] parameter per linear layer.
  public let biases: [Parameter<T>]
  /// The context's weight into the first layer, for a conditional network.
  public let context: ContextProjection<T>?

  /// The input of the latest forward pass (a copy: the caller may reuse its buffer).
  var input: Matrix<T>
  /// Pre-activations a = h·Wᵀ + b, per layer; empty (never resized) for a layer whose
  /// activation's derivative follows from its output (`keepsPre(_:)`), computed in `post`.
  var pre: [Matrix<T>]
  /// Post-activations, per layer (the last one is the network's output).
  var post: [Matrix<T>]
  /// Gradient workspace, per layer: first dL/dh, turned into dL/da in place.
  var gradPre: [Matrix<T>]
  /// `forward`'s two hidden-layer buffers side by side, n × 2·(widest hidden layer): one
  /// network's worth, where recording keeps every layer's pre- and post-activations.
  /// Reused from call to call, reallocated only when the batch size changes.
  var scratch: Matrix<T>
  /// dL/dx of the latest backward pass.
  public private(set) var inputGradient: Matrix<T>
  /// Ignored: an MLP behaves the same in training and evaluation.
  public var isTraining = true

  /// A network initialised like PyTorch's `nn.Linear` default: every weight and bias
  /// drawn from U(−1/√in, 1/√in); the last layer is all zeros when `zeroInitLast` is set
  /// (the flow then starts as the identity, which keeps early training stable).
  ///
  /// - Parameters:
  ///   - namePrefix: prepended to every parameter name (`scale_net.`).
  ///   - rng: the generator the initial values are drawn from.
  public init(_ description: MLPDescription, namePrefix: String, rng: inout Xoshiro256) {
    precondition(description.inputs > 0 && description.outputs > 0, "an MLP needs inputs and outputs")
    precondition(description.hidden.allSatisfy { $0 > 0 }, "hidden layer sizes must be positive")
    self.description = description
    let sizes = [description.inputs] + description.hidden + [description.outputs]
    var ws: [Parameter<T>] = []
    var bs: [Parameter<T>] = []
    for l in 0..<(sizes.count - 1) {
      let fanIn = sizes[l], fanOut = sizes[l + 1]
      let isLast = l == sizes.count - 2
      let bound = 1 / Double(fanIn).squareRoot()
      var w = [T](repeating: 0, count: fanOut * fanIn)
      var b = [T](repeating: 0, count: fanOut)
      if !(isLast && description.zeroInitLast) {
        for i in w.indices { w[i] = T((2 * rng.nextUniform() - 1) * bound) }
        for i in b.indices { b[i] = T((2 * rng.nextUniform() - 1) * bound) }
      }
      ws.append(Parameter(name: "\(namePrefix)\(2 * l).weight", shape: [fanOut, fanIn], value: w))
      bs.append(Parameter(name: "\(namePrefix)\(2 * l).bias", shape: [fanOut], value: b))
    }
    weights = ws
    biases = bs
    // Drawn after the network's own weights, so a conditional net starts with the same
    // weights as its unconditional twin.
    context = description.context > 0
      ? ContextProjection(contextWidth: description.context, outputs: sizes[1], namePrefix: namePrefix, rng: &rng) : nil
    input = Matrix(rows: 0, cols: description.inputs)
    pre = sizes.dropFirst().map { Matrix(rows: 0, cols: $0) }
    post = pre
    gradPre = pre
    scratch = Matrix(rows: 0, cols: 2 * (description.hidden.max() ?? 0))
    inputGradient = Matrix(rows: 0, cols: description.inputs)
  }

  /// Weights and biases, layer by layer (weight before bias, as PyTorch lists them).
  public var parameters: [Parameter<T>] {
    zip(weights, biases).flatMap { [$0, $1] } + (context.map { [$0.weight] } ?? [])
  }

  /// Binds the context projection's slot.
  public func bindContext(_ slot: ContextSlot<T>) { context?.slot = slot }

  /// The output of the latest forward pass, [batch, outputs].
  public var output: Matrix<T> { post[post.count - 1] }

  /// The activation applied after linear layer `l`.
  @inlinable
  func activation(after l: Int) -> Activation {
    l == weights.count - 1 ? (description.outputActivation ?? .identity) : description.activation
  }

  /// Whether backward needs layer `l`'s pre-activations (GELU, softplus); otherwise the
  /// layer computes in place in `post`, whose values stand in for them.
  func keepsPre(_ l: Int) -> Bool { !activation(after: l).derivativeFollowsFromOutput }

  /// Runs the network on `x` ([batch, inputs]) and returns `output`, keeping nothing
  /// else: the hidden layers go through two halves of `scratch`, so an evaluation at a
  /// large batch holds two hidden layers' activations per network instead of every
  /// layer's pre- and post-activations and a copy of the input (and the recording
  /// buffers keep the training batch's size). For Real NVP on Fashion-MNIST, whose
  /// validation pass at batch 500 was the run's peak, that took 41 MiB off it.
  /// `backward` must follow `forwardRecording`, never this.
  @discardableResult
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func forward(_ x: Matrix<T>) -> Matrix<T> {
    precondition(x.cols == description.inputs, "MLP expects \(description.inputs) inputs, got \(x.cols)")
    let n = x.rows
    let last = weights.count - 1
    post[last].resize(rows: n)
    guard n > 0 else { return output }
    // Hidden layer l writes half l % 2 of `scratch` and reads the other; every element
    // is written by gemm (beta 0) before it is read.
    scratch.resize(rows: n)
    let stride = n * (scratch.cols / 2)
    x.storage.withUnsafeBufferPointer { xp in
      post[last].storage.withUnsafeMutableBufferPointer { yp in
        scratch.storage.withUnsafeMutableBufferPointer { sp in
          for l in 0...last {
            let h = l == 0 ? xp.baseAddress! : UnsafePointer(sp.baseAddress! + ((l + 1) % 2) * stride)
            let a = l == last ? yp.baseAddress! : sp.baseAddress! + (l % 2) * stride
            // Bias and activation in place (post = pre = a).
            runLayer(l, rows: n, input: h, pre: a, post: a)
          }
        }
      }
    }
    return output
  }

  /// Runs the network on `x` and keeps its input and every layer's post-activations for
  /// `backward`, and the pre-activations of the layers whose derivative needs them.
  @discardableResult
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func forwardRecording(_ x: Matrix<T>) -> Matrix<T> {
    precondition(x.cols == description.inputs, "MLP expects \(description.inputs) inputs, got \(x.cols)")
    let n = x.rows
    input.assign(x)
    for l in 0..<weights.count {
      post[l].resize(rows: n)
      let below = l == 0 ? input : post[l - 1]
      below.storage.withUnsafeBufferPointer { h in
        post[l].storage.withUnsafeMutableBufferPointer { p in
          guard keepsPre(l) else {
            runLayer(l, rows: n, input: h.baseAddress!, pre: p.baseAddress!, post: p.baseAddress!)
            return
          }
          pre[l].resize(rows: n)
          pre[l].storage.withUnsafeMutableBufferPointer { a in
            runLayer(l, rows: n, input: h.baseAddress!, pre: a.baseAddress!, post: p.baseAddress!)
          }
        }
      }
    }
    return output
  }

  /// Linear layer `l` on `n` rows, the one step both passes share: a = h·Wᵀ by gemm (plus
  /// the context's term at layer 0), then bias and activation in one pass over a, post =
  /// f(a + b). `post` may be `pre`: `biasActivationForward` reads each a[j] before it
  /// writes post[j].
  @inline(__always)
  private func runLayer(_ l: Int, rows n: Int, input h: UnsafePointer<T>, pre a: UnsafeMutablePointer<T>,
                        post: UnsafeMutablePointer<T>) {
    let out = weights[l].shape[0], fanIn = weights[l].shape[1]
    weights[l].value.withUnsafeBufferPointer { w in
      T.gemm(
        transA: false, transB: true, m: n, n: out, k: fanIn,
        alpha: 1, a: h, lda: fanIn, b: w.baseAddress!, ldb: fanIn,
        beta: 0, c: a, ldc: out)
    }
    if l == 0, let context { context.addForward(into: a, rows: n) }
    biases[l].value.withUnsafeBufferPointer { b in
      biasActivationForward(activation(after: l), a: a, bias: b.baseAddress!, h: post, rows: n, cols: out)
    }
  }

  /// Back-propagates dL/d(output) through the latest forward pass: adds the weight and
  /// bias gradients into the parameters and returns dL/dx (also left in `inputGradient`).
  @discardableResult
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func backward(_ dOutput: Matrix<T>) -> Matrix<T> {
    let last = weights.count - 1
    let n = input.rows
    precondition(dOutput.rows == n && dOutput.cols == description.outputs, "MLP backward: gradient shape mismatch")
    gradPre[last].assign(dOutput)
    for l in stride(from: last, through: 0, by: -1) {
      let out = weights[l].shape[0], fanIn = weights[l].shape[1]
      let act = activation(after: l)
      // Without kept pre-activations the output stands in for them (see keepsPre).
      (keepsPre(l) ? pre[l] : post[l]).storage.withUnsafeBufferPointer { a in
        post[l].storage.withUnsafeBufferPointer { h in
          gradPre[l].storage.withUnsafeMutableBufferPointer { g in
            activationBackward(act, a: a.baseAddress!, h: h.baseAddress!, g: g.baseAddress!, count: n * out)
          }
        }
      }
      let below = l == 0 ? input : post[l - 1]
      if l == 0, let context { gradPre[0].storage.withUnsafeBufferPointer { context.backward($0.baseAddress!, rows: n) } }
      gradPre[l].storage.withUnsafeBufferPointer { g in
        // dW += dAᵀ·H_below: [out, n]·[n, in].
        weights[l].gradient.withUnsafeMutableBufferPointer { dw in
          below.storage.withUnsafeBufferPointer { h in
            T.gemm(
              transA: true, transB: false, m: out, n: fanIn, k: n,
              alpha: 1, a: g.baseAddress!, lda: out, b: h.baseAddress!, ldb: fanIn,
              beta: 1, c: dw.baseAddress!, ldc: fanIn)
          }
        }
        // db += column sums of dA.
        biases[l].gradient.withUnsafeMutableBufferPointer { db in
          for r in 0..<n {
            let row = g.baseAddress! + r * out
            for j in 0..<out { db[j] += row[j] }
          }
        }
      }
      // dH_below = dA·W: [n, out]·[out, in]; for the bottom layer this is dL/dx.
      // The target is moved out of its array while gemm writes it, so that reading
      // gradPre[l] and writing gradPre[l - 1] are not overlapping accesses to one array.
      var target = l == 0 ? inputGradient : gradPre[l - 1]
      if l == 0 { inputGradient = Matrix(rows: 0, cols: 0) } else { gradPre[l - 1] = Matrix(rows: 0, cols: 0) }
      target.resize(rows: n, cols: fanIn)
      gradPre[l].storage.withUnsafeBufferPointer { g in
        weights[l].value.withUnsafeBufferPointer { w in
          target.storage.withUnsafeMutableBufferPointer { t in
            T.gemm(
              transA: false, transB: false, m: n, n: fanIn, k: out,
              alpha: 1, a: g.baseAddress!, lda: out, b: w.baseAddress!, ldb: fanIn,
              beta: 0, c: t.baseAddress!, ldc: fanIn)
          }
        }
      }
      if l == 0 { inputGradient = target } else { gradPre[l - 1] = target }
    }
    return inputGradient
  }
}
