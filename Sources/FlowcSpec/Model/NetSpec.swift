import FlowcDiagnostics

/// A conditioner network: an MLP or a convolutional net whose input and output sizes the
/// layer decides. Every field is optional: a template leaves what it does not set to the
/// defaults, and a layer's inline net may name a template with `use:` and override fields.
package struct NetSpec: Sendable {
  /// `type:`; the architecture (an MLP unless said otherwise).
  package var type: Located<NetType>?
  /// `channels:`; a convolutional net's hidden channels.
  package var channels: Located<Int>?
  /// `kernels:`; a plain convolutional net's kernel sizes, first to last (Glow: [3, 1, 3]).
  package var kernels: Located<[Located<Int>]>?
  /// `kernel:`; a residual net's kernel size.
  package var kernel: Located<Int>?
  /// `blocks:`; a residual net's number of residual blocks.
  package var blocks: Located<Int>?
  /// `norm:`; the normalisation after each hidden convolution.
  package var norm: Located<NetNorm>?
  /// `use:`; a template this inline net starts from.
  package var base: Located<String>?
  /// `hidden:`; the hidden layer widths, e.g. [256, 256].
  package var hidden: Located<[Located<Int>]>?
  /// `activation:`; between hidden layers.
  package var activation: Located<Activation>?
  /// `output_activation:`; applied to the net's output (e.g. tanh to bound a scale).
  package var outputActivation: Located<Activation>?
  /// `init:`; how the weights start.
  package var initialization: Located<NetInit>?
  package var range: SourceRange

  package init(range: SourceRange) {
    self.range = range
  }
}

/// Where a coupling gets a network from: a template by name, or written inline.
package enum NetRef: Sendable {
  case template(Located<String>)
  case inline(NetSpec)

  package var range: SourceRange {
    switch self {
    case .template(let n): n.range
    case .inline(let n): n.range
    }
  }
}

/// Activation functions of the conditioner networks. `identity` is the "no output
/// activation" value and is written `none` in a spec.
package enum Activation: Sendable, Hashable {
  case relu
  case leakyReLU(slope: Double)
  case tanh
  case elu(alpha: Double)
  case gelu
  case sigmoid
  case softplus
  case identity

  /// Names as written in a spec (a parametrised one may also be a one-key mapping,
  /// `{leaky_relu: 0.2}`).
  package static let names = ["relu", "leaky_relu", "tanh", "elu", "gelu", "sigmoid", "softplus", "none"]

  /// PyTorch's defaults, so a spec that says only `leaky_relu` matches `nn.LeakyReLU()`.
  package static let defaultLeakySlope = 0.01
  package static let defaultELUAlpha = 1.0

  /// Whether training keeps only a layer's output for this activation, its derivative
  /// following from the output (FlowRuntime's `Activation.derivativeFollowsFromOutput`,
  /// which the runtime's MLP acts on; a FlowcBuild test holds the two to the same answer);
  /// otherwise it keeps the pre-activations too. Read by the memory estimate.
  package var derivativeFollowsFromOutput: Bool {
    switch self {
    case .identity, .relu, .tanh, .sigmoid: true
    case .leakyReLU(let slope): slope >= 0
    case .elu(let alpha): alpha >= 0
    case .gelu, .softplus: false
    }
  }

  /// The spelling in a spec and in IR printouts: `leaky_relu(0.01)`, `tanh`, `none`.
  package var description: String {
    switch self {
    case .relu: "relu"
    case .leakyReLU(let s): "leaky_relu(\(formatNumber(s)))"
    case .tanh: "tanh"
    case .elu(let a): "elu(\(formatNumber(a)))"
    case .gelu: "gelu"
    case .sigmoid: "sigmoid"
    case .softplus: "softplus"
    case .identity: "none"
    }
  }
}

/// A conditioner network's architecture.
package enum NetType: String, Sendable, CaseIterable {
  /// Fully connected layers over the flattened input (`hidden:` widths).
  case mlp
  /// Same-padded convolutions over an image input (`kernels:`, `channels:`), as Glow's
  /// coupling networks: conv 3×3 → conv 1×1 → conv 3×3.
  case conv
  /// A residual convolutional net (`blocks:` blocks of two convolutions with a skip), as
  /// Real NVP's image conditioners.
  case resnet
}

/// The normalisation inside a convolutional net.
package enum NetNorm: String, Sendable, CaseIterable {
  case none
  /// Per-channel ActNorm with data-dependent initialisation (Glow), persisted like the
  /// ActNorm layer's.
  case actnorm
}

/// How a network's weights start.
package enum NetInit: String, Sendable, CaseIterable {
  /// PyTorch `nn.Linear`'s default: weight and bias U(-1/sqrt(in), 1/sqrt(in)).
  case pytorch
  /// As `pytorch`, but the last layer starts at zero so the coupling starts as the
  /// identity (a common fix for NaNs in the first steps).
  case zeroLast = "zero_last"
}
