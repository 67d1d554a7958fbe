import FlowcDiagnostics

extension SpecDecoder {
  /// The keys of each layer kind besides `kind` and `name`, for the note on an unknown
  /// key that belongs to another kind ("'scale' belongs to affine_coupling layers").
  /// The decoder reads exactly these keys (a test checks that they agree).
  static let layerKeys: [(kind: LayerSpec.Kind, keys: [String])] = [
    (.affineCoupling, ["keep", "scale", "shift", "net", "net_io", "scale_function", "scale_clamp"]),
    (.additiveCoupling, ["keep", "shift", "net", "net_io"]),
    (.diagonalScaling, ["init"]),
    (.permutation, ["order", "seed"]),
    (.actnorm, []),
    (.batchNorm, ["momentum", "epsilon"]),
    (.invertibleLinear, ["parametrization", "features", "init", "seed"]),
    (.elementwise, ["function"]),
  ]

  /// A layer: `kind:`, an optional `name:`, and the keys of that kind.
  func decodeLayer(_ node: YAMLNode) -> LayerSpec? {
    let r = MappingReader(mapping: node, place: "in a layer", decoder: self)
    r.declare("kind")
    let name = r.optional("name", .string)
    let kindReader = ValueReader { $0.string($1, $2, expected: "a layer kind such as 'affine_coupling'") }
    guard let kindName = r.optional("kind", kindReader) else { return nil }
    guard let kind = LayerSpec.Kind(rawValue: kindName.value) else {
      // Without a kind the valid keys are unknown: report the kind only.
      emit(SpecDiagnostics.unknownLayerKind(kindName.value, at: kindName.range))
      return nil
    }
    let located = Located(kind, at: kindName.range)
    r.place = "in \(Self.article(kind.rawValue)) \(kind.rawValue) layer"
    let options: LayerSpec.Options
    switch kind {
    case .affineCoupling, .additiveCoupling: options = .coupling(decodeCoupling(r, affine: kind == .affineCoupling))
    case .diagonalScaling:
      var spec = DiagonalScalingSpec()
      spec.initialLogScale = r.optional("init", .double)
      options = .diagonalScaling(spec)
    case .permutation: options = .permutation(decodePermutation(r))
    case .actnorm: options = .actnorm
    case .batchNorm:
      var spec = BatchNormSpec()
      spec.momentum = r.optional("momentum", .double)
      spec.epsilon = r.optional("epsilon", .double)
      options = .batchNorm(spec)
    case .invertibleLinear:
      var spec = InvertibleLinearSpec()
      spec.parametrization = r.optional("parametrization", .oneOf(InvertibleLinearSpec.Parametrization.self))
      spec.features = r.optional("features", .int)
      spec.initialization = r.optional("init", .oneOf(InvertibleLinearSpec.Init.self))
      spec.seed = r.optional("seed", .int)
      options = .invertibleLinear(spec)
    case .elementwise:
      var spec = ElementwiseSpec()
      spec.function = r.require("function", ValueReader { $0.decodeElementwiseFunction($1, $2) },
                                example: "function: leaky_relu")
      options = .elementwise(spec)
    }
    r.finish { key in
      let owners = Self.layerKeys.filter { $0.keys.contains(key) }.map(\.kind.rawValue)
      guard !owners.isEmpty else { return [] }
      return [SpecDiagnostics.keyBelongsToOtherKinds(key, kinds: owners, thisKind: kind.rawValue, at: kindName.range)]
    }
    return LayerSpec(kind: located, name: name, options: options, range: node.range)
  }

  /// The keys of an affine (`affine: true`) or additive coupling.
  func decodeCoupling(_ r: MappingReader, affine: Bool) -> CouplingSpec {
    var spec = CouplingSpec()
    spec.keep = r.require("keep", ValueReader { $0.decodeMask($1, $2) }, example: "keep: first_half")
    let netRef = ValueReader { $0.decodeNetRef($1, $2) }
    if affine { spec.scale = r.optional("scale", netRef) }
    spec.shift = r.optional("shift", netRef)
    spec.net = r.optional("net", netRef)
    spec.netIO = r.optional("net_io", .oneOf(NetIO.self))
    if affine {
      spec.scaleFunction = r.optional("scale_function", .oneOf(ScaleFunction.self))
      spec.scaleClamp = r.optional("scale_clamp", .double)
    }
    return spec
  }

  /// `order:` (`reverse`, `random` or a list of indices) and, for `random`, `seed:`.
  func decodePermutation(_ r: MappingReader) -> PermutationSpec {
    var spec = PermutationSpec()
    let order = r.require("order", ValueReader { $0.decodeOrder($1, $2) }, example: "order: reverse")
    let seed = r.optional("seed", .int)
    if let seedPair = r.pair("seed"), let order {
      if case .random = order.value {} else {
        emit(SpecDiagnostics.seedWithoutRandom(at: seedPair.key.range, order: order.range))
      }
    }
    if let order {
      if case .random = order.value {
        spec.order = Located(.random(seed: seed), at: order.range)
      } else {
        spec.order = order
      }
    }
    return spec
  }

  /// A permutation order without its seed.
  func decodeOrder(_ node: YAMLNode, _ subject: String) -> Located<PermutationSpec.Order>? {
    if node.sequence != nil {
      return intList(node, subject).map { Located(.explicit($0.value), at: $0.range) }
    }
    let expected = "'reverse', 'random' or a list of indices"
    guard let name = string(node, subject, expected: expected) else { return nil }
    switch name.value {
    case "reverse": return Located(.reverse, at: node.range)
    case "random": return Located(.random(seed: nil), at: node.range)
    default:
      emit(SpecDiagnostics.unknownValue(name.value, for: subject, at: node.range, candidates: ["reverse", "random"]))
      return nil
    }
  }

  /// An elementwise layer's `function:`: a name, or `{leaky_relu: slope}`.
  func decodeElementwiseFunction(_ node: YAMLNode, _ subject: String) -> Located<ElementwiseFunction>? {
    guard let (name, parameter) = functionName(node, subject, names: ElementwiseFunction.names,
                                               expected: "a function name such as 'tanh'") else {
      return nil
    }
    let function: ElementwiseFunction
    switch name.value {
    case "leaky_relu":
      return parameterValue(parameter, default: Activation.defaultLeakySlope, name: name)
        .map { Located(.leakyReLU(slope: $0), at: node.range) }
    case "sigmoid": function = .sigmoid
    case "logit": function = .logit
    case "tanh": function = .tanh
    case "relu": function = .relu
    case "abs": function = .abs
    default: function = .square
    }
    if let parameter {
      emit(SpecDiagnostics.unexpectedParameter(name.value, at: parameter.range))
      return nil
    }
    return Located(function, at: node.range)
  }

  /// "an" before a vowel sound, for "in an affine_coupling layer".
  static func article(_ word: String) -> String {
    guard let first = word.first else { return "a" }
    return "aeio".contains(first) ? "an" : "a"
  }
}
