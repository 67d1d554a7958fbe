import FlowRuntime
import FlowcIR
import FlowcSpec

extension SplineCouplingOp: BuildableLayer {
  package func layerDescription(_ node: GraphNode) -> any LayerDescription {
    let spline = RationalQuadraticSpline(
      bins: bins.value, bound: bound.value, tails: tails.value == .linear ? FlowRuntime.SplineTails.linear : .absent,
      minBinWidth: minBinWidth.value, minBinHeight: minBinHeight.value, minDerivative: minDerivative.value)
    return SplineCouplingDescription(keep: coupling.keepFlags, io: coupling.conditionerIO, net: mlp(coupling.nets.all[0]),
                                     spline: spline)
  }
}
