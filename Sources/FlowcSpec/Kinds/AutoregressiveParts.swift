import FlowcDiagnostics

/// What the autoregressive kinds (`maf`, `iaf`) share: the MADE network, the ordering
/// of the dimensions and the elementwise transform the network conditions.

/// `order:` as written: the order in which the dimensions are generated.
package enum AutoregressiveOrderSpec: Sendable {
  /// 0, 1, ..., D−1.
  case natural
  /// D−1, ..., 1, 0.
  case reversed
  /// A permutation drawn at compile time from `seed` and the node index.
  case random(seed: Located<Int>?)
  /// `order: [2, 0, 1]`: dimension 2 first, then 0 given 2, then 1 given 2 and 0.
  /// Checked to be a permutation by the validator.
  case explicit([Located<Int>])

  /// The order names a spec may write.
  package static let names = ["natural", "reversed", "random"]
}

/// The elementwise transform τ(x; θ) that the MADE's outputs θ parametrise, one per
/// dimension. Each takes a fixed number of parameters per dimension from the network
/// (`parametersPerDimension`); a rational-quadratic spline (3K − 1 per dimension) is the
/// planned second case.
package enum AutoregressiveTransform: String, Sendable, CaseIterable {
  /// y = x · scale(s) + t, two parameters (s, t) per dimension.
  case affine

  /// Network outputs per dimension.
  package var parametersPerDimension: Int {
    switch self {
    case .affine: 2
    }
  }
}

/// The keys and decoding the autoregressive kinds share.
package enum AutoregressiveKeys {
  /// `order:` when the spec leaves it out.
  package static let defaultOrder = "natural"
  /// `seed:` of `order: random` when the spec leaves it out.
  package static let defaultSeed = 0
  /// `transform:` when the spec leaves it out.
  package static let defaultTransform = AutoregressiveTransform.affine

  static let keys: [SpecKey] = [
    SpecKey("net", CouplingKeys.netRef,
            "The MADE network: a template name or an inline net (hidden sizes, activation, init); the layer sets its D inputs and its D·k outputs, and masks its weights.",
            required: true),
    SpecKey("order", .oneOf([.names(AutoregressiveOrderSpec.names), .list(.integer)]),
            "The order in which the dimensions are generated: `natural`, `reversed`, `random` (drawn at compile time from `seed` and the node index) or an explicit list.",
            default: defaultOrder),
    SpecKey("seed", .integer, "The seed of `order: random`.", default: String(defaultSeed)),
    SpecKey("transform", .names(.rawValues(of: AutoregressiveTransform.self)),
            "The elementwise transform the MADE parametrises: `affine` (x·scale + shift, 2 parameters per dimension).",
            default: defaultTransform.rawValue),
    SpecKey("scale_function", .names(.rawValues(of: ScaleFunction.self)),
            "How the raw scale s becomes the positive scale: exp(s) or sigmoid(s + 2) (Glow).",
            default: AffineCouplingSpec.defaultScaleFunction.rawValue),
    SpecKey("scale_clamp", .number, "A soft bound c on s before the scale function: s = c·tanh(s/c)."),
  ]

  /// The decoded keys of one autoregressive layer.
  package struct Options: Sendable {
    package var net: NetRef?
    package var order: Located<AutoregressiveOrderSpec>?
    package var transform: Located<AutoregressiveTransform>?
    package var scaleFunction: Located<ScaleFunction>?
    package var scaleClamp: Located<Double>?
  }

  /// Reads every key of `keys`.
  static func decode(_ r: MappingReader, kind: String) -> Options {
    var o = Options()
    o.net = r.require("net", ValueReader { $0.decodeNetRef($1, $2) }, example: "net: {hidden: [64, 64]}")
    let order = r.optional("order", ValueReader { $0.decodeAutoregressiveOrder($1, $2) })
    let seed = r.optional("seed", .int)
    if let seedPair = r.pair("seed") {
      var isRandom = false
      if let order, case .random = order.value { isRandom = true }
      if !isRandom {
        r.decoder.emit(SpecDiagnostics.seedWithoutRandomOrder(kind, at: seedPair.key.range, order: order?.range))
      }
    }
    if let order, case .random = order.value {
      o.order = Located(.random(seed: seed), at: order.range)
    } else {
      o.order = order
    }
    o.transform = r.optional("transform", .oneOf(AutoregressiveTransform.self))
    o.scaleFunction = r.optional("scale_function", .oneOf(ScaleFunction.self))
    o.scaleClamp = r.optional("scale_clamp", .double)
    return o
  }
}

extension SpecDecoder {
  /// An autoregressive order without its seed.
  func decodeAutoregressiveOrder(_ node: YAMLNode, _ subject: String) -> Located<AutoregressiveOrderSpec>? {
    if node.sequence != nil {
      return intList(node, subject).map { Located(.explicit($0.value), at: $0.range) }
    }
    let expected = "'natural', 'reversed', 'random' or a list of indices"
    guard let name = string(node, subject, expected: expected) else { return nil }
    switch name.value {
    case "natural": return Located(.natural, at: node.range)
    case "reversed": return Located(.reversed, at: node.range)
    case "random": return Located(.random(seed: nil), at: node.range)
    default:
      emit(SpecDiagnostics.unknownValue(name.value, for: subject, at: node.range, candidates: AutoregressiveOrderSpec.names))
      return nil
    }
  }
}
