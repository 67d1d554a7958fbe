import FlowcDiagnostics
import FlowcSpec

/// Glow's ActNorm, initialised from the first training batch, per feature or per channel.
package struct ActNormOp: LayerOperation {
  package var input: TensorShape
  package var per: Located<ActNormSpec.Per>
  package var range: SourceRange

  package var kind: String { ActNormSpec.kind }
  /// Numbers one bias (or log-scale) covers a set of: the channels, or every feature.
  private var groups: Int { per.value == .channel ? (input.image?.channels ?? input.count) : input.count }
  package func parameterCount(input: TensorShape) -> Int { groups.multipliedSaturating(by: 2) }
  package var needsInitBatch: Bool { true }

  /// `needs-image` for a per-channel ActNorm on a vector.
  package func validate(_ node: GraphNode, in graph: FlowGraph) -> [Diagnostic] {
    per.value == .channel && !input.isImage ? [IRDiagnostics.needsImage("actnorm per channel", input: input, at: per.range)] : []
  }

  package var irColumns: (String, String) {
    (per.value == .channel ? "y = (x + b)·exp(s) per channel, data-dependent init" : "y = (x + b)·exp(s), data-dependent init", "")
  }
  package var jsonFields: [(String, JSONValue)] { [("per", .string(per.value.rawValue)), ("data_dependent_init", .bool(true))] }
  package func comparedFields(_ node: GraphNode) -> [NodeField] { [NodeField("per", per.value.rawValue, at: per.range)] }
}

extension ActNormSpec: LowerableLayer {
  func lower(_ l: inout Lowering, _ layer: LayerSpec) -> (any LayerOperation)? {
    ActNormOp(input: l.shape, per: per ?? Located(l.shape.isImage ? .channel : .feature, at: layer.range), range: layer.kind.range)
  }
}
