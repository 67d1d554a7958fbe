import FlowRandom

/// A MADE's configuration: the order of the dimensions, the network's sizes and
/// nonlinearities, and how many outputs each dimension gets.
public struct MADEDescription: Sendable, Hashable, Codable {
  /// order[k] is the dimension generated k-th (a permutation of 0..<D).
  public var order: [Int]
  /// The network: D inputs, D·k outputs.
  public var net: MLPDescription
  /// Outputs per dimension, k (2 for an affine transform; 3K − 1 for a K-bin spline).
  public var parametersPerDimension: Int

  /// A MADE description with every field given.
  public init(order: [Int], net: MLPDescription, parametersPerDimension: Int) {
    self.order = order
    self.net = net
    self.parametersPerDimension = parametersPerDimension
  }
}

/// A masked multilayer perceptron whose outputs for dimension i depend only on the
/// inputs before i in its order (MADE, Germain et al. 2015; the degrees and masks are
/// `MADEDegrees`').
///
/// Layer l maps h ↦ h·(W_l ⊙ M_l)ᵀ + b_l, with PyTorch `nn.Linear` layout and names as in
/// an `nn.Sequential` (`0.weight` [out, in], `0.bias`, then `2.weight`, ...), and the 0/1
/// mask M_l beside each weight as the buffer `0.mask` (nflows' and zuko's `MaskedLinear`
/// keep the same buffer). The masks are fixed by the order: they are rebuilt from it
/// when the layer is built, written to checkpoints for other readers, and a loaded
/// checkpoint must hold the same ones (`Buffer.isFixed`).
///
/// The masked weights W ⊙ M are formed once per pass over a batch (`applyMasks`, an
/// O(out·in) pass, far below the O(batch·out·in) products), so every product is one
/// plain BLAS gemm; a sampling direction that runs D network passes masks once. The
/// weight gradients are masked after they are accumulated, so the optimizer never moves
/// a masked weight: masked entries start at 0 and stay 0, and the stored weight equals
/// the effective one.
public final class MADE<T: FlowScalar> {
  /// The sizes, nonlinearities and order.
  public let description: MADEDescription
  /// Weights, one [out, in] parameter per linear layer (masked entries held at 0).
  public let weights: [Parameter<T>]
  /// Biases, one [out] parameter per linear layer.
  public let biases: [Parameter<T>]
  /// The 0/1 masks, one [out, in] fixed buffer per linear layer.
  public let masks: [Buffer<T>]
  /// The context's weight into the first layer (`net.context`), for a conditional MADE.
  /// The context has degree 0: it reaches every unit of the first layer, unmasked, and
  /// through them every output, which still depends on no later dimension.
  public let context: ContextProjection<T>?

  /// W_l ⊙ M_l, formed by `applyMasks`.
  var maskedWeights: [[T]]
  /// The input of the latest forward pass (a copy).
  var input: Matrix<T>
  /// Pre-activations per layer; empty for a layer whose activation's derivative follows
  /// from its output (`keepsPre(_:)`, as in `MLP`), computed in `post` instead.
  var pre: [Matrix<T>]
  /// Post-activations per layer (the last one is the output).
  var post: [Matrix<T>]
  /// Gradient workspace per layer: dL/dh, turned into dL/da in place.
  var gradPre: [Matrix<T>]
  /// dL/dx of the latest backward pass that asked for it.
  public private(set) var inputGradient: Matrix<T>

