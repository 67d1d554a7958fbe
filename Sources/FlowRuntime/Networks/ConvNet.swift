import FlowRandom

/// A convolutional conditioner network (`ConvNetDescription`): rows in and out are images
/// in CHW order, [C_in, H, W] → [C_out, H, W], every convolution with same padding and
/// stride 1 (`Conv2D`).
///
/// Plain (`blocks` = 0), one convolution per kernel size kₗ, l = 0 … L−1:
///
///     conv k₀ (C_in → hidden) → [norm → act → conv kₗ]… → the last conv (→ C_out)
///
/// Glow's coupling network is kernels [3, 1, 3] with ActNorm and ReLU, its last
/// convolution zero-initialised. Residual (`blocks` = B > 0, Real NVP's ResNet
/// conditioner), with kernels [k_in, k, k_out]:
///
///     conv k_in (C_in → hidden) → B × [norm → act → conv k → norm → act → conv k, + skip]
///       → act → conv k_out (→ C_out)
///
/// Parameter names follow the `nn.Sequential` PyTorch would build (prefix `net.` shown,
/// an activation counts as an entry with no parameters):
/// - plain, no normalisation: conv l is entry 2l (`net.0.weight`, `net.0.bias`,
///   `net.2.weight`, …), the activation before it entry 2l − 1;
/// - plain, ActNorm: conv l is entry 3l, the ActNorm before it entry 3l − 2 (`net.1.bias`,
///   `net.1.log_scale`, buffer `net.1.initialized`), the activation entry 3l − 1; Glow's
///   net: `net.0` conv, `net.1` ActNorm, `net.3` conv, `net.4` ActNorm, `net.6` conv;
/// - residual: the input conv is entry 0, block b (from 0) is entry 1 + b, itself an
///   `nn.Sequential` (whose forward adds its input): with ActNorm
///   [0 norm, 1 act, 2 conv, 3 norm, 4 act, 5 conv] (`net.1.0.bias`, `net.1.2.weight`,
///   `net.1.5.bias`, …), without [0 act, 1 conv, 2 act, 3 conv]; then the activation is
///   entry 1 + B and the output conv entry 2 + B (`net.<2+B>.weight`).
/// Convolution weights are [C_out, C_in, k, k], biases [C_out]; ActNorm tensors [hidden]
/// and []. Parameters are listed in that order, weight before bias, an ActNorm's bias
/// before its log-scale; initial values are drawn convolution by convolution in the same
/// order (PyTorch's default `nn.Conv2d` init, see `Conv2D`); ActNorms start at the identity
/// and initialise from the first training batch.
///
/// With an output activation f (`outputActivation`, the spec's `output_activation`) the
/// network's output is f(last conv), an `nn.Sequential` entry after the last conv with no
/// parameters.
///
/// Inside, activations are channel-major over the batch, [C, n·H·W], so each convolution
/// is one gemm and each ActNorm and bias a pass over contiguous rows; the input and output
/// are transposed once. Buffers are kept per layer and reused while the batch size stays
/// the same; the convolutions share one patch workspace.
public final class ConvNet<T: FlowScalar>: ConditionerNetwork {
  /// Element type.
  public typealias Scalar = T

  /// The configuration this network was built from.
  public let description: ConvNetDescription
  /// The pre-activation units in order: the input conv, then (plain) one per further
  /// conv, or (residual) two per block and the output unit.
  let units: [ConvNetUnit<T>]
  /// The context's per-channel bias of the first convolution, for a conditional network.
  public let context: ContextProjection<T>?
  /// Every convolution's patch workspace.
  let workspace: ScratchBuffer<T>
  /// The input, channel-major.
  let input = ScratchBuffer<T>()
  /// dL/d(output), channel-major.
  let outputGradientBuffer = ScratchBuffer<T>()
  /// With an output activation: its output (channel-major) of the latest pass.
  let activatedOutput = ScratchBuffer<T>()
  /// With an output activation: its input, the last conv's output of the latest pass.
  var preOutput: UnsafeMutablePointer<T>? = nil
  /// Batch size of the latest pass.
  var batch = 0
  /// Training mode: `forwardRecording` initialises uninitialised ActNorms.
  public var isTraining = true

