import FlowRandom

/// The normalisation between the convolutions of a `ConvNet`.
public enum ConvNormalization: String, Sendable, Hashable, Codable {
  /// None.
  case none
  /// A per-channel ActNorm (Glow's networks) with data-dependent initialisation.
  case actnorm
}

/// A convolutional conditioner network on images: Glow's coupling network, Glow's learned
/// split prior, or Real NVP's residual network. See `ConvNet` for the exact layer
/// sequence and parameter names.
public struct ConvNetDescription: NetworkDescription, Hashable, Codable {
  /// Input channels C_in; an input row is a [C_in, H, W] image in CHW order.
  public var inputChannels: Int
  /// Image height H (kept through the network: same padding, stride 1).
  public var height: Int
  /// Image width W.
  public var width: Int
  /// Output channels C_out; an output row is a [C_out, H, W] image in CHW order.
  public var outputChannels: Int
  /// Channels of every hidden layer.
  public var hiddenChannels: Int
  /// Kernel sizes (odd). Plain network (`blocks` = 0): one convolution per entry, in order
  /// (Glow: [3, 1, 3]). Residual network: exactly three, [input conv, every block conv,
  /// output conv].
  public var kernels: [Int]
  /// The nonlinearity between convolutions.
  public var activation: Activation
  /// The normalisation before each nonlinearity (none or ActNorm).
  public var normalization: ConvNormalization
  /// Whether the last convolution starts at zero (the layer using the network then starts
  /// as the identity, as in Glow).
  public var zeroInitLast: Bool
  /// 0: a plain chain of convolutions. B > 0: Real NVP's residual network with B blocks.
  public var blocks: Int
  /// The nonlinearity applied to the last convolution's output, if any (the spec's
  /// `output_activation`, as an MLP's).
  public var outputActivation: Activation?
  /// Values of the flow's context added as a per-channel bias of the first convolution
  /// (0: unconditional); see `ContextProjection`.
  public var context: Int

  /// A network description with every field given.
  public init(
    inputChannels: Int, height: Int, width: Int, outputChannels: Int, hiddenChannels: Int, kernels: [Int],
    activation: Activation = .relu, normalization: ConvNormalization = .none, zeroInitLast: Bool = true, blocks: Int = 0,
    outputActivation: Activation? = nil, context: Int = 0
  ) {
    self.context = context
    self.inputChannels = inputChannels
    self.height = height
    self.width = width
    self.outputChannels = outputChannels
    self.hiddenChannels = hiddenChannels
    self.kernels = kernels
    self.activation = activation
    self.normalization = normalization
    self.zeroInitLast = zeroInitLast
    self.blocks = blocks
    self.outputActivation = outputActivation == .identity ? nil : outputActivation
  }

  /// C_in·H·W.
  public var inputs: Int { inputChannels * height * width }
  /// C_out·H·W.
  public var outputs: Int { outputChannels * height * width }

  /// The convolutions in order, as (input channels, output channels, kernel size).
  public var convolutions: [(inputs: Int, outputs: Int, kernel: Int)] {
    if blocks == 0 {
      return kernels.indices.map { l in
        (l == 0 ? inputChannels : hiddenChannels, l == kernels.count - 1 ? outputChannels : hiddenChannels, kernels[l])
      }
    }
    return [(inputChannels, hiddenChannels, kernels[0])]
      + [(inputs: Int, outputs: Int, kernel: Int)](repeating: (hiddenChannels, hiddenChannels, kernels[1]), count: 2 * blocks)
      + [(hiddenChannels, outputChannels, kernels[2])]
  }

  /// Trainable scalars: every convolution's weight and bias, every ActNorm's bias and log-scale.
  public var parameterCount: Int {
    let convs = convolutions.reduce(0) { $0 + $1.outputs * ($1.inputs * $1.kernel * $1.kernel + 1) }
    guard normalization == .actnorm else { return convs }
    let norms = blocks == 0 ? kernels.count - 1 : 2 * blocks
    return convs + norms * 2 * hiddenChannels
  }

  /// FLOPs of one forward pass on one image: 2·k²·C_in·C_out·H·W per convolution.
  public var flopsPerImage: Int {
    convolutions.reduce(0) { $0 + 2 * $1.kernel * $1.kernel * $1.inputs * $1.outputs * height * width }
  }

  /// A `ConvNet` named under `namePrefix`.
  public func makeNetwork<T: FlowScalar>(_: T.Type, namePrefix: String, rng: inout Xoshiro256) -> any ConditionerNetwork<T> {
    ConvNet<T>(self, namePrefix: namePrefix, rng: &rng)
  }
}
