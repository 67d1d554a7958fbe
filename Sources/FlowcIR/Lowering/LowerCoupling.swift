import FlowcDiagnostics
import FlowcSpec
import FlowRandom

extension Lowering {
  /// Resolves a coupling's mask and networks. Returns nil (after a diagnostic) when the
  /// networks cannot be formed; mask problems other than unresolvable generators are
  /// left in the mask for the validator.
  mutating func lowerCoupling(_ c: CouplingSpec, affine: Bool, layer: LayerSpec, index: Int) -> Coupling? {
    let kind = layer.kind.value.rawValue
    guard let keep = c.keep else { return nil }  // the decoder reported the missing key
    guard let (mask, origin) = resolveMask(keep) else { return nil }
    previousMask = (mask, index)

    let io = c.netIO?.value ?? SpecDefaults.netIO
    let d = max(0, dimension)
    let keptCount = mask.count { $0 == 1 }
    let transformedCount = mask.count { $0 == 0 }
    let inputs = io == .masked ? d : keptCount
    let perHead = io == .masked ? d : transformedCount

    let nets: CouplingNets
    switch (c.scale, c.shift, c.net) {
    case (nil, nil, let shared?):
      guard let n = resolveNet(shared, role: "net", inputs: inputs, outputs: affine ? 2 * perHead : perHead) else { return nil }
      if affine, n.outputActivation.value != .identity {
        diagnostics.emit(IRDiagnostics.sharedNetOutputActivation(at: shared.range, setAt: n.outputActivation.range))
      }
      nets = affine ? .shared(n) : .separate(scale: nil, shift: n)
    case (let scale, let shift?, nil) where affine ? scale != nil : scale == nil:
      let s = scale.flatMap { resolveNet($0, role: "scale", inputs: inputs, outputs: perHead) }
      guard let t = resolveNet(shift, role: "shift", inputs: inputs, outputs: perHead) else { return nil }
      if scale != nil, s == nil { return nil }
      nets = .separate(scale: s, shift: t)
    case (_, _, .some):
      diagnostics.emit(IRDiagnostics.couplingNets(kind, at: layer.range, problem: "has both 'net' and separate networks",
                                                  suggestion: "give either 'net' (one network, two heads) or 'scale' and 'shift'"))
      return nil
    default:
      let want = affine ? "'scale' and 'shift' networks, or one 'net' with two heads" : "a 'shift' network (or 'net')"
      diagnostics.emit(IRDiagnostics.couplingNets(kind, at: layer.kind.range, problem: "needs \(want)",
                                                  suggestion: affine ? "add 'scale: <template>' and 'shift: <template>'" : "add 'shift: <template>'"))
      return nil
    }
    return Coupling(mask: mask, maskRange: keep.range, maskOrigin: origin, io: io, nets: nets,
                    scaleFunction: c.scaleFunction ?? Located(SpecDefaults.scaleFunction, at: layer.range),
                    scaleClamp: c.scaleClamp)
  }