  /// The output of the latest pass, [n, C_out·H·W].
  public private(set) var output: Matrix<T>
  /// dL/dx of the latest backward pass, [n, C_in·H·W].
  public private(set) var inputGradient: Matrix<T>

  /// Builds the network, parameter names prefixed by `namePrefix` (`net.`), initial values
  /// drawn from `rng`.
  public init(_ description: ConvNetDescription, namePrefix: String, rng: inout Xoshiro256) {
    let d = description
    precondition(d.inputChannels > 0 && d.outputChannels > 0 && d.height > 0 && d.width > 0, "a conv net needs channels and an image")
    precondition(!d.kernels.isEmpty && d.kernels.allSatisfy { $0 > 0 && $0 % 2 == 1 }, "conv net kernel sizes must be odd, got \(d.kernels)")
    precondition(d.blocks >= 0, "residual block count must not be negative")
    precondition(d.blocks == 0 || d.kernels.count == 3, "a residual conv net takes three kernel sizes [input, block, output]")
    precondition(d.hiddenChannels > 0 || d.convolutions.count == 1, "hidden channels must be positive")
    self.description = d
    let plane = d.height * d.width, hasNorm = d.normalization == .actnorm
    let convs = d.convolutions, shared = ScratchBuffer<T>()
    var built: [ConvNetUnit<T>] = []
    /// Adds a unit for convolution `l`, named by its `nn.Sequential` path.
    func addUnit(_ l: Int, conv convName: String, norm normName: String?, activation: Activation?, normInPlace: Bool) {
      let spec = convs[l]
      let conv = Conv2D<T>(
        inputChannels: spec.inputs, outputChannels: spec.outputs, kernelSize: spec.kernel, height: d.height,
        width: d.width, namePrefix: namePrefix + convName, zeroInit: d.zeroInitLast && l == convs.count - 1,
        workspace: shared, rng: &rng)
      let norm = normName.map { NetworkActNorm<T>(channels: spec.inputs, namePrefix: namePrefix + $0) }
      built.append(ConvNetUnit(conv: conv, norm: norm, activation: activation, normInPlace: normInPlace, plane: plane))
    }
    if d.blocks == 0 {
      for l in convs.indices {
        if l == 0 {
          addUnit(0, conv: "0.", norm: nil, activation: nil, normInPlace: true)
        } else if hasNorm {
          addUnit(l, conv: "\(3 * l).", norm: "\(3 * l - 2).", activation: d.activation, normInPlace: true)
        } else {
          addUnit(l, conv: "\(2 * l).", norm: nil, activation: d.activation, normInPlace: true)
        }
      }
    } else {
      addUnit(0, conv: "0.", norm: nil, activation: nil, normInPlace: true)
      for b in 0..<d.blocks {
        for j in 0..<2 {
          let entry = "\(1 + b)."
          // The block's input is also its skip connection, so its first ActNorm cannot overwrite it.
          if hasNorm {
            addUnit(1 + 2 * b + j, conv: entry + "\(3 * j + 2).", norm: entry + "\(3 * j).", activation: d.activation, normInPlace: j == 1)
          } else {
            addUnit(1 + 2 * b + j, conv: entry + "\(2 * j + 1).", norm: nil, activation: d.activation, normInPlace: true)
          }
        }
      }
      addUnit(convs.count - 1, conv: "\(2 + d.blocks).", norm: nil, activation: d.activation, normInPlace: true)
    }
    units = built
    context = d.context > 0
      ? ContextProjection(contextWidth: d.context, outputs: convs[0].outputs, namePrefix: namePrefix, rng: &rng) : nil
    workspace = shared
    output = Matrix(rows: 0, cols: d.outputs)
    inputGradient = Matrix(rows: 0, cols: d.inputs)
  }

  /// C_in·H·W.
  public var inputCount: Int { description.inputs }
  /// C_out·H·W.
  public var outputCount: Int { description.outputs }
  /// Every parameter in `nn.Sequential` order.
  public var parameters: [Parameter<T>] { units.flatMap { $0.parameters } + (context.map { [$0.weight] } ?? []) }

  /// Binds the context projection's slot.
  public func bindContext(_ slot: ContextSlot<T>) { context?.slot = slot }
  /// Every ActNorm's `initialized` flag.
  public var buffers: [Buffer<T>] { units.compactMap { $0.norm?.initializedFlag } }

