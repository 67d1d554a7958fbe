import FlowcDiagnostics
import FlowcIR

/// What `flowc diff` found between two validated graphs: the aligned layers, the
/// settings outside the flow that differ, and the totals of each side.
///
/// Values are compared by meaning (after repeats, templates, mask generators and
/// defaults are resolved), so two specs that mean the same flow give an empty diff.
package struct GraphDiff: Sendable {
  /// One side of the comparison.
  package struct Side: Sendable {
    package var file: String
    package var name: String
    package var layers: Int
    package var parameters: Int
    package var estimate: ResourceEstimate
  }

  /// Where a compared value came from: `file:line:col`, or a default.
  package struct Location: Sendable, Equatable, CustomStringConvertible {
    /// The spec range; nil for a default or a value with no place in the text.
    package var range: SourceRange?
    /// True when the value is a default the spec left implicit.
    package var isDefault: Bool

    package init(range: SourceRange?, isDefault: Bool = false) {
      self.range = range
      self.isDefault = isDefault
    }

    /// `file:line:col`, or `file (default)`.
    package var description: String {
      guard let range else { return isDefault ? "(default)" : "(spec)" }
      return isDefault ? "\(range.file) (default)" : range.description
    }
  }

  /// One field whose value differs between the sides.
  package struct FieldChange: Sendable {
    /// `mask`, `scale.widths`, `train.lr`, ...
    package var name: String
    package var before: String
    package var after: String
    package var beforeLocation: Location
    package var afterLocation: Location
  }

  /// A layer of one side: what the IR printout would say about it.
  package struct LayerSummary: Sendable {
    package var index: Int
    package var kind: String
    package var summary: String
    package var parameters: Int
    package var location: Location
  }

  /// How the alignment paired the layers.
  package enum LayerChangeKind: String, Sendable {
    case same, changed, inserted, removed
  }

  /// One step of the layer alignment.
  package struct LayerEntry: Sendable {
    package var change: LayerChangeKind
    /// The layer before (nil for an insertion).
    package var before: LayerSummary?
    /// The layer after (nil for a removal).
    package var after: LayerSummary?
    /// For `changed`: each field that differs.
    package var fields: [FieldChange]
  }

  package var before: Side
  package var after: Side
  /// Every layer of both sides, in alignment order.
  package var layers: [LayerEntry]
  /// Prior, dimensions and every setting of data, train, eval and limits that differs.
  package var settings: [FieldChange]

  /// True when nothing that changes the meaning differs.
  package var isEqual: Bool { settings.isEmpty && layers.allSatisfy { $0.change == .same } }

  /// The entries that are not `same`.
  package var layerChanges: [LayerEntry] { layers.filter { $0.change != .same } }
}
