import FlowcDiagnostics
import FlowcSpec

/// NICE's scaling: y = x · exp(s), learnable s starting at `initialLogScale`.
package struct DiagonalScalingOp: LayerOperation {
  package var initialLogScale: Located<Double>

  package var kind: String { DiagonalScalingSpec.kind }
  package func parameterCount(input: TensorShape) -> Int { input.count }

  /// `value-range`: the start must be finite.
  package func validate(_ node: GraphNode, in graph: FlowGraph) -> [Diagnostic] {
    initialLogScale.value.isFinite ? [] : [IRDiagnostics.valueRange("the initial log-scale", initialLogScale.value, "a finite number", at: initialLogScale.range)]
  }

  package var irColumns: (String, String) { ("y = x·exp(s), s starts at \(formatNumber(initialLogScale.value))", "") }
  package var jsonFields: [(String, JSONValue)] { [("init", .double(initialLogScale.value))] }
  package func comparedFields(_ node: GraphNode) -> [NodeField] {
    [NodeField("init", formatNumber(initialLogScale.value), at: initialLogScale.range)]
  }
}

extension DiagonalScalingSpec: LowerableLayer {
  func lower(_ l: inout Lowering, _ layer: LayerSpec) -> (any LayerOperation)? {
    DiagonalScalingOp(initialLogScale: initialLogScale ?? Located(Self.defaultInitialLogScale, at: layer.range))
  }
}
