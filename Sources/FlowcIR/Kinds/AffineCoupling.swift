import FlowcDiagnostics
import FlowcSpec

/// Real NVP's affine coupling with a concrete mask and networks.
package struct AffineCouplingOp: LayerOperation {
  package var coupling: Coupling
  /// exp or sigmoid; `linear` is kept as written for the validator to reject.
  package var scaleFunction: Located<ScaleFunction>
  package var scaleClamp: Located<Double>?

  package var kind: String { AffineCouplingSpec.kind }
  package var mask: LayerMask? { coupling.mask }
  package var nets: [Net] { coupling.nets.all }
  package func parameterCount(input: TensorShape) -> Int { coupling.nets.parameterCount }
  package func flopsPerSample(input: TensorShape) -> Int { nets.reduce(0) { $0.addingSaturating($1.flopsPerSample) } }

  /// How the nets are given: `shared` (one two-headed net) or `separate`.
  var layout: String {
    if case .shared = coupling.nets { return "shared" }
    return "separate"
  }

  /// `scale-not-positive`: the scale must be exp(s) or sigmoid(s + 2), never s;
  /// `value-range` for the clamp.
  package func validate(_ node: GraphNode, in graph: FlowGraph) -> [Diagnostic] {
    var out: [Diagnostic] = []
    if scaleFunction.value == .linear {
      out.append(IRDiagnostics.scaleNotPositive(at: scaleFunction.range))
    }
    if let clamp = scaleClamp, !(clamp.value > 0 && clamp.value.isFinite) {
      out.append(IRDiagnostics.valueRange("scale_clamp", clamp.value, "a finite number > 0", at: clamp.range))
    }
    return out
  }

  package var irColumns: (String, String) {
    var s = "scale \(scaleFunction.value.rawValue)"
    if let clamp = scaleClamp { s += " clamp \(formatNumber(clamp.value))" }
    return (coupling.maskColumn, (coupling.netsColumn + [s]).joined(separator: "  "))
  }

  package var jsonFields: [(String, JSONValue)] {
    coupling.jsonFields(layout: layout) + [
      ("scale_function", .string(scaleFunction.value.rawValue)),
      ("scale_clamp", scaleClamp.map { .double($0.value) } ?? .null),
    ]
  }

  package func comparedFields(_ node: GraphNode) -> [NodeField] {
    coupling.comparedFields(layout: layout, node: node) + [
      NodeField("scale_function", scaleFunction.value.rawValue, at: scaleFunction.range),
      scaleClamp.map { NodeField("scale_clamp", formatNumber($0.value), at: $0.range) }
        ?? NodeField("scale_clamp", "none", at: node.range, isDefault: true),
    ]
  }
}

extension AffineCouplingSpec: LowerableLayer {
  func lower(_ l: inout Lowering, _ layer: LayerSpec) -> (any LayerOperation)? {
    guard let c = l.lowerCoupling(keep: keep, scale: scale, shift: shift, net: net, netIO: netIO, affine: true, layer: layer) else {
      return nil
    }
    return AffineCouplingOp(coupling: c, scaleFunction: scaleFunction ?? Located(Self.defaultScaleFunction, at: layer.range),
                            scaleClamp: scaleClamp)
  }
}
