import FlowRandom

/// The plain-data description of a flow that a compiler front end builds and
/// `buildFlow(_:)` turns into a runnable `Flow`.
///
/// Every structural choice is explicit here (masks as keep flags, permutation indices,
/// seeds), so two equal descriptions build bit-identical flows. The front end's validator
/// enforces the rules; `buildFlow` restates them as preconditions.
public struct FlowDescription: Sendable {
  /// Number of features D of a sample.
  public var dimension: Int
  /// Storage precision of parameters and activations.
  public var dtype: DType
  /// The base distribution of the latent.
  public var prior: PriorDescription
  /// The bijectors from data to latent, applied in order.
  public var layers: [any LayerDescription]
  /// The width each layer acts on, in layer order (non-increasing, at most `dimension`), for
  /// a multi-scale flow: where the width drops from w to w′, features w′..<w are factored
  /// out and pass to the prior untouched (see `Composed`). nil: every layer acts on all
  /// `dimension` features.
  public var widths: [Int]?
  /// Seed of every random initial value (weights, random orthogonal matrices); layer i
  /// draws from its own sub-stream `init.layers.i`, so editing one layer leaves the
  /// others' initial values unchanged.
  public var seed: UInt64
  /// A conditional flow's context encoding (nil: unconditional). Its networks' and
  /// prior's descriptions say how many encoded values they read (`MLPDescription.context`).
  public var context: ContextEncoding?

  /// A description with every field given.
  public init(
    dimension: Int, dtype: DType = .float32, prior: PriorDescription, layers: [any LayerDescription], widths: [Int]? = nil,
    seed: UInt64, context: ContextEncoding? = nil
  ) {
    self.context = context
    self.dimension = dimension
    self.dtype = dtype
    self.prior = prior
    self.layers = layers
    self.widths = widths
    self.seed = seed
  }
}

/// The base distribution of a flow.
public enum PriorDescription: Sendable, Hashable, Codable {
  /// N(0, I).
  case standardNormal
  /// N(loc, diag(exp(log_scale))²) with learnable loc and log_scale, both starting at 0.
  case diagonalNormal
  /// The standard logistic per dimension (NICE).
  case standardLogistic
  /// N(μ(c), diag(σ(c))²), μ and log σ linear in the flow's context
  /// (`ConditionalDiagonalNormal`, starting at N(0, I)).
  case conditionalDiagonalNormal
}

/// One bijector of a flow with its concrete configuration. Each bijector's file defines
/// its description next to the class (`AffineCouplingDescription`, `ActNormDescription`,
/// ...); a compiler front end builds them, `buildFlow` calls `makeBijector` on each.
public protocol LayerDescription: Sendable {
  /// The bijector for `dimension` features, in precision `T`. Random initial values come
  /// from `rng`, the layer's own stream (`init.layers.<i>` of the flow's seed). The
  /// description's consistency is checked with preconditions: the compiler's validator
  /// reports such errors with source locations first, so reaching one here is a bug.
  func makeBijector<T: FlowScalar>(_: T.Type, dimension: Int, rng: inout Xoshiro256) -> any Bijector<T>
}

/// How a coupling's conditioner sees its input and produces its outputs.
public enum ConditionerIO: String, Sendable, Hashable, Codable {
  /// Input is the full D-vector with transformed entries zeroed; each head outputs D values,
  /// of which only the transformed positions are used (the seed notebook's Real NVP).
  case masked
  /// Input is the kept entries in index order; each head outputs one value per transformed entry
  /// (NICE, nflows).
  case split
}

/// How an affine coupling maps s (the raw scale output) to the multiplicative scale.
public enum ScaleFunction: String, Sendable, Hashable, Codable {
  /// scale = exp(s), log-scale = s (Real NVP).
  case exp
  /// scale = sigmoid(s + 2) (Glow's implementation), log-scale = log sigmoid(s + 2).
  case sigmoid
}

/// The conditioner networks of an affine coupling: any `NetworkDescription` (an
/// `MLPDescription`, a `ConvNetDescription`).
public enum AffineNets: Sendable, Hashable {
  /// Two networks: one gives the scale head, the other the shift head.
  case separate(scale: any NetworkDescription, shift: any NetworkDescription)
  /// One network whose outputs are [scale head..., shift head...] (scale head first).
  case shared(any NetworkDescription)

  /// Same case with equal networks.
  public static func == (a: AffineNets, b: AffineNets) -> Bool {
    switch (a, b) {
    case (.separate(let s1, let t1), .separate(let s2, let t2)): return s1.isEqual(to: s2) && t1.isEqual(to: t2)
    case (.shared(let n1), .shared(let n2)): return n1.isEqual(to: n2)
    default: return false
    }
  }

  /// The case and its networks.
  public func hash(into hasher: inout Hasher) {
    switch self {
    case .separate(let s, let t):
      hasher.combine(0)
      s.hash(into: &hasher)
      t.hash(into: &hasher)
    case .shared(let n):
      hasher.combine(1)
      n.hash(into: &hasher)
    }
  }
}

/// A fully connected network's sizes and nonlinearities.
public struct MLPDescription: Sendable, Hashable, Codable {
  /// Input width.
  public var inputs: Int
  /// Hidden layer widths, in order (may be empty: a single linear layer).
  public var hidden: [Int]
  /// Output width.
  public var outputs: Int
  /// Nonlinearity after every hidden layer.
  public var activation: Activation
  /// Nonlinearity after the last layer, if any.
  public var outputActivation: Activation?
  /// Whether the last layer's weight and bias start at zero.
  public var zeroInitLast: Bool
  /// Values of the flow's context the first layer also reads (0: unconditional); see
  /// `ContextProjection`.
  public var context: Int

  /// A network description with every field given.
  public init(
    inputs: Int, hidden: [Int], outputs: Int, activation: Activation,
    outputActivation: Activation? = nil, zeroInitLast: Bool = false, context: Int = 0
  ) {
    self.context = context
    self.inputs = inputs
    self.hidden = hidden
    self.outputs = outputs
    self.activation = activation
    self.outputActivation = outputActivation
    self.zeroInitLast = zeroInitLast
  }
}

/// How an LU-parametrised linear layer starts.
public enum LUInitialization: String, Sendable, Hashable, Codable {
  /// A random orthogonal matrix (QR of a Gaussian matrix, as Glow does), then its LU factors.
  case orthogonal
  /// The identity: P = L = I, U = 0, log|s| = 0, sign = +1.
  case identity
}

/// A strictly monotone scalar function applied feature by feature.
public enum ElementwiseFunction: Sendable, Hashable, Codable {
  /// x for x > 0, slope·x otherwise (slope > 0).
  case leakyReLU(slope: Double)
  /// 1 / (1 + e^−x), mapping ℝ onto (0, 1).
  case sigmoid
  /// log(x / (1 − x)), mapping (0, 1) onto ℝ.
  case logit
  /// tanh(x), mapping ℝ onto (−1, 1).
  case tanh
}
