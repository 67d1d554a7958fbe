import FlowcDiagnostics

/// One layer as written: `- kind: affine_coupling` and the keys of that kind.
package struct LayerSpec: Sendable {
  /// The layer kinds of the language (`kind:` values).
  package enum Kind: String, Sendable, CaseIterable {
    case affineCoupling = "affine_coupling"
    case additiveCoupling = "additive_coupling"
    case diagonalScaling = "diagonal_scaling"
    case permutation
    case actnorm
    case batchNorm = "batch_norm"
    case invertibleLinear = "invertible_linear"
    case elementwise
  }

  /// The kind-specific settings.
  package enum Options: Sendable {
    case coupling(CouplingSpec)
    case diagonalScaling(DiagonalScalingSpec)
    case permutation(PermutationSpec)
    case actnorm
    case batchNorm(BatchNormSpec)
    case invertibleLinear(InvertibleLinearSpec)
    case elementwise(ElementwiseSpec)
  }

  package var kind: Located<Kind>
  /// `name:`; an optional label shown in the IR and in diagnostics.
  package var name: Located<String>?
  package var options: Options
  package var range: SourceRange

  package init(kind: Located<Kind>, name: Located<String>?, options: Options, range: SourceRange) {
    self.kind = kind
    self.name = name
    self.options = options
    self.range = range
  }
}

/// Affine (Real NVP) and additive (NICE) couplings.
package struct CouplingSpec: Sendable {
  /// `keep:`; which dimensions are kept (copied and fed to the networks). A 1 means
  /// KEPT, as in the Real NVP notebook, normflows and zuko (nflows uses the opposite).
  package var keep: Located<MaskSpec>?
  /// `scale:`; the scale network (affine only).
  package var scale: NetRef?
  /// `shift:`; the shift network.
  package var shift: NetRef?
  /// `net:`; one network with two heads (scale then shift) instead of `scale` and `shift`.
  package var net: NetRef?
  /// `net_io:`; what the networks see and produce.
  package var netIO: Located<NetIO>?
  /// `scale_function:`; how the scale net's output becomes a positive scale (affine only).
  package var scaleFunction: Located<ScaleFunction>?
  /// `scale_clamp:`; soft bound c: s = c * tanh(s / c) before the scale function.
  package var scaleClamp: Located<Double>?

  package init() {}
}

/// What a coupling's networks see and produce.
package enum NetIO: String, Sendable, CaseIterable {
  /// The whole D-vector with transformed entries zeroed in; D outputs per head of which
  /// the transformed positions are used. The seed notebook's (and Real NVP's masked) form.
  case masked
  /// Only the kept entries in; one output per transformed entry per head (NICE, nflows).
  case split
}

/// How the scale net's output s becomes the multiplier of the transformed entries.
package enum ScaleFunction: String, Sendable, CaseIterable {
  /// exp(s): Real NVP. Always positive.
  case exp
  /// sigmoid(s + 2): Glow. Always positive, bounded by 1.
  case sigmoid
  /// s itself: NOT positive, so not invertible; accepted by the parser only to be
  /// rejected by the validator with an explanation.
  case linear
}

/// `keep:` as written: explicit 0/1 entries or a generator resolved by lowering.
package enum MaskSpec: Sendable {
  /// `[0, 1, 0, 1]`; entries are checked to be 0 or 1 by the validator.
  case explicit([Located<Int>])
  /// A generator name: see `MaskGenerator`.
  case generator(MaskGenerator)
}

/// Mask generators; each becomes a concrete 0/1 vector in the graph.
package enum MaskGenerator: String, Sendable, CaseIterable {
  /// Keeps indices 0 ..< D/2.
  case firstHalf = "first_half"
  /// Keeps indices D/2 ..< D.
  case secondHalf = "second_half"
  /// Keeps even indices (alternating parity).
  case even
  /// Keeps odd indices.
  case odd
  /// Keeps pixels with (row + column) even, over the declared `shape`.
  case checkerboard
  /// Keeps pixels with (row + column) odd.
  case checkerboardOdd = "checkerboard_odd"
  /// The complement of the previous coupling's mask.
  case flip
}

/// NICE's diagonal scaling layer.
package struct DiagonalScalingSpec: Sendable {
  /// `init:`; the starting log-scale of every dimension (default 0: the identity).
  package var initialLogScale: Located<Double>?

  package init() {}
}

/// A fixed permutation of the dimensions.
package struct PermutationSpec: Sendable {
  package enum Order: Sendable {
    case reverse
    /// Random but fixed at compile time from `seed`.
    case random(seed: Located<Int>?)
    /// `order: [2, 0, 1]`: output i is input order[i].
    case explicit([Located<Int>])
  }

  package var order: Located<Order>?

  package init() {}
}

/// Batch normalisation used as a bijector (Real NVP).
package struct BatchNormSpec: Sendable {
  /// `momentum:`; PyTorch's convention: running = (1 - m) * running + m * batch.
  package var momentum: Located<Double>?
  /// `epsilon:`; added to the variance; must be > 0 for the layer to be invertible.
  package var epsilon: Located<Double>?

  package init() {}
}

/// An invertible square linear map.
package struct InvertibleLinearSpec: Sendable {
  package enum Parametrization: String, Sendable, CaseIterable {
    /// P L (U + diag(s)), Glow's: invertible by construction, log-det = sum log|s|.
    case lu
    /// A free matrix: can become singular; accepted by the parser only to be rejected.
    case dense
  }
  package enum Init: String, Sendable, CaseIterable {
    /// A seeded random rotation, as Glow.
    case orthogonal
    case identity
  }

  package var parametrization: Located<Parametrization>?
  /// `features:`; output size, which must equal the input size (square).
  package var features: Located<Int>?
  package var initialization: Located<Init>?
  package var seed: Located<Int>?

  package init() {}
}

/// An elementwise function layer; only strictly monotone functions are invertible.
package struct ElementwiseSpec: Sendable {
  package var function: Located<ElementwiseFunction>?

  package init() {}
}

/// Elementwise functions the parser knows. The validator accepts the strictly monotone
/// ones and explains why the others (relu, abs, square, leaky_relu with slope <= 0) are
/// not invertible.
package enum ElementwiseFunction: Sendable, Hashable {
  case leakyReLU(slope: Double)
  case sigmoid
  case logit
  case tanh
  case relu
  case abs
  case square

  package static let names = ["leaky_relu", "sigmoid", "logit", "tanh", "relu", "abs", "square"]

  package var description: String {
    switch self {
    case .leakyReLU(let s): "leaky_relu(\(formatNumber(s)))"
    case .sigmoid: "sigmoid"
    case .logit: "logit"
    case .tanh: "tanh"
    case .relu: "relu"
    case .abs: "abs"
    case .square: "square"
    }
  }
}