  /// Turns `keep:` into a concrete 0/1 vector (1 = kept) and a description of where it came from.
  private func resolveMask(_ keep: Located<MaskSpec>) -> ([Int], String)? {
    let d = max(0, dimension)
    switch keep.value {
    case .explicit(let entries):
      return (entries.map(\.value), "explicit")
    case .generator(let g):
      switch g {
      case .firstHalf: return ((0..<d).map { $0 < d / 2 ? 1 : 0 }, g.rawValue)
      case .secondHalf: return ((0..<d).map { $0 >= d / 2 ? 1 : 0 }, g.rawValue)
      case .even: return ((0..<d).map { $0 % 2 == 0 ? 1 : 0 }, g.rawValue)
      case .odd: return ((0..<d).map { $0 % 2 == 1 ? 1 : 0 }, g.rawValue)
      case .checkerboard, .checkerboardOdd:
        // (row + column) parity over the declared image: on a 28x28 image "even index"
        // would give vertical stripes, not a checkerboard.
        let shape = spec.shape?.value.map(\.value)
        guard let shape, shape.count == 2, shape[0] > 0, shape[1] > 0, shape[0].multipliedSaturating(by: shape[1]) == d else {
          if shape == nil || shape!.count != 2 {
            diagnostics.emit(IRDiagnostics.checkerboardShape(at: keep.range, shape: shape))
          }  // a shape whose product is not dim is the validator's shape-dimension rule
          return nil
        }
        let parity = g == .checkerboard ? 0 : 1
        return ((0..<d).map { i in (i / shape[1] + i % shape[1]) % 2 == parity ? 1 : 0 }, g.rawValue)
      case .flip:
        guard let previous = previousMask else {
          diagnostics.emit(IRDiagnostics.flipWithoutPrevious(at: keep.range))
          return nil
        }
        // Entries other than 0/1 stay as they are; the validator reports the original.
        return (previous.mask.map { $0 == 0 ? 1 : ($0 == 1 ? 0 : $0) }, "flip of %\(previous.node)")
      }
    }
  }

  /// Resolves a network reference (template name, or inline net possibly `use:`-ing a
  /// template) into concrete sizes.
  private func resolveNet(_ ref: NetRef, role: String, inputs: Int, outputs: Int) -> Net? {
    var spec: NetSpec
    var templateName: String?
    switch ref {
    case .template(let name):
      guard let t = templates[name.value] else {
        diagnostics.emit(IRDiagnostics.unknownTemplate(name.value, at: name.range, known: spec_templateNames))
        return nil
      }
      spec = t.net
      templateName = name.value
    case .inline(let inline):
      spec = inline
      if let base = inline.base {
        guard let t = templates[base.value] else {
          diagnostics.emit(IRDiagnostics.unknownTemplate(base.value, at: base.range, known: spec_templateNames))
          return nil
        }
        templateName = base.value
        // Fields the inline net writes override the template's.
        spec = t.net
        spec.range = inline.range
        if let h = inline.hidden { spec.hidden = h }
        if let a = inline.activation { spec.activation = a }
        if let o = inline.outputActivation { spec.outputActivation = o }
        if let i = inline.initialization { spec.initialization = i }
      }
    }
    guard let hidden = spec.hidden else {
      diagnostics.emit(IRDiagnostics.missingHidden(role, at: ref.range))
      return nil
    }
    return Net(role: role, inputs: inputs, hidden: hidden.value, outputs: outputs,
               activation: spec.activation ?? Located(SpecDefaults.activation, at: spec.range),
               outputActivation: spec.outputActivation ?? Located(SpecDefaults.outputActivation, at: spec.range),
               initialization: spec.initialization?.value ?? SpecDefaults.netInit,
               template: templateName, range: spec.range)
  }

  private var spec_templateNames: [String] { spec.templates.map(\.name.value) }

  /// A concrete permutation vector. Explicit orders are kept as written (the validator
  /// checks they are a bijection); random ones are drawn here, once, from their seed,
  /// so the IR and the checkpoint record the exact order.
  func lowerPermutation(_ p: PermutationSpec, layer: LayerSpec) -> Permutation {
    let d = max(0, dimension)
    guard let order = p.order else {
      return Permutation(order: Array((0..<d).reversed()), origin: "reverse", range: layer.range)
    }
    switch order.value {
    case .reverse:
      return Permutation(order: Array((0..<d).reversed()), origin: "reverse", range: order.range)
    case .random(let seed):
      let s = seed?.value ?? SpecDefaults.permutationSeed
      var rng = Xoshiro256(seed: UInt64(bitPattern: Int64(s)), stream: "permutation")
      return Permutation(order: rng.permutation(d), origin: "random(seed \(s))", range: order.range)
    case .explicit(let entries):
      return Permutation(order: entries.map(\.value), origin: "explicit", range: order.range)
    }
  }
}
