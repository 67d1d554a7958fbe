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
  /// The tensor the node reads and the one it passes on (a split passes on fewer
  /// channels than it reads and sends the rest to the prior).
  package var inputShape: TensorShape
  package var outputShape: TensorShape
  /// The layer's mapping in the spec.
  package var range: SourceRange
  /// Where a repeat produced this node: one entry per enclosing `repeat`, outermost
  /// first, as (iteration from 1, count, the repeat's range).
  package var repeats: [RepeatOrigin]

  package init(index: Int, name: String, op: any LayerOperation, inputShape: TensorShape, outputShape: TensorShape,
              range: SourceRange, repeats: [RepeatOrigin]) {
    self.index = index
    self.name = name
    self.op = op
    self.inputShape = inputShape
    self.outputShape = outputShape
    self.range = range
    self.repeats = repeats
  }

  /// The number of features the node acts on (its width).
  package var inputDim: Int { inputShape.count }
  /// The number of features it passes on.
  package var outputDim: Int { outputShape.count }
  /// What the node sends to the prior (a split's factored-out channels), if anything.
  package var factoredShape: TensorShape? { op.factoredShape(input: inputShape) }

  /// Trainable parameters of this node.
  package var parameterCount: Int { op.parameterCount(input: inputShape) }

  /// Whether the spec gave the node no `name:` (it is then `<kind><index>`).
  package var hasDefaultName: Bool { name == "\(op.kind)\(index)" }
}

/// Which iteration of which `repeat` a node came from.
package struct RepeatOrigin: Sendable, Hashable {
  package var iteration: Int
  package var count: Int
  package var range: SourceRange
}
