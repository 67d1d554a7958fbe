import FlowcDiagnostics
import FlowcSpec

/// The factor-out step of a multi-scale flow: the first `channels` channels continue,
/// the others go to the prior (the flow's standard normal, or Glow's learned conditional
/// prior N(μ(h), σ(h)²) from a net on the continuing channels h).
package struct SplitOp: LayerOperation {
  /// The image it reads.
  package var input: TensorShape
  /// Channels that continue.
  package var channels: Located<Int>
  package var prior: Located<SplitSpec.Prior>
  /// The learned prior's net: continuing channels in, 2 × factored channels out (μ, log σ).
  package var net: Net?
  package var range: SourceRange

  package var kind: String { SplitSpec.kind }
  package var nets: [Net] { net.map { [$0] } ?? [] }
  package func parameterCount(input: TensorShape) -> Int { net?.parameterCount ?? 0 }
  package func flopsPerSample(input: TensorShape) -> Int { net?.flopsPerSample ?? 0 }

  /// Whether the channel count is one a split can make.
  var isValid: Bool {
    guard let (c, _, _) = input.image else { return false }
    return channels.value >= 1 && channels.value < c
  }

  package func outputShape(input: TensorShape) -> TensorShape {
    guard isValid, let (_, h, w) = input.image else { return input }
    return .image(channels.value, h, w)
  }

  package func factoredShape(input: TensorShape) -> TensorShape? {
    guard isValid, let (c, h, w) = input.image else { return nil }
    return .image(c - channels.value, h, w)
  }

  /// `needs-image`, `split-channels`.
  package func validate(_ node: GraphNode, in graph: FlowGraph) -> [Diagnostic] {
    guard let (c, _, _) = input.image else { return [IRDiagnostics.needsImage(kind, input: input, at: range)] }
    guard isValid else { return [IRDiagnostics.splitChannels(channels.value, of: c, at: channels.range)] }
    return []
  }

  package var irColumns: (String, String) {
    let factored = factoredShape(input: input).map(\.description) ?? "nothing"
    var text = "keeps \(outputShape(input: input)) · sends \(factored) to the prior"
    if let net { text += " (learned: \(net.irText))" } else { text += " (standard normal)" }
    return (text, "")
  }

  package var jsonFields: [(String, JSONValue)] {
    [("continues", .array(outputShape(input: input).dims.map { .int($0) })),
     ("factored", factoredShape(input: input).map { .array($0.dims.map { .int($0) }) } ?? .null),
     ("prior", .string(prior.value.rawValue)), ("nets", .array(nets.map(\.json)))]
  }

  package func comparedFields(_ node: GraphNode) -> [NodeField] {
    [NodeField("channels", String(channels.value), at: channels.range), NodeField("prior", prior.value.rawValue, at: prior.range)]
      + (net?.comparedFields ?? [])
  }
}

extension SplitSpec: LowerableLayer {
  func lower(_ l: inout Lowering, _ layer: LayerSpec) -> (any LayerOperation)? {
    let input = l.shape
    let c = input.image?.channels ?? 0
    let keep = channels ?? Located(c / 2, at: layer.kind.range)
    let prior = self.prior ?? Located(Self.defaultPrior, at: layer.range)
    var op = SplitOp(input: input, channels: keep, prior: prior, net: nil, range: layer.kind.range)
    if prior.value == .learned, op.isValid, let (_, h, w) = input.image {
      let factored = c - keep.value
      let slot = NetSlot(inputs: keep.value * h * w, outputs: 2 * factored * h * w,
                         image: .success((.image(keep.value, h, w), 2 * factored)))
      // Glow's default: one zero-initialised 3×3 convolution (the prior starts as N(0, I)).
      let ref = net ?? .inline({
        var n = NetSpec(range: layer.range)
        n.type = Located(.conv, at: layer.range)
        n.kernels = Located([Located(3, at: layer.range)], at: layer.range)
        n.initialization = Located(.zeroLast, at: layer.range)
        return n
      }())
      guard let resolved = l.resolveNet(ref, role: "prior", slot: slot) else { return nil }
      op.net = resolved
    } else if let net, prior.value != .learned, l.reportedPlaces.insert(net.range).inserted {
      l.diagnostics.emit(IRDiagnostics.splitNetWithoutLearnedPrior(at: net.range))
    }
    return op
  }
}
