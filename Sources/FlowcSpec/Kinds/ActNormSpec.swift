/// Glow's activation normalisation: a per-dimension affine map whose bias and
/// log-scale start from the first training batch (data-dependent initialisation).
package struct ActNormSpec: LayerOptions {
  package static let kind = "actnorm"
  package static let summary = "Glow's ActNorm: y = (x + b) · exp(s), b and s initialised from the first training batch to zero mean and unit variance."
  package static let example = "{kind: actnorm}"
  package static let keys: [SpecKey] = []

  package init(decoding r: MappingReader) {}
}
