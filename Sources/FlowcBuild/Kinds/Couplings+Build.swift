import FlowRuntime
import FlowcIR

extension Coupling {
  /// keep[i] == true for the kept features.
  var keepFlags: [Bool] { mask.values.map { $0 == 1 } }
  var conditionerIO: ConditionerIO { io == .masked ? .masked : .split }
}

extension AffineCouplingOp: BuildableLayer {
  package func layerDescription(_ node: GraphNode) -> any LayerDescription {
    let nets: AffineNets
    switch coupling.nets {
    case .shared(let n): nets = .shared(network(n))
    case .separate(let s, let t): nets = .separate(scale: network(s!), shift: network(t))
    }
    return AffineCouplingDescription(keep: coupling.keepFlags, io: coupling.conditionerIO, nets: nets,
                                     scaleFunction: scaleFunction.value == .sigmoid ? .sigmoid : .exp, clamp: scaleClamp?.value)
  }
}

extension AdditiveCouplingOp: BuildableLayer {
  package func layerDescription(_ node: GraphNode) -> any LayerDescription {
    AdditiveCouplingDescription(keep: coupling.keepFlags, io: coupling.conditionerIO, net: network(coupling.nets.all[0]))
  }
}
