import FlowcDiagnostics

/// The spec side of a layer kind: its `kind:` name, what it is, its keys and how to
/// read them. Each kind is one file in `Kinds/` (and one in FlowcIR's `Kinds/` for its
/// lowering, one in FlowcBuild's for its runtime layer); `LayerKinds.all` registers it.
///
/// Decoding checks types and structure only: values stay as written (nil where the key
/// is absent or wrong) and lowering fills in the defaults, which each kind declares as
/// `static let` constants beside its keys so that the docs, the schema and lowering
/// read the same value.
package protocol LayerOptions: Sendable {
  /// The `kind:` value: `affine_coupling`.
  static var kind: String { get }
  /// One sentence for the docs, the schema and `--help`-style listings.
  static var summary: String { get }
  /// The keys of this kind besides `kind` and `name`.
  static var keys: [SpecKey] { get }
  /// A minimal valid layer of this kind, as a YAML flow mapping, in a flow of
  /// `exampleShape`; the docs and the per-kind tests (IR JSON, diff, numeric check) build
  /// specs from it.
  static var example: String { get }
  /// The data shape `example` needs: nil for a 2-D flow (two moons), `[C, H, W]` for a
  /// layer that needs an image.
  static var exampleShape: [Int]? { get }
  /// Reads every key of `keys` from the layer's mapping (`kind` and `name` are read by
  /// the caller), reporting what is wrong and leaving those fields nil.
  init(decoding r: MappingReader)
}

extension LayerOptions {
  package static var exampleShape: [Int]? { nil }

  /// The kind's name: `type(of: options).kind` without the metatype dance.
  package var kind: String { Self.kind }

  /// The section the schema and the decoder use for this kind.
  package static var section: SpecSection {
    SpecSection("layer.\(kind)", summary, keys: LayerKinds.commonKeys + keys)
  }
}

/// Every layer kind of the language. Adding a kind is its own files plus one line here.
package enum LayerKinds {
  /// In the order docs/spec.md lists them.
  package static let all: [any LayerOptions.Type] = [
    AffineCouplingSpec.self,
    AdditiveCouplingSpec.self,
    SplineCouplingSpec.self,
    DiagonalScalingSpec.self,
    PermutationSpec.self,
    ActNormSpec.self,
    BatchNormSpec.self,
    InvertibleLinearSpec.self,
    ElementwiseSpec.self,
    SqueezeSpec.self,
    SplitSpec.self,
    InvertibleConv1x1Spec.self,
    MAFSpec.self,
    IAFSpec.self,
  ]

  /// The keys every layer has.
  package static let commonKeys: [SpecKey] = [
    SpecKey("kind", .names(names), "The layer kind.", required: true),
    SpecKey("name", .string, "A label shown in the IR, in diagnostics and in `flowc diff`; default `<kind><index>`."),
  ]

  /// Every `kind:` name.
  package static var names: [String] { all.map { $0.kind } }

  /// The kind named `name`.
  package static func named(_ name: String) -> (any LayerOptions.Type)? {
    all.first { $0.kind == name }
  }
}
