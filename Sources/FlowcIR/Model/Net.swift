import FlowcDiagnostics
import FlowcSpec

/// A conditioner network with concrete sizes: an MLP (inputs → hidden... → outputs) or a
/// convolutional net over an image (`conv`), whose flat input and output counts are the
/// image sizes (C·H·W in, C_out·H·W out).
package struct Net: Sendable {
  /// `scale`, `shift`, `net` or `prior`: the role in its layer.
  package var role: String
  /// Flat inputs per sample.
  package var inputs: Int
  /// An MLP's hidden widths (empty for a convolutional net).
  package var hidden: [Located<Int>]
  /// Flat outputs per sample.
  package var outputs: Int
  package var activation: Located<Activation>
  package var outputActivation: Located<Activation>
  package var initialization: NetInit
  /// The convolutional architecture, for `type: conv` and `type: resnet`.
  package var conv: ConvNet?
  /// Values of the flow's context added into the first layer (0: unconditional): an
  /// MLP's or MADE's first linear layer reads them unmasked, a conv net's first
  /// convolution gets them as a per-channel bias (FlowRuntime's `ContextProjection`).
  package var context: Int = 0
  /// The template it came from, if any.
  package var template: String?
  /// Where it is defined (the template or the inline mapping).
  package var range: SourceRange

  package init(role: String, inputs: Int, hidden: [Located<Int>], outputs: Int, activation: Located<Activation>,
               outputActivation: Located<Activation>, initialization: NetInit, conv: ConvNet? = nil, template: String?,
               range: SourceRange) {
    self.role = role
    self.inputs = inputs
    self.hidden = hidden
    self.outputs = outputs
    self.activation = activation
    self.outputActivation = outputActivation
    self.initialization = initialization
    self.conv = conv
    self.template = template
    self.range = range
  }

  /// An MLP's layer widths from input to output: [2, 256, 256, 2].
  package var widths: [Int] { [inputs] + hidden.map(\.value) + [outputs] }

  /// Weights and biases of every `nn.Linear` (sum of (in + 1)·out), or of every
  /// convolution and normalisation of a convolutional net.
  package var parameterCount: Int {
    if let conv { return conv.parameterCount.addingSaturating(contextWeights) }
    let w = widths
    var total = contextWeights
    for i in 0..<(w.count - 1) {
      total = total.addingSaturating(max(0, w[i]).addingSaturating(1).multipliedSaturating(by: max(0, w[i + 1])))
    }
    return total
  }

  /// Multiply-adds of one forward pass, times 2 (FLOPs).
  package var flopsPerSample: Int {
    if let conv { return conv.flopsPerSample.addingSaturating(2.multipliedSaturating(by: contextWeights)) }
    let w = widths
    var total = 2.multipliedSaturating(by: contextWeights)
    for i in 0..<(w.count - 1) {
      total = total.addingSaturating(2.multipliedSaturating(by: max(0, w[i]).multipliedSaturating(by: max(0, w[i + 1]))))
    }
    return total
  }

  /// The context weight's entries: context × the first layer's outputs.
  package var contextWeights: Int {
    guard context > 0 else { return 0 }
    let first = conv.map { $0.convolutions.first?.cout ?? 0 } ?? (hidden.first?.value ?? outputs)
    return context.multipliedSaturating(by: max(0, first))
  }

  /// Values a training step keeps per sample: each layer's output, and its pre-activation
  /// too where the activation's derivative needs it (GELU, softplus).
  package var activationValues: Int {
    if let conv { return conv.activationValues }
    let hiddenCopies = activation.value.derivativeFollowsFromOutput ? 1 : 2
    let outputCopies = outputActivation.value.derivativeFollowsFromOutput ? 1 : 2
    return hidden.reduce(max(0, outputs).multipliedSaturating(by: outputCopies)) {
      $0.addingSaturating(max(0, $1.value).multipliedSaturating(by: hiddenCopies))
    }
  }

  /// `2-256-256-2` for an MLP; `conv [2,14,14] 3-1-3 x64 → 4` for a convolutional net.
  package var shapeDescription: String {
    if let conv { return conv.description }
    return widths.map(String.init).joined(separator: "-")
  }

  /// `scale 2-256-256-2 leaky_relu(0.01)/tanh`, as the IR prints it.
  package var irText: String {
    var text = "\(role) \(shapeDescription) \(activation.value.description)"
    if outputActivation.value != .identity { text += "/\(outputActivation.value.description)" }
    if initialization != .pytorch { text += " \(initialization.rawValue)" }
    if context > 0 { text += " +context \(context)" }
    return text
  }
}

