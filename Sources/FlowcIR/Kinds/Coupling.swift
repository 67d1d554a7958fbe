import FlowcDiagnostics
import FlowcSpec

/// What the coupling kinds (affine, additive) share once lowered: a concrete mask and
/// concrete networks, and the printers for them.
package struct Coupling: Sendable {
  package var mask: LayerMask
  package var io: NetIO
  package var nets: CouplingNets

  /// The first IR column: `keeps 1 · transforms 0 (flip of %0)`.
  var maskColumn: String {
    var text = mask.text()
    if mask.origin != "explicit" { text += " (\(mask.origin))" }
    return text
  }

  /// `masked  scale 2-8-2 relu  shift 2-8-2 relu`: the io and the networks.
  var netsColumn: [String] { [io.rawValue] + nets.all.map(\.irText) }

  /// The mask, io and networks in the IR JSON; `layout` names how the nets are given.
  func jsonFields(layout: String) -> [(String, JSONValue)] {
    [
      ("mask", .array(mask.values.map { .int($0) })),
      ("mask_meaning", .string("1 = kept, 0 = transformed")),
      ("mask_origin", .string(mask.origin)),
      ("net_io", .string(io.rawValue)),
      ("nets_layout", .string(layout)),
      ("nets", .array(nets.all.map(\.json))),
    ]
  }

  /// The mask, io and networks as `flowc diff` compares them.
  func comparedFields(layout: String, node: GraphNode) -> [NodeField] {
    var out = [
      NodeField("mask", mask.text(width: nil), at: mask.range),
      NodeField("net_io", io.rawValue, at: node.range),
      NodeField("nets", layout, at: node.range),
    ]
    for net in nets.all { out += net.comparedFields }
    return out
  }
}

/// The networks of a coupling.
package enum CouplingNets: Sendable {
  /// Separate scale and shift networks (the seed notebook); additive couplings have no scale.
  case separate(scale: Net?, shift: Net)
  /// One network whose output is [scale head, shift head].
  case shared(Net)

  package var all: [Net] {
    switch self {
    case .separate(let s, let t): (s.map { [$0] } ?? []) + [t]
    case .shared(let n): [n]
    }
  }

  package var parameterCount: Int { all.reduce(0) { $0.addingSaturating($1.parameterCount) } }
}

extension Lowering {
  /// Resolves a coupling's mask and networks. `affine` couplings have a scale head:
  /// `scale` and `shift`, or one two-headed `net`; additive ones have one shift network,
  /// given as `shift` or `net`. Returns nil (after a diagnostic) when the networks cannot
  /// be formed; mask problems other than unresolvable generators are left in the mask
  /// for the validator.
  mutating func lowerCoupling(keep: Located<MaskSpec>?, scale: NetRef?, shift: NetRef?, net: NetRef?,
                              netIO: Located<NetIO>?, affine: Bool, layer: LayerSpec) -> Coupling? {
    let kind = layer.kind.value
    let index = nodes.count
    guard let keep else { return nil }  // the decoder reported the missing key
    guard let (mask, origin) = resolveMask(keep) else {
      previousMask = nil
      previousMaskUnresolved = true
      return nil
    }
    previousMask = (mask, index)
    previousMaskUnresolved = false

    let io = netIO?.value ?? CouplingKeys.defaultNetIO
    let d = max(0, dimension)
    let keptCount = mask.count { $0 == 1 }
    let transformedCount = mask.count { $0 == 0 }
    let inputs = io == .masked ? d : keptCount
    let perHead = io == .masked ? d : transformedCount
    let heads = affine ? 2 : 1
    func slot(heads h: Int) -> NetSlot {
      NetSlot(inputs: inputs, outputs: h * perHead, image: convInput(mask: mask, io: io, heads: h))
    }
    let nets: CouplingNets
    switch (scale, shift, net) {
    case (nil, nil, let shared?):
      guard let n = resolveNet(shared, role: "net", slot: slot(heads: heads)) else { return nil }
      if affine, n.outputActivation.value != .identity {
        diagnostics.emit(IRDiagnostics.sharedNetOutputActivation(at: shared.range, setAt: n.outputActivation.range))
      }
      nets = affine ? .shared(n) : .separate(scale: nil, shift: n)
    case (let scale, let shift?, nil) where affine ? scale != nil : scale == nil:
      let s = scale.flatMap { resolveNet($0, role: "scale", slot: slot(heads: 1)) }
      guard let t = resolveNet(shift, role: "shift", slot: slot(heads: 1)) else { return nil }
      if scale != nil, s == nil { return nil }
      nets = .separate(scale: s, shift: t)
    case (_, _, .some):
      diagnostics.emit(IRDiagnostics.couplingNetsBoth(kind, at: layer.range))
      return nil
    default:
      diagnostics.emit(IRDiagnostics.couplingNetsMissing(kind, affine: affine, at: layer.kind.range))
      return nil
    }
    return Coupling(mask: LayerMask(values: mask, range: keep.range, origin: origin), io: io, nets: nets)
  }

  /// The image a coupling's convolutional net reads and the channels it produces: with
  /// `masked` io the whole tensor (transformed values zeroed) and `heads`·C channels; with
  /// `split` io the kept channels and `heads` × the transformed channels, which needs a
  /// mask of whole channels (a channel mask, not a checkerboard).
  private func convInput(mask: [Int], io: NetIO, heads: Int) -> Result<(input: TensorShape, outputChannels: Int), NetSlotProblem> {
    guard let image = shape.image else { return .failure(NetSlotProblem(reason: "the layer's input is a vector, not an image [C, H, W]")) }
    let (c, h, w) = image
    switch io {
    case .masked:
      return .success((shape, heads * c))
    case .split:
      let p = h * w
      guard mask.count == c * p else { return .failure(NetSlotProblem(reason: "the mask does not fit the image")) }
      var kept = 0
      for ch in 0..<c {
        let values = Set(mask[(ch * p)..<((ch + 1) * p)])
        guard values.count == 1 else {
          return .failure(NetSlotProblem(reason: "with net_io 'split' it reads the kept values, and this mask keeps part of channel \(ch), so they do not form an image"))
        }
        if values.first == 1 { kept += 1 }
      }
      return .success((.image(kept, h, w), heads * (c - kept)))
    }
  }
}
