import FlowcDiagnostics
import FlowcSpec

/// Batch normalisation as a bijector, with its momentum and epsilon.
package struct BatchNormOp: LayerOperation {
  package var momentum: Located<Double>
  package var epsilon: Located<Double>

  package var kind: String { BatchNormSpec.kind }
  package func parameterCount(input: TensorShape) -> Int { input.count.multipliedSaturating(by: 2) }

  /// `batchnorm-epsilon`: BatchNorm divides by sqrt(var + eps), so eps > 0;
  /// `value-range` for the momentum.
  package func validate(_ node: GraphNode, in graph: FlowGraph) -> [Diagnostic] {
    var out: [Diagnostic] = []
    if !(0...1).contains(momentum.value) {
      out.append(IRDiagnostics.valueRange("batch_norm momentum", momentum.value, "between 0 and 1", at: momentum.range))
    }
    if !(epsilon.value > 0) || !epsilon.value.isFinite {
      out.append(IRDiagnostics.batchNormEpsilon(epsilon.value, at: epsilon.range))
    }
    return out
  }

  package var irColumns: (String, String) { ("momentum \(formatNumber(momentum.value)) · eps \(formatNumber(epsilon.value))", "") }
  package var jsonFields: [(String, JSONValue)] { [("momentum", .double(momentum.value)), ("epsilon", .double(epsilon.value))] }
  package func comparedFields(_ node: GraphNode) -> [NodeField] {
    [NodeField("momentum", formatNumber(momentum.value), at: momentum.range),
     NodeField("epsilon", formatNumber(epsilon.value), at: epsilon.range)]
  }
}

extension BatchNormSpec: LowerableLayer {
  func lower(_ l: inout Lowering, _ layer: LayerSpec) -> (any LayerOperation)? {
    BatchNormOp(momentum: momentum ?? Located(Self.defaultMomentum, at: layer.range),
                epsilon: epsilon ?? Located(Self.defaultEpsilon, at: layer.range))
  }
}
