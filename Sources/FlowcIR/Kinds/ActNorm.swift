import FlowcDiagnostics
import FlowcSpec

/// Glow's ActNorm, initialised from the first training batch.
package struct ActNormOp: LayerOperation {
  package var kind: String { ActNormSpec.kind }
  package func parameterCount(input: Int) -> Int { input.multipliedSaturating(by: 2) }
  package var needsInitBatch: Bool { true }
  package var irColumns: (String, String) { ("y = (x + b)·exp(s), data-dependent init", "") }
  package var jsonFields: [(String, JSONValue)] { [("data_dependent_init", .bool(true))] }
  package func comparedFields(_ node: GraphNode) -> [NodeField] { [] }
}

extension ActNormSpec: LowerableLayer {
  func lower(_ l: inout Lowering, _ layer: LayerSpec) -> (any LayerOperation)? { ActNormOp() }
}
