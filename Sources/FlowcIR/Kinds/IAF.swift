import FlowcDiagnostics
import FlowcSpec

/// An inverse autoregressive flow layer: sampling is one MADE pass on the latent, the
/// density (and so training) takes D (see `Autoregressive`).
package struct IAFOp: LayerOperation {
  package var autoregressive: Autoregressive

  package var kind: String { IAFSpec.kind }
  package var nets: [Net] { [autoregressive.net] }
  package var positions: PositionMap { .transforms(Array(0..<autoregressive.net.inputs)) }
  package func parameterCount(input: TensorShape) -> Int { autoregressive.net.parameterCount }
  package func flopsPerSample(input: TensorShape) -> Int { Autoregressive.flops(.sampling, net: autoregressive.net, dimension: input.count).density }
  package func samplingFlopsPerSample(input: TensorShape) -> Int { Autoregressive.flops(.sampling, net: autoregressive.net, dimension: input.count).sampling }
  package func trainingFlopsPerSample(input: TensorShape) -> Int { Autoregressive.flops(.sampling, net: autoregressive.net, dimension: input.count).training }
  package func passes(input: TensorShape) -> LayerPasses { Autoregressive.passes(.sampling, dimension: input.count) }

  package func validate(_ node: GraphNode, in graph: FlowGraph) -> [Diagnostic] { autoregressive.validate(node, in: graph) }

  package var irColumns: (String, String) {
    (autoregressive.orderColumn, autoregressive.restColumn(passes(input: .vector(autoregressive.net.inputs))))
  }
  package var jsonFields: [(String, JSONValue)] {
    autoregressive.jsonFields(passes(input: .vector(autoregressive.net.inputs)), dimension: autoregressive.net.inputs)
  }
  package func comparedFields(_ node: GraphNode) -> [NodeField] { autoregressive.comparedFields(node) }
}

extension IAFSpec: LowerableLayer {
  func lower(_ l: inout Lowering, _ layer: LayerSpec) -> (any LayerOperation)? {
    l.lowerAutoregressive(options, layer: layer).map { IAFOp(autoregressive: $0) }
  }
}
