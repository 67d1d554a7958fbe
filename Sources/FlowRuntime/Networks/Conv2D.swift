import FlowRandom

/// A 2-D convolution with PyTorch `nn.Conv2d` semantics: same padding (p = (k − 1)/2),
/// stride 1, odd kernel size k, a bias per output channel.
///
///   out[co, i, j] = bias[co] + Σ_{ci, dy, dx} weight[co, ci, dy, dx] · x[ci, i + dy − p, j + dx − p]
///
/// with x zero outside the image. `weight` is stored [Cout, Cin, k, k] and `bias` [Cout], as
/// PyTorch stores them, named `<prefix>weight` and `<prefix>bias`.
///
/// It works on a channel-major batch: n images [C, H, W] held as C rows of n·H·W values
/// (image b's pixel (i, j) of channel c at column b·H·W + i·W + j), so that the whole
/// batch is one gemm. One of three schemes is fixed at construction:
/// - k = 1: out = W · x directly (no patches);
/// - Cin ≤ Cout, "input patches" (im2col): the Cin·k² shifted copies of x are gathered into
///   a patch matrix P and out = W[Cout, Cin·k²] · P (Caffe's scheme);
/// - Cin > Cout, "output patches": Z = W′[Cout·k², Cin] · x, one 1×1 product per kernel
///   offset, and the k² shifted planes of Z are added into out. It moves the shifted
///   copies to the narrower side: for a conditioner's last conv (64 → 4 channels, k = 3)
///   the workspace is 36 rows instead of 576, for the same FLOP count.
///
/// Backward (dL/dW += dOut·Pᵀ, dL/dP = Wᵀ·dOut then patches added back; or the adjoint of
/// each step of the output-patch scheme) is one or two more gemms over the batch. The
/// patch workspace is recomputed in `backward` rather than kept, so convolutions that
/// share a `ScratchBuffer` (a `ConvNet`'s) need only one workspace between them.
///
/// Initialisation is PyTorch's default for `nn.Conv2d` (kaiming-uniform with a = √5):
/// weight and bias ~ U(−1/√fan_in, 1/√fan_in), fan_in = Cin·k², weight first; or all zeros.
public final class Conv2D<T: FlowScalar> {
  /// How the product is arranged.
  enum Scheme {
    /// k = 1: a plain product.
    case pointwise
    /// im2col on the input side.
    case inputPatches
    /// Per-offset products, shifted and added on the output side.
    case outputPatches
  }

  /// Number of input channels Cin.
  public let inputChannels: Int
  /// Number of output channels Cout.
  public let outputChannels: Int
  /// The (odd) kernel size k.
  public let kernelSize: Int
  /// Image height H.
  public let height: Int
  /// Image width W.
  public let width: Int
  /// [Cout, Cin, k, k].
  public let weight: Parameter<T>
  /// [Cout].
  public let bias: Parameter<T>

  /// The product arrangement.
  let scheme: Scheme
  /// Patch workspace (possibly shared with other convolutions run one after another).
  let workspace: ScratchBuffer<T>
  /// Output-patch scheme: the weight reordered to [(co, dy, dx), ci], and its gradient.
  var offsetWeight: [T], offsetGradient: [T]

  /// Input and output of the channel-major `forward`/`backward` (tests, other callers).
  var savedInput: Matrix<T>, output: Matrix<T>, inputGradient: Matrix<T>

  /// A convolution from `inputChannels` to `outputChannels` on H × W images.
  ///
  /// - Parameters:
  ///   - namePrefix: prepended to `weight` and `bias` (`net.0.`).
  ///   - zeroInit: start with weight and bias zero (no draws from `rng`).
  ///   - workspace: a patch workspace to share; nil for one of its own.
  public convenience init(
    inputChannels: Int, outputChannels: Int, kernelSize: Int, height: Int, width: Int, namePrefix: String = "",
    zeroInit: Bool = false, rng: inout Xoshiro256
  ) {
    self.init(
      inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: kernelSize, height: height, width: width,
      namePrefix: namePrefix, zeroInit: zeroInit, workspace: ScratchBuffer(), rng: &rng)
  }

