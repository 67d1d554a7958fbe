import FlowcDiagnostics
import FlowcSpec

/// NICE's additive coupling with a concrete mask and shift network.
package struct AdditiveCouplingOp: LayerOperation {
  package var coupling: Coupling

  package var kind: String { AdditiveCouplingSpec.kind }
  package var mask: LayerMask? { coupling.mask }
  package var nets: [Net] { coupling.nets.all }
  package func parameterCount(input: TensorShape) -> Int { coupling.nets.parameterCount }
  package func flopsPerSample(input: TensorShape) -> Int { nets.reduce(0) { $0.addingSaturating($1.flopsPerSample) } }

  package var irColumns: (String, String) { (coupling.maskColumn, coupling.netsColumn.joined(separator: "  ")) }
  package var jsonFields: [(String, JSONValue)] { coupling.jsonFields(layout: "shift") }
  package func comparedFields(_ node: GraphNode) -> [NodeField] { coupling.comparedFields(layout: "shift", node: node) }
}

extension AdditiveCouplingSpec: LowerableLayer {
  func lower(_ l: inout Lowering, _ layer: LayerSpec) -> (any LayerOperation)? {
    l.lowerCoupling(keep: keep, scale: nil, shift: shift, net: net, netIO: netIO, affine: false, layer: layer)
      .map(AdditiveCouplingOp.init)
  }
}