/// A convolutional conditioner over an image input: same-padded convolutions with bias,
/// and for `resnet` residual blocks. The channel sequence and parameter layout match the
/// runtime's `ConvNet` (docs/checkpoint.md).
package struct ConvNet: Sendable {
  package enum Layout: Sendable {
    /// Convolutions with these kernel sizes: input → channels → ... → channels → output.
    case plain(kernels: [Located<Int>])
    /// conv in (k) → `blocks` × [norm → act → conv k → norm → act → conv k, + skip] → act → conv out (k).
    case residual(blocks: Located<Int>, kernel: Located<Int>)
  }

  package var layout: Layout
  /// Hidden channels.
  package var channels: Located<Int>
  package var norm: Located<NetNorm>
  /// The image the net reads.
  package var input: TensorShape
  /// Output channels (the flat output is this times H·W).
  package var outputChannels: Int

  package init(layout: Layout, channels: Located<Int>, norm: Located<NetNorm>, input: TensorShape, outputChannels: Int) {
    self.layout = layout
    self.channels = channels
    self.norm = norm
    self.input = input
    self.outputChannels = outputChannels
  }

  /// The kernel sizes as written, for the rules (odd, at least 1).
  package var kernelSizes: [Located<Int>] {
    switch layout {
    case .plain(let k): return k
    case .residual(_, let k): return [k]
    }
  }

  /// Every convolution as (kernel, in channels, out channels), input to output.
  package var convolutions: [(k: Int, cin: Int, cout: Int)] {
    let cin = input.image?.channels ?? 0, ch = max(0, channels.value), cout = outputChannels
    switch layout {
    case .plain(let kernels):
      let k = kernels.map { max(0, $0.value) }
      guard !k.isEmpty else { return [] }
      if k.count == 1 { return [(k[0], cin, cout)] }
      return k.indices.map { i in (k[i], i == 0 ? cin : ch, i == k.count - 1 ? cout : ch) }
    case .residual(let blocks, let kernel):
      let k = max(0, kernel.value)
      return [(k, cin, ch)] + Array(repeating: (k, ch, ch), count: 2 * max(0, min(blocks.value, 1_000_000))) + [(k, ch, cout)]
    }
  }

  /// Hidden convolution outputs followed by a normalisation (every one but the last for a
  /// plain net; the two inside each residual block).
  private var normalisedChannels: Int {
    guard norm.value == .actnorm else { return 0 }
    let convs = convolutions
    switch layout {
    case .plain: return convs.dropLast().reduce(0) { $0.addingSaturating($1.cout) }
    case .residual(let blocks, _): return max(0, channels.value).multipliedSaturating(by: 2).multipliedSaturating(by: max(0, blocks.value))
    }
  }

  /// Weights (k²·Cin·Cout) and biases (Cout) of every convolution, plus 2 per
  /// normalised channel (an ActNorm's bias and log-scale).
  package var parameterCount: Int {
    var total = normalisedChannels.multipliedSaturating(by: 2)
    for c in convolutions {
      total = total.addingSaturating(c.k.multipliedSaturating(by: c.k).multipliedSaturating(by: c.cin)
        .multipliedSaturating(by: c.cout).addingSaturating(c.cout))
    }
    return total
  }

  /// 2·k²·Cin·Cout·H·W per convolution.
  package var flopsPerSample: Int {
    convolutions.reduce(0) { total, c in
      total.addingSaturating(2.multipliedSaturating(by: c.k.multipliedSaturating(by: c.k)).multipliedSaturating(by: c.cin)
        .multipliedSaturating(by: c.cout).multipliedSaturating(by: input.pixels))
    }
  }

  /// Each convolution's output before and after its activation, per pixel.
  package var activationValues: Int {
    convolutions.reduce(0) { $0.addingSaturating($1.cout.multipliedSaturating(by: 2)) }.multipliedSaturating(by: input.pixels)
  }

  /// `conv [2,14,14] 3-1-3 x64 actnorm → 4` or `resnet [1,28,28] 2×3 x64 → 2`.
  package var description: String {
    var text: String
    switch layout {
    case .plain(let k):
      // One convolution has no hidden channels to speak of.
      text = "conv \(input) \(k.map { String($0.value) }.joined(separator: "-"))" + (k.count > 1 ? " x\(channels.value)" : "")
    case .residual(let b, let k): text = "resnet \(input) \(b.value)×\(k.value) x\(channels.value)"
    }
    if norm.value != .none { text += " \(norm.value.rawValue)" }
    return text + " → \(outputChannels)"
  }
}

extension Net {
  /// The net in the IR JSON.
  var json: JSONValue {
    var fields: [(String, JSONValue)] = [("role", .string(role))]
    if let conv {
      var c: [(String, JSONValue)] = [("input_shape", .array(conv.input.dims.map { .int($0) })),
                                      ("output_channels", .int(conv.outputChannels)), ("channels", .int(conv.channels.value))]
      switch conv.layout {
      case .plain(let k):
        c.insert(("type", .string("conv")), at: 0)
        c.append(("kernels", .array(k.map { .int($0.value) })))
      case .residual(let b, let k):
        c.insert(("type", .string("resnet")), at: 0)
        c.append(("blocks", .int(b.value)))
        c.append(("kernel", .int(k.value)))
      }
      c.append(("norm", .string(conv.norm.value.rawValue)))
      fields += c
    } else {
      fields.append(("widths", .array(widths.map { .int($0) })))
    }
    return .object(fields + [
      ("activation", .string(activation.value.description)),
      ("output_activation", .string(outputActivation.value.description)),
      ("init", .string(initialization.rawValue)),
      ("template", template.map { .string($0) } ?? .null),
      ("parameters", .int(parameterCount)),
    ] + (context > 0 ? [("context_inputs", .int(context))] : []))
  }

  /// The net's fields as `flowc diff` compares them, named `<role>.<field>`.
  var comparedFields: [NodeField] {
    var out: [NodeField] = []
    if let conv {
      out.append(NodeField("\(role).architecture", conv.description, at: conv.kernelSizes.first?.range ?? range))
    } else {
      out.append(NodeField("\(role).widths", shapeDescription, at: hidden.first?.range ?? range))
    }
    return out + [
      NodeField("\(role).activation", activation.value.description, at: activation.range),
      NodeField("\(role).output_activation", outputActivation.value.description, at: outputActivation.range),
      NodeField("\(role).init", initialization.rawValue, at: range),
      NodeField("\(role).context", String(context), at: range, isDefault: context == 0),
    ]
  }
}