  /// The designated initialiser, with the workspace given.
  init(
    inputChannels cin: Int, outputChannels cout: Int, kernelSize k: Int, height h: Int, width w: Int, namePrefix: String,
    zeroInit: Bool, workspace: ScratchBuffer<T>, rng: inout Xoshiro256
  ) {
    precondition(cin > 0 && cout > 0 && h > 0 && w > 0, "a convolution needs channels and an image")
    precondition(k > 0 && k % 2 == 1, "kernel size must be odd, got \(k)")
    inputChannels = cin
    outputChannels = cout
    kernelSize = k
    height = h
    width = w
    let fanIn = cin * k * k
    var wv = [T](repeating: 0, count: cout * fanIn), bv = [T](repeating: 0, count: cout)
    if !zeroInit {
      let bound = 1 / Double(fanIn).squareRoot()
      for i in wv.indices { wv[i] = T((2 * rng.nextUniform() - 1) * bound) }
      for i in bv.indices { bv[i] = T((2 * rng.nextUniform() - 1) * bound) }
    }
    weight = Parameter(name: namePrefix + "weight", shape: [cout, cin, k, k], value: wv)
    bias = Parameter(name: namePrefix + "bias", shape: [cout], value: bv)
    scheme = k == 1 ? .pointwise : (cin <= cout ? .inputPatches : .outputPatches)
    self.workspace = workspace
    offsetWeight = scheme == .outputPatches ? [T](repeating: 0, count: cout * fanIn) : []
    offsetGradient = offsetWeight
    savedInput = Matrix(rows: cin, cols: 0)
    output = Matrix(rows: cout, cols: 0)
    inputGradient = savedInput
  }

  /// `weight`, `bias`.
  public var parameters: [Parameter<T>] { [weight, bias] }

  /// Workspace elements a batch of `n` images needs.
  func workspaceCount(batch n: Int) -> Int {
    let length = n * height * width, kk = kernelSize * kernelSize
    switch scheme {
    case .pointwise: return 0
    case .inputPatches: return inputChannels * kk * length
    case .outputPatches: return outputChannels * kk * length
    }
  }

  /// Multiply-adds per image, times 2: the FLOPs of one forward pass on one image.
  public var flopsPerImage: Int { 2 * kernelSize * kernelSize * inputChannels * outputChannels * height * width }

  // MARK: - Channel-major matrices