  /// A MADE initialised like PyTorch's `nn.Linear` (weights and biases U(−1/√in, 1/√in)),
  /// with the masked weights set to 0 and, with `zeroInitLast`, the last layer all zeros.
  ///
  /// - Parameters:
  ///   - namePrefix: prepended to every parameter and mask name (`net.`).
  ///   - rng: the generator the initial values are drawn from.
  public init(_ description: MADEDescription, namePrefix: String, rng: inout Xoshiro256) {
    let d = description.order.count, k = description.parametersPerDimension
    let net = description.net
    precondition(d > 0 && k > 0, "a MADE needs dimensions and outputs")
    precondition(net.inputs == d && net.outputs == d * k, "MADE net is \(net.inputs) -> \(net.outputs), expected \(d) -> \(d * k)")
    precondition(net.hidden.allSatisfy { $0 > 0 }, "hidden layer sizes must be positive")
    self.description = description
    let sizes = [d] + net.hidden + [d * k]
    let maskValues = MADEDegrees.masks(order: description.order, hidden: net.hidden, parametersPerDimension: k, as: T.self)
    var ws: [Parameter<T>] = [], bs: [Parameter<T>] = [], ms: [Buffer<T>] = []
    for l in 0..<(sizes.count - 1) {
      let fanIn = sizes[l], fanOut = sizes[l + 1]
      let isLast = l == sizes.count - 2
      let bound = 1 / Double(fanIn).squareRoot()
      var w = [T](repeating: 0, count: fanOut * fanIn)
      var b = [T](repeating: 0, count: fanOut)
      if !(isLast && net.zeroInitLast) {
        for i in w.indices { w[i] = T((2 * rng.nextUniform() - 1) * bound) * maskValues[l][i] }
        for i in b.indices { b[i] = T((2 * rng.nextUniform() - 1) * bound) }
      }
      ws.append(Parameter(name: "\(namePrefix)\(2 * l).weight", shape: [fanOut, fanIn], value: w))
      bs.append(Parameter(name: "\(namePrefix)\(2 * l).bias", shape: [fanOut], value: b))
      ms.append(Buffer(name: "\(namePrefix)\(2 * l).mask", shape: [fanOut, fanIn], value: maskValues[l], isFixed: true))
    }
    weights = ws
    biases = bs
    masks = ms
    context = net.context > 0
      ? ContextProjection(contextWidth: net.context, outputs: sizes[1], namePrefix: namePrefix, rng: &rng) : nil
    maskedWeights = ws.map(\.value)
    input = Matrix(rows: 0, cols: d)
    pre = sizes.dropFirst().map { Matrix(rows: 0, cols: $0) }
    post = pre
    gradPre = pre
    inputGradient = Matrix(rows: 0, cols: d)
  }

  /// Weights and biases, layer by layer (weight before bias, as PyTorch lists them).
  public var parameters: [Parameter<T>] { zip(weights, biases).flatMap { [$0, $1] } + (context.map { [$0.weight] } ?? []) }

  /// Binds the context projection's slot.
  public func bindContext(_ slot: ContextSlot<T>) { context?.slot = slot }

  /// The output of the latest forward pass, [batch, D·k].
  public var output: Matrix<T> { post[post.count - 1] }

  /// The activation applied after linear layer `l`.
  @inlinable
  func activation(after l: Int) -> Activation {
    l == weights.count - 1 ? (description.net.outputActivation ?? .identity) : description.net.activation
  }

  /// Whether backward needs layer `l`'s pre-activations (GELU, softplus); otherwise the
  /// layer computes in place in `post`, whose values stand in for them.
  func keepsPre(_ l: Int) -> Bool { !activation(after: l).derivativeFollowsFromOutput }

  /// Forms W ⊙ M for every layer; call once before the passes over a batch (the weights
  /// may have changed since the last call).
  public func applyMasks() {
    for l in weights.indices {
      weights[l].value.withUnsafeBufferPointer { w in
        masks[l].value.withUnsafeBufferPointer { m in
          maskedWeights[l].withUnsafeMutableBufferPointer { out in
            for i in 0..<out.count { out[i] = w[i] * m[i] }
          }
        }
      }
    }
  }

  /// Runs the network on `x` ([batch, D]) with the masked weights of the latest
  /// `applyMasks`; read the result from `output`.
  public func forward(_ x: Matrix<T>) {
    precondition(x.cols == description.order.count, "MADE expects \(description.order.count) inputs, got \(x.cols)")
    let n = x.rows
    input.assign(x)
    for l in 0..<weights.count {
      post[l].resize(rows: n)
      let out = weights[l].shape[0], fanIn = weights[l].shape[1]
      let act = activation(after: l)
      let below = l == 0 ? input : post[l - 1]
      // a = h·(W ⊙ M)ᵀ (+ the context's term), then bias and activation: in `post` alone
      // when backward can do without a (biasActivationForward allows h == a).
      func layer(_ a: UnsafeMutablePointer<T>, _ h: UnsafeMutablePointer<T>) {
        below.storage.withUnsafeBufferPointer { x in
          maskedWeights[l].withUnsafeBufferPointer { w in
            T.gemm(transA: false, transB: true, m: n, n: out, k: fanIn,
                   alpha: 1, a: x.baseAddress!, lda: fanIn, b: w.baseAddress!, ldb: fanIn,
                   beta: 0, c: a, ldc: out)
          }
        }
        if l == 0, let context { context.addForward(into: a, rows: n) }
        biases[l].value.withUnsafeBufferPointer { b in
          biasActivationForward(act, a: a, bias: b.baseAddress!, h: h, rows: n, cols: out)
        }
      }
      post[l].storage.withUnsafeMutableBufferPointer { h in
        guard keepsPre(l) else { return layer(h.baseAddress!, h.baseAddress!) }
        pre[l].resize(rows: n)
        pre[l].storage.withUnsafeMutableBufferPointer { a in layer(a.baseAddress!, h.baseAddress!) }
      }
    }
  }

