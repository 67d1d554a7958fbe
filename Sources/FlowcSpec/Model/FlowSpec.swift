import FlowcDiagnostics

/// The typed spec: what the user wrote, with types checked and every field located,
/// but nothing resolved yet (templates are names, masks may be generators, repeats
/// are not expanded, defaults are not filled in). Lowering to the graph does that.
///
/// Optional fields are `nil` when the spec leaves them out; the defaults live in one
/// place (`SpecDefaults`) so that `check`, `run` and `diff` agree on them.
package struct FlowSpec: Sendable {
  /// The file it was read from.
  package var file: String
  /// `version:`; the language version (only 1 exists).
  package var version: Located<Int>?
  /// `name:`; a label for runs and reports.
  package var name: Located<String>?
  /// `dim:`; the number of features.
  package var dimension: Located<Int>?
  /// `shape:`; the data's image shape, e.g. [28, 28]; the flow acts on it flattened.
  package var shape: Located<[Located<Int>]>?
  /// `dtype:`; float32 (default) or float64.
  package var dtype: Located<DType>?
  /// `prior:`; required.
  package var prior: PriorSpec?
  /// `templates:`; named networks layers refer to by name, in file order.
  package var templates: [NamedNet]
  /// `flow:`; the layers, from data to latent; required.
  package var flow: Located<[FlowItem]>?
  package var data: DataSpec?
  package var train: TrainSpec?
  package var eval: EvalSpec?
  package var limits: LimitsSpec?
  /// The whole root mapping.
  package var range: SourceRange

  package init(file: String, range: SourceRange) {
    self.file = file
    self.range = range
    self.templates = []
  }
}

/// Element type of every tensor of the flow.
package enum DType: String, Sendable, CaseIterable {
  case float32, float64

  /// Bytes per element.
  package var size: Int { self == .float32 ? 4 : 8 }
}

/// `templates: { name: net }`: a network definition with its name.
package struct NamedNet: Sendable {
  package var name: Located<String>
  package var net: NetSpec

  package init(name: Located<String>, net: NetSpec) {
    self.name = name
    self.net = net
  }
}

/// One entry of `flow:` (or of a repeat's `layers:`).
package enum FlowItem: Sendable {
  case layer(LayerSpec)
  case `repeat`(RepeatSpec)

  package var range: SourceRange {
    switch self {
    case .layer(let l): l.range
    case .repeat(let r): r.range
    }
  }
}

/// `- repeat: N` with `layers: [...]`: the layers written N times in a row.
package struct RepeatSpec: Sendable {
  package var count: Located<Int>
  package var layers: [FlowItem]
  package var range: SourceRange

  package init(count: Located<Int>, layers: [FlowItem], range: SourceRange) {
    self.count = count
    self.layers = layers
    self.range = range
  }
}
