import FlowRuntime
import FlowcIR

extension Autoregressive {
  /// The runtime layout: the order, the MADE's network, the transform.
  var layout: AutoregressiveLayout {
    let t: AutoregressiveTransformDescription
    switch transform.value {
    case .affine: t = .affine(scaleFunction: scaleFunction.value == .sigmoid ? .sigmoid : .exp, clamp: scaleClamp?.value)
    }
    return AutoregressiveLayout(order: order, net: mlp(net), transform: t)
  }
}

extension MAFOp: BuildableLayer {
  package func layerDescription(_ node: GraphNode) -> any LayerDescription {
    MaskedAutoregressiveDescription(autoregressive.layout)
  }
}

extension IAFOp: BuildableLayer {
  package func layerDescription(_ node: GraphNode) -> any LayerDescription {
    InverseAutoregressiveDescription(autoregressive.layout)
  }
}
