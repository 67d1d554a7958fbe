import FlowcDiagnostics

/// Glow's activation normalisation: an affine map per feature (or per channel of an
/// image) whose bias and log-scale start from the first training batch (data-dependent
/// initialisation).
package struct ActNormSpec: LayerOptions {
  package static let kind = "actnorm"
  package static let summary = "Glow's ActNorm: y = (x + b) · exp(s), b and s per feature (or per channel of an image), initialised from the first training batch to zero mean and unit variance."
  package static let example = "{kind: actnorm}"

  package static let keys: [SpecKey] = [
    SpecKey("per", .names(.rawValues(of: Per.self)),
            "One bias and log-scale per feature, or per channel of an image [C, H, W] (Glow).",
            default: "channel on an image input, feature otherwise"),
  ]

  /// What one bias and log-scale covers.
  package enum Per: String, Sendable, CaseIterable {
    case feature
    case channel
  }

  package var per: Located<Per>?

  package init(decoding r: MappingReader) {
    per = r.optional("per", .oneOf(Per.self))
  }
}