  /// Back-propagates dL/d(output) through the latest forward pass.
  ///
  /// - Parameters:
  ///   - accumulateParameters: add the (masked) weight and bias gradients into the
  ///     parameters; off for the vector–Jacobian products an implicit backward needs.
  ///   - needsInputGradient: leave dL/dx in `inputGradient` (skips the bottom product if not).
  public func backward(_ dOutput: Matrix<T>, accumulateParameters: Bool, needsInputGradient: Bool) {
    let last = weights.count - 1
    let n = input.rows
    precondition(dOutput.rows == n && dOutput.cols == output.cols, "MADE backward: gradient shape mismatch")
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
      if accumulateParameters { accumulateGradients(layer: l, rows: n) }
      // The context enters like a weight (it does not depend on the layer's input), so its
      // gradient comes with the weights' in the one accumulating pass.
      if l == 0, accumulateParameters, let context {
        gradPre[0].storage.withUnsafeBufferPointer { context.backward($0.baseAddress!, rows: n) }
      }
      guard l > 0 || needsInputGradient else { continue }
      // dH_below = dA·(W ⊙ M): [n, out]·[out, in]. The target leaves its array while gemm
      // writes it, so reading gradPre[l] and writing gradPre[l − 1] do not overlap.
      var target = l == 0 ? inputGradient : gradPre[l - 1]
      if l == 0 { inputGradient = Matrix(rows: 0, cols: 0) } else { gradPre[l - 1] = Matrix(rows: 0, cols: 0) }
      target.resize(rows: n, cols: fanIn)
      gradPre[l].storage.withUnsafeBufferPointer { g in
        maskedWeights[l].withUnsafeBufferPointer { w in
          target.storage.withUnsafeMutableBufferPointer { t in
            T.gemm(transA: false, transB: false, m: n, n: fanIn, k: out,
                   alpha: 1, a: g.baseAddress!, lda: out, b: w.baseAddress!, ldb: fanIn,
                   beta: 0, c: t.baseAddress!, ldc: fanIn)
          }
        }
      }
      if l == 0 { inputGradient = target } else { gradPre[l - 1] = target }
    }
  }

  /// dW_l += (dA_lᵀ·H_below) ⊙ M_l and db_l += column sums of dA_l.
  func accumulateGradients(layer l: Int, rows n: Int) {
    let out = weights[l].shape[0], fanIn = weights[l].shape[1]
    let below = l == 0 ? input : post[l - 1]
    gradPre[l].storage.withUnsafeBufferPointer { g in
      weights[l].gradient.withUnsafeMutableBufferPointer { dw in
        below.storage.withUnsafeBufferPointer { h in
          T.gemm(transA: true, transB: false, m: out, n: fanIn, k: n,
                 alpha: 1, a: g.baseAddress!, lda: out, b: h.baseAddress!, ldb: fanIn,
                 beta: 1, c: dw.baseAddress!, ldc: fanIn)
        }
        // Masked entries had a zero gradient before this product, so masking the sum
        // keeps them at exactly zero.
        masks[l].value.withUnsafeBufferPointer { m in
          for i in 0..<dw.count { dw[i] *= m[i] }
        }
      }
      biases[l].gradient.withUnsafeMutableBufferPointer { db in
        for r in 0..<n {
          let row = g.baseAddress! + r * out
          for j in 0..<out { db[j] += row[j] }
        }
      }
    }
  }
}
