import FlowcDiagnostics

/// The typed spec: what the user wrote, with types checked and every field located,
/// but nothing resolved yet (templates are names, masks may be generators, repeats
/// are not expanded, defaults are not filled in). Lowering to the graph does that.
///
/// Optional fields are `nil` when the spec leaves them out; the defaults live in one
/// place (`SpecDefaults`) so that `check`, `run` and `diff` agree on them.
public struct FlowSpec: Sendable {
  /// The file it was read from.
  public var file: String
  /// `version:`; the language version (only 1 exists).
  public var version: Located<Int>?
  /// `name:`; a label for runs and reports.
  public var name: Located<String>?
  /// `dim:`; the number of features.
  public var dimension: Located<Int>?
  /// `shape:`; the data's image shape, e.g. [28, 28]; the flow acts on it flattened.
  public var shape: Located<[Located<Int>]>?
  /// `dtype:`; float32 (default) or float64.
  public var dtype: Located<DType>?
  /// `prior:`; required.
  public var prior: PriorSpec?
  /// `templates:`; named networks layers refer to by name, in file order.
  public var templates: [NamedNet]
  /// `flow:`; the layers, from data to latent; required.
  public var flow: Located<[FlowItem]>?
  public var data: DataSpec?
  public var train: TrainSpec?
  public var eval: EvalSpec?
  public var limits: LimitsSpec?
  /// The whole root mapping.
  public var range: SourceRange

  public init(file: String, range: SourceRange) {
    self.file = file
    self.range = range
    self.templates = []
  }
}

/// Element type of every tensor of the flow.
public enum DType: String, Sendable, CaseIterable {
  case float32, float64

  /// Bytes per element.
  public var size: Int { self == .float32 ? 4 : 8 }
}

/// `templates: { name: net }`: a network definition with its name.
public struct NamedNet: Sendable {
  public var name: Located<String>
  public var net: NetSpec

  public init(name: Located<String>, net: NetSpec) {
    self.name = name
    self.net = net
  }
}

/// One entry of `flow:` (or of a repeat's `layers:`).
public enum FlowItem: Sendable {
  case layer(LayerSpec)
  case `repeat`(RepeatSpec)

  public var range: SourceRange {
    switch self {
    case .layer(let l): l.range
    case .repeat(let r): r.range
    }
  }
}

/// `- repeat: N` with `layers: [...]`: the layers written N times in a row.
public struct RepeatSpec: Sendable {
  public var count: Located<Int>
  public var layers: [FlowItem]
  public var range: SourceRange

  public init(count: Located<Int>, layers: [FlowItem], range: SourceRange) {
    self.count = count
    self.layers = layers
    self.range = range
  }
}
