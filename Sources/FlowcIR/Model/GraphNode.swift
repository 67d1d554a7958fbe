import FlowcDiagnostics
import FlowcSpec

/// One bijective operation of the graph with concrete input and output sizes.
package struct GraphNode: Sendable {
  /// Position in the chain, from 0 on the data side.
  package var index: Int
  /// The spec's `name:`, or `<kind><index>` when the spec gives none.
  package var name: String
  /// What it computes: the kind's own operation type (see `Kinds/`).
  package var op: any LayerOperation
  package var inputDim: Int
  package var outputDim: Int
  /// The layer's mapping in the spec.
  package var range: SourceRange
  /// Where a repeat produced this node: one entry per enclosing `repeat`, outermost
  /// first, as (iteration from 1, count, the repeat's range).
  package var repeats: [RepeatOrigin]

  package init(index: Int, name: String, op: any LayerOperation, inputDim: Int, outputDim: Int,
              range: SourceRange, repeats: [RepeatOrigin]) {
    self.index = index
    self.name = name
    self.op = op
    self.inputDim = inputDim
    self.outputDim = outputDim
    self.range = range
    self.repeats = repeats
  }

  /// Trainable parameters of this node.
  package var parameterCount: Int { op.parameterCount(input: inputDim) }

  /// Whether the spec gave the node no `name:` (it is then `<kind><index>`).
  package var hasDefaultName: Bool { name == "\(op.kind)\(index)" }
}

/// Which iteration of which `repeat` a node came from.
package struct RepeatOrigin: Sendable, Hashable {
  package var iteration: Int
  package var count: Int
  package var range: SourceRange
}