  /// out = conv(x) for x [Cin, n·H·W] channel-major (see the type's comment); returns
  /// [Cout, n·H·W], kept for `backward`.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func forward(_ x: Matrix<T>) -> Matrix<T> {
    precondition(x.rows == inputChannels && x.cols % (height * width) == 0, "convolution expects [\(inputChannels), n·\(height)·\(width)]")
    let n = x.cols / (height * width)
    savedInput.assign(x)
    output.resize(rows: outputChannels, cols: x.cols)
    x.storage.withUnsafeBufferPointer { xp in
      output.storage.withUnsafeMutableBufferPointer { yp in forward(xp.baseAddress!, yp.baseAddress!, batch: n) }
    }
    return output
  }

  /// Given dL/d(out) [Cout, n·H·W] of the latest `forward`, adds dL/dW and dL/db and
  /// returns dL/dx [Cin, n·H·W].
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func backward(_ dOut: Matrix<T>) -> Matrix<T> {
    precondition(dOut.rows == outputChannels && dOut.cols == savedInput.cols, "convolution backward: shape mismatch")
    let n = dOut.cols / (height * width)
    inputGradient.resize(rows: inputChannels, cols: dOut.cols)
    savedInput.storage.withUnsafeBufferPointer { xp in
      dOut.storage.withUnsafeBufferPointer { gp in
        inputGradient.storage.withUnsafeMutableBufferPointer { dp in
          backward(xp.baseAddress!, gp.baseAddress!, dp.baseAddress!, batch: n)
        }
      }
    }
    return inputGradient
  }

  // MARK: - Kernels on pointers

  /// y = conv(x) over a channel-major batch of `n` images: x [Cin, n·H·W], y [Cout, n·H·W].
  func forward(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, batch n: Int) {
    let cin = inputChannels, cout = outputChannels, k = kernelSize, kk = k * k
    let length = n * height * width
    let ws = workspace.reserve(workspaceCount(batch: n))
    weight.value.withUnsafeBufferPointer { wb in
      bias.value.withUnsafeBufferPointer { bb in
        let wp = wb.baseAddress!, bp = bb.baseAddress!
        // The output starts as the bias and gemm adds onto it (beta = 1): one pass over it
        // instead of gemm's zeroing (beta = 0) and a bias pass after.
        fillChannels(y, bp, channels: cout, length: length)
        switch scheme {
        case .pointwise:
          T.gemm(transA: false, transB: false, m: cout, n: length, k: cin, alpha: 1, a: wp, lda: cin, b: x, ldb: length, beta: 1, c: y, ldc: length)
        case .inputPatches:
          gatherPatches(x, ws, channels: cin, batch: n, height: height, width: width, kernel: k, shift: 1)
          T.gemm(
            transA: false, transB: false, m: cout, n: length, k: cin * kk, alpha: 1, a: wp, lda: cin * kk, b: ws, ldb: length,
            beta: 1, c: y, ldc: length)
        case .outputPatches:
          offsetWeight.withUnsafeMutableBufferPointer { ob in
            let op = ob.baseAddress!
            // W′[(co, d), ci] = W[co, ci, d] with d = dy·k + dx.
            for co in 0..<cout { for ci in 0..<cin { for d in 0..<kk { op[(co * kk + d) * cin + ci] = wp[(co * cin + ci) * kk + d] } } }
            T.gemm(
              transA: false, transB: false, m: cout * kk, n: length, k: cin, alpha: 1, a: op, lda: cin, b: x, ldb: length,
              beta: 0, c: ws, ldc: length)
          }
          // out[co, i, j] = b + Σ_d Z[(co, d), i + dy − p, j + dx − p]: Z's entry at (i′, j′) goes to
          // (i′ − (dy − p), j′ − (dx − p)), the adjoint of the patch gather with shift −1.
          addPatches(ws, y, channels: cout, batch: n, height: height, width: width, kernel: k, shift: -1)
        }
      }
    }
  }

  /// Adds dL/dW and dL/db for a `forward` on x with output gradient dy, and writes dL/dx
  /// into dx (all channel-major over `n` images). The workspace is overwritten.
  func backward(_ x: UnsafePointer<T>, _ dy: UnsafePointer<T>, _ dx: UnsafeMutablePointer<T>, batch n: Int) {
    let cin = inputChannels, cout = outputChannels, k = kernelSize, kk = k * k
    let length = n * height * width
    let ws = workspace.reserve(workspaceCount(batch: n))
    bias.gradient.withUnsafeMutableBufferPointer { addChannelSums(dy, $0.baseAddress!, channels: cout, length: length) }
    weight.value.withUnsafeBufferPointer { wb in
      weight.gradient.withUnsafeMutableBufferPointer { gb in
        let wp = wb.baseAddress!, gw = gb.baseAddress!
        switch scheme {
        case .pointwise:
          // dW += dy·xᵀ; dx = Wᵀ·dy.
          T.gemm(transA: false, transB: true, m: cout, n: cin, k: length, alpha: 1, a: dy, lda: length, b: x, ldb: length, beta: 1, c: gw, ldc: cin)
          T.gemm(transA: true, transB: false, m: cin, n: length, k: cout, alpha: 1, a: wp, lda: cin, b: dy, ldb: length, beta: 0, c: dx, ldc: length)
        case .inputPatches:
          // dW += dy·Pᵀ with the patches recomputed; dP = Wᵀ·dy (into the same workspace);
          // dx = the patches of dP added back where they were read.
          gatherPatches(x, ws, channels: cin, batch: n, height: height, width: width, kernel: k, shift: 1)
          T.gemm(
            transA: false, transB: true, m: cout, n: cin * kk, k: length, alpha: 1, a: dy, lda: length, b: ws, ldb: length,
            beta: 1, c: gw, ldc: cin * kk)
          T.gemm(
            transA: true, transB: false, m: cin * kk, n: length, k: cout, alpha: 1, a: wp, lda: cin * kk, b: dy, ldb: length,
            beta: 0, c: ws, ldc: length)
          dx.update(repeating: 0, count: cin * length)
          addPatches(ws, dx, channels: cin, batch: n, height: height, width: width, kernel: k, shift: 1)
        case .outputPatches:
          // dZ = the shift −1 patches of dy; dW′ = dZ·xᵀ; dx = W′ᵀ·dZ.
          gatherPatches(dy, ws, channels: cout, batch: n, height: height, width: width, kernel: k, shift: -1)
          offsetWeight.withUnsafeBufferPointer { ob in
            offsetGradient.withUnsafeMutableBufferPointer { og in
              let op = ob.baseAddress!, dop = og.baseAddress!
              T.gemm(
                transA: false, transB: true, m: cout * kk, n: cin, k: length, alpha: 1, a: ws, lda: length, b: x, ldb: length,
                beta: 0, c: dop, ldc: cin)
              for co in 0..<cout { for ci in 0..<cin { for d in 0..<kk { gw[(co * cin + ci) * kk + d] += dop[(co * kk + d) * cin + ci] } } }
              T.gemm(
                transA: true, transB: false, m: cin, n: length, k: cout * kk, alpha: 1, a: op, lda: cin, b: ws, ldb: length,
                beta: 0, c: dx, ldc: length)
            }
          }
        }
      }
    }
  }
}