  /// Pixels per image.
  var plane: Int { description.height * description.width }

  /// Runs every unit on `x`, adding the skip connections of a residual network.
  func run(_ x: Matrix<T>, initialize: Bool) {
    precondition(x.cols == inputCount, "conv net expects \(inputCount) inputs, got \(x.cols)")
    let n = x.rows, d = description, length = n * plane
    batch = n
    let h = input.reserve(d.inputChannels * length)
    x.storage.withUnsafeBufferPointer { samplesToChannels($0.baseAddress!, h, batch: n, channels: d.inputChannels, plane: plane) }
    var v = units[0].forward(h, batch: n, initialize: initialize)
    // The first unit is a bare convolution, so its output is a pre-activation.
    if let context { context.addChannelBias(into: v, rows: n, plane: plane) }
    if d.blocks == 0 {
      for l in 1..<units.count { v = units[l].forward(v, batch: n, initialize: initialize) }
    } else {
      for b in 0..<d.blocks {
        let skip = v
        v = units[1 + 2 * b].forward(v, batch: n, initialize: initialize)
        v = units[2 + 2 * b].forward(v, batch: n, initialize: initialize)
        for i in 0..<(d.hiddenChannels * length) { v[i] += skip[i] }
      }
      v = units[units.count - 1].forward(v, batch: n, initialize: initialize)
    }
    if let f = d.outputActivation {
      preOutput = v
      let h = activatedOutput.reserve(d.outputChannels * length)
      activationForward(f, a: v, h: h, count: d.outputChannels * length)
      v = h
    }
    output.resize(rows: n)
    output.storage.withUnsafeMutableBufferPointer {
      channelsToSamples(v, $0.baseAddress!, batch: n, channels: d.outputChannels, plane: plane)
    }
  }

  /// Runs the network on `x` ([n, C_in·H·W]); never initialises.
  @discardableResult
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func forward(_ x: Matrix<T>) -> Matrix<T> {
    run(x, initialize: false)
    return output
  }

  /// Runs the network on `x`, initialising uninitialised ActNorms in training mode.
  @discardableResult
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func forwardRecording(_ x: Matrix<T>) -> Matrix<T> {
    run(x, initialize: isTraining)
    return output
  }

  /// Back-propagates dL/d(output) [n, C_out·H·W] through the latest pass, adding the
  /// parameter gradients; returns dL/dx [n, C_in·H·W].
  @discardableResult
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func backward(_ dY: Matrix<T>) -> Matrix<T> {
    let n = batch, d = description, length = n * plane
    precondition(dY.rows == n && dY.cols == outputCount, "conv net backward: gradient shape mismatch")
    let top = outputGradientBuffer.reserve(d.outputChannels * length)
    dY.storage.withUnsafeBufferPointer { samplesToChannels($0.baseAddress!, top, batch: n, channels: d.outputChannels, plane: plane) }
    if let f = d.outputActivation, let pre = preOutput {
      activationBackward(f, a: pre, h: activatedOutput.base, g: top, count: d.outputChannels * length)
    }
    if units.count == 1, let context { context.backwardChannelBias(top, rows: n, plane: plane) }
    var g = units[units.count - 1].backward(top, batch: n)
    if d.blocks == 0 {
      for l in stride(from: units.count - 2, through: 1, by: -1) { g = units[l].backward(g, batch: n) }
    } else {
      // The block output is skip + conv: both branches receive its gradient.
      for b in stride(from: d.blocks - 1, through: 0, by: -1) {
        let outer = g
        g = units[2 + 2 * b].backward(g, batch: n)
        g = units[1 + 2 * b].backward(g, batch: n)
        for i in 0..<(d.hiddenChannels * length) { g[i] += outer[i] }
      }
    }
    if units.count > 1 {
      if let context { context.backwardChannelBias(g, rows: n, plane: plane) }
      g = units[0].backward(g, batch: n)
    }
    inputGradient.resize(rows: n)
    inputGradient.storage.withUnsafeMutableBufferPointer {
      channelsToSamples(g, $0.baseAddress!, batch: n, channels: d.inputChannels, plane: plane)
    }
    return inputGradient
  }
}
