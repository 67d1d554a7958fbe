import FlowcDiagnostics

extension SpecDecoder {
  /// A net mapping: in `templates:` (`inline: false`) or written inside a layer
  /// (`inline: true`, where `use:` may name a template to start from).
  func decodeNet(_ node: YAMLNode, _ subject: String, anchor: SourceRange? = nil, inline: Bool) -> NetSpec? {
    guard let r = MappingReader.open(node, subject, place: "in a net", anchor: anchor,
                                     expected: "a net mapping (with 'hidden', 'activation', ...)",
                                     section: inline ? .inlineNet : .net, decoder: self) else {
      return nil
    }
    var net = NetSpec(range: node.range)
    if inline { net.base = r.optional("use", .string) }
    net.type = r.optional("type", .oneOf(NetType.self))
    net.hidden = r.optional("hidden", .intList)
    net.channels = r.optional("channels", .int)
    net.kernels = r.optional("kernels", .intList)
    net.kernel = r.optional("kernel", .int)
    net.blocks = r.optional("blocks", .int)
    net.norm = r.optional("norm", .oneOf(NetNorm.self))
    net.activation = r.optional("activation", ValueReader { $0.decodeActivation($1, $2) })
    net.outputActivation = r.optional("output_activation", ValueReader { $0.decodeActivation($1, $2) })
    net.initialization = r.optional("init", .oneOf(NetInit.self))
    r.finish { key in
      !inline && key == "use" ? [SpecDiagnostics.useOnlyInline()] : []
    }
    return net
  }

  /// A coupling's `scale:`, `shift:` or `net:`: a template name or an inline net.
  /// Whether the template exists is checked by lowering.
  func decodeNetRef(_ node: YAMLNode, _ subject: String) -> NetRef? {
    if node.mapping != nil { return decodeNet(node, subject, inline: true).map(NetRef.inline) }
    return string(node, subject, expected: "a template name or a net mapping").map(NetRef.template)
  }

  /// An activation: a name (`relu`, `none`, ...) or a one-key mapping with the
  /// parameter of a parametrised one (`{leaky_relu: 0.2}`, `{elu: 0.5}`).
  func decodeActivation(_ node: YAMLNode, _ subject: String) -> Located<Activation>? {
    guard let (name, parameter) = functionName(node, subject, names: Activation.names,
                                               expected: "an activation name such as 'relu'") else {
      return nil
    }
    let activation: Activation?
    switch name.value {
    case "relu": activation = .relu
    case "tanh": activation = .tanh
    case "gelu": activation = .gelu
    case "sigmoid": activation = .sigmoid
    case "softplus": activation = .softplus
    case "none": activation = .identity
    case "leaky_relu":
      return parameterValue(parameter, default: Activation.defaultLeakySlope, name: name)
        .map { Located(Activation.leakyReLU(slope: $0), at: node.range) }
    case "elu":
      return parameterValue(parameter, default: Activation.defaultELUAlpha, name: name)
        .map { Located(Activation.elu(alpha: $0), at: node.range) }
    default: activation = nil
    }
    guard let activation else { return nil }
    if let parameter {
      emit(SpecDiagnostics.unexpectedParameter(name.value, at: parameter.range))
      return nil
    }
    return Located(activation, at: node.range)
  }

  // MARK: - Functions with an optional parameter

  /// Splits `name` or `{name: parameter}` and checks the name against `names`.
  /// Shared by activations and elementwise layers.
  func functionName(_ node: YAMLNode, _ subject: String, names: [String],
                    expected: String) -> (Located<String>, YAMLNode?)? {
    if let pairs = node.mapping {
      guard pairs.count == 1, let pair = pairs.first else {
        emit(SpecDiagnostics.functionForm(subject, keyCount: pairs.count, at: pairs.count > 1 ? pairs[1].key.range : node.range))
        return nil
      }
      guard names.contains(pair.name) else {
        emit(SpecDiagnostics.unknownValue(pair.name, for: subject, at: pair.key.range, candidates: names))
        return nil
      }
      return (Located(pair.name, at: pair.key.range), pair.value)
    }
    guard let name = string(node, subject, expected: expected) else { return nil }
    guard names.contains(name.value) else {
      emit(SpecDiagnostics.unknownValue(name.value, for: subject, at: node.range, candidates: names))
      return nil
    }
    return (name, nil)
  }

  /// The parameter of `{name: x}` as a number, or `value` when written without one.
  func parameterValue(_ parameter: YAMLNode?, default value: Double, name: Located<String>) -> Double? {
    guard let parameter else { return value }
    return double(parameter, "the parameter of '\(name.value)'")?.value
  }
}

extension SpecSection {
  /// The keys of a net in `templates:`.
  package static let net = SpecSection("net", "A conditioner network (an MLP); the layer decides its input and output sizes.",
                                       keys: netKeys)
  /// The keys of a net written inside a layer: a template's keys plus `use:`.
  package static let inlineNet = SpecSection("inline_net", "A network written inside a layer, optionally starting from a template.",
                                             keys: [SpecKey("use", .string, "A template this net starts from; the keys written here override its own.")]
                                               + netKeys)

  private static let netKeys: [SpecKey] = [
    SpecKey("type", .names(.rawValues(of: NetType.self)),
            "The architecture: an MLP over the flattened input, a plain convolutional net (`kernels`), or a residual one (`blocks`); convolutional nets need an image input [C, H, W].",
            default: SpecDefaults.netType.rawValue),
    SpecKey("hidden", .list(.integer), "The hidden layer widths, e.g. [256, 256]; a layer's net must end up with one (its own or its template's)."),
    SpecKey("channels", .integer, "The hidden channels of a convolutional net.", default: String(SpecDefaults.convChannels)),
    SpecKey("kernels", .list(.integer), "The kernel sizes of a plain convolutional net, first to last (odd; same padding).",
            default: "[3, 1, 3] (Glow)"),
    SpecKey("kernel", .integer, "The kernel size of a residual net's convolutions (odd).", default: String(SpecDefaults.resnetKernel)),
    SpecKey("blocks", .integer, "The residual blocks of a residual net.", default: String(SpecDefaults.resnetBlocks)),
    SpecKey("norm", .names(.rawValues(of: NetNorm.self)),
            "The normalisation after each hidden convolution: none, or ActNorm with data-dependent initialisation (Glow).",
            default: SpecDefaults.netNorm.rawValue),
    SpecKey("activation", .function(names: Activation.names, parametrized: ["leaky_relu", "elu"]),
            "The nonlinearity after every hidden layer.", default: SpecDefaults.activation.description),
    SpecKey("output_activation", .function(names: Activation.names, parametrized: ["leaky_relu", "elu"]),
            "Applied to the net's output (e.g. tanh to bound a scale).", default: SpecDefaults.outputActivation.description),
    SpecKey("init", .names(.rawValues(of: NetInit.self)),
            "How the weights start: PyTorch's nn.Linear default, or that with the last layer at zero (the coupling starts as the identity).",
            default: SpecDefaults.netInit.rawValue),
  ]
}
