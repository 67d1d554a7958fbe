import FlowcDiagnostics
import FlowcIR

/// What `flowc diff` found between two validated graphs: the aligned layers, the
/// settings outside the flow that differ, and the totals of each side.
///
/// Values are compared by meaning (after repeats, templates, mask generators and
/// defaults are resolved), so two specs that mean the same flow give an empty diff.
public struct GraphDiff: Sendable {
  /// One side of the comparison.
  public struct Side: Sendable {
    public var file: String
    public var name: String
    public var layers: Int
    public var parameters: Int
    public var estimate: ResourceEstimate
  }

  /// Where a compared value came from: `file:line:col`, or a default.
  public struct Location: Sendable, Equatable, CustomStringConvertible {
    /// The spec range; nil for a default or a value with no place in the text.
    public var range: SourceRange?
    /// True when the value is a default the spec left implicit.
    public var isDefault: Bool

    public init(range: SourceRange?, isDefault: Bool = false) {
      self.range = range
      self.isDefault = isDefault
    }

    /// `file:line:col`, or `file (default)`.
    public var description: String {
      guard let range else { return isDefault ? "(default)" : "(spec)" }
      return isDefault ? "\(range.file) (default)" : range.description
    }
  }

  /// One field whose value differs between the sides.
  public struct FieldChange: Sendable {
    /// `mask`, `scale.widths`, `train.lr`, ...
    public var name: String
    public var before: String
    public var after: String
    public var beforeLocation: Location
    public var afterLocation: Location
  }

  /// A layer of one side: what the IR printout would say about it.
  public struct LayerSummary: Sendable {
    public var index: Int
    public var kind: String
    public var summary: String
    public var parameters: Int
    public var location: Location
  }

  /// How the alignment paired the layers.
  public enum LayerChangeKind: String, Sendable {
    case same, changed, inserted, removed
  }

  /// One step of the layer alignment.
  public struct LayerEntry: Sendable {
    public var change: LayerChangeKind
    /// The layer before (nil for an insertion).
    public var before: LayerSummary?
    /// The layer after (nil for a removal).
    public var after: LayerSummary?
    /// For `changed`: each field that differs.
    public var fields: [FieldChange]
  }

  public var before: Side
  public var after: Side
  /// Every layer of both sides, in alignment order.
  public var layers: [LayerEntry]
  /// Prior, dimensions and every setting of data, train, eval and limits that differs.
  public var settings: [FieldChange]

  /// True when nothing that changes the meaning differs.
  public var isEqual: Bool { settings.isEmpty && layers.allSatisfy { $0.change == .same } }

  /// The entries that are not `same`.
  public var layerChanges: [LayerEntry] { layers.filter { $0.change != .same } }
}
