import FlowcDiagnostics
import FlowcSpec

/// What a layer offers its network: flat input and output counts always, and for an image
/// layer the image the net reads and the channels it must produce (a convolutional net
/// needs them; an MLP reads the flattened values).
struct NetSlot {
  var inputs: Int
  var outputs: Int
  /// The image input and output channels, or nil with the reason a convolutional net
  /// cannot be used here ("the layer's input is a vector", ...).
  var image: Result<(input: TensorShape, outputChannels: Int), NetSlotProblem>

  /// A slot for an MLP only.
  static func flat(inputs: Int, outputs: Int, problem: String = "the layer's input is a vector, not an image [C, H, W]") -> NetSlot {
    NetSlot(inputs: inputs, outputs: outputs, image: .failure(NetSlotProblem(reason: problem)))
  }
}

/// Why a layer cannot host a convolutional net.
struct NetSlotProblem: Error {
  var reason: String
}

extension Lowering {
  /// Resolves a network reference (template name, or inline net possibly `use:`-ing a
  /// template) into concrete sizes for `slot`.
  mutating func resolveNet(_ ref: NetRef, role: String, slot: NetSlot) -> Net? {
    var spec: NetSpec
    var templateName: String?
    switch ref {
    case .template(let name):
      guard let t = templates[name.value] else {
        diagnostics.emit(IRDiagnostics.unknownTemplate(name.value, at: name.range, known: templateNames))
        return nil
      }
      spec = t.net
      templateName = name.value
    case .inline(let inline):
      spec = inline
      if let base = inline.base {
        guard let t = templates[base.value] else {
          diagnostics.emit(IRDiagnostics.unknownTemplate(base.value, at: base.range, known: templateNames))
          return nil
        }
        templateName = base.value
        // Fields the inline net writes override the template's.
        spec = t.net
        spec.range = inline.range
        if let x = inline.type { spec.type = x }
        if let h = inline.hidden { spec.hidden = h }
        if let x = inline.channels { spec.channels = x }
        if let x = inline.kernels { spec.kernels = x }
        if let x = inline.kernel { spec.kernel = x }
        if let x = inline.blocks { spec.blocks = x }
        if let x = inline.norm { spec.norm = x }
        if let a = inline.activation { spec.activation = a }
        if let o = inline.outputActivation { spec.outputActivation = o }
        if let i = inline.initialization { spec.initialization = i }
      }
    }
    let activation = spec.activation ?? Located(SpecDefaults.activation, at: spec.range)
    let outputActivation = spec.outputActivation ?? Located(SpecDefaults.outputActivation, at: spec.range)
    let initialization = spec.initialization?.value ?? SpecDefaults.netInit
    let type = spec.type?.value ?? SpecDefaults.netType
    guard type != .mlp else {
      reportUnused(spec, ["channels": spec.channels?.range, "kernels": spec.kernels?.range, "kernel": spec.kernel?.range,
                          "blocks": spec.blocks?.range, "norm": spec.norm?.range], type: type)
      guard let hidden = spec.hidden else {
        diagnostics.emit(IRDiagnostics.missingHidden(role, at: ref.range))
        return nil
      }
      return Net(role: role, inputs: slot.inputs, hidden: hidden.value, outputs: slot.outputs, activation: activation,
                 outputActivation: outputActivation, initialization: initialization, template: templateName, range: spec.range)
        .conditioned(on: netContext(role))
    }
    let image: (input: TensorShape, outputChannels: Int)
    switch slot.image {
    case .success(let i): image = i
    case .failure(let problem):
      // At the layer's reference to the net (the template itself may be fine elsewhere).
      if reportedPlaces.insert(ref.range).inserted {
        diagnostics.emit(IRDiagnostics.convNetNeedsImage(role, type: type.rawValue, reason: problem.reason, at: ref.range,
                                                         typeSetAt: spec.type?.range))
      }
      return nil
    }
    let channels = spec.channels ?? Located(SpecDefaults.convChannels, at: spec.range)
    let norm = spec.norm ?? Located(SpecDefaults.netNorm, at: spec.range)
    let layout: ConvNet.Layout
    if type == .conv {
      reportUnused(spec, ["hidden": spec.hidden?.range, "kernel": spec.kernel?.range, "blocks": spec.blocks?.range], type: type)
      layout = .plain(kernels: spec.kernels?.value ?? SpecDefaults.convKernels.map { Located($0, at: spec.range) })
    } else {
      reportUnused(spec, ["hidden": spec.hidden?.range, "kernels": spec.kernels?.range], type: type)
      layout = .residual(blocks: spec.blocks ?? Located(SpecDefaults.resnetBlocks, at: spec.range),
                         kernel: spec.kernel ?? Located(SpecDefaults.resnetKernel, at: spec.range))
    }
    let conv = ConvNet(layout: layout, channels: channels, norm: norm, input: image.input, outputChannels: image.outputChannels)
    return Net(role: role, inputs: slot.inputs, hidden: [], outputs: slot.outputs, activation: activation,
               outputActivation: outputActivation, initialization: initialization, conv: conv, template: templateName,
               range: spec.range).conditioned(on: netContext(role))
  }

  /// A key that the net's type does not read is a mistake the user should see (it would
  /// silently do nothing), reported once per place.
  private mutating func reportUnused(_ spec: NetSpec, _ keys: [String: SourceRange?], type: NetType) {
    for (key, range) in keys.sorted(by: { $0.key < $1.key }) {
      guard let range, reportedPlaces.insert(range).inserted else { continue }
      diagnostics.emit(IRDiagnostics.netKeyUnused(key, type: type.rawValue, at: range))
    }
  }

  var templateNames: [String] { spec.templates.map(\.name.value) }

  /// The context width a network of `role` reads: every conditioner of a coupling or an
  /// autoregressive layer; a split's learned prior stays unconditional.
  func netContext(_ role: String) -> Int { role == "prior" ? 0 : contextWidth }
}

extension Net {
  /// The same net reading `context` values of the flow's context.
  func conditioned(on context: Int) -> Net {
    var n = self
    n.context = context
    return n
  }
}
