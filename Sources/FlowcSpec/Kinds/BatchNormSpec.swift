import FlowcDiagnostics

/// Batch normalisation used as a bijector (Real NVP).
package struct BatchNormSpec: LayerOptions {
  package static let kind = "batch_norm"
  package static let summary = "Batch normalisation as a bijector (Real NVP): batch statistics in training, running averages in evaluation."
  package static let example = "{kind: batch_norm}"
  package static let defaultMomentum = 0.1
  package static let defaultEpsilon = 1e-5

  package static let keys: [SpecKey] = [
    SpecKey("momentum", .number, "PyTorch's convention: running = (1 − m) · running + m · batch.", default: formatNumber(defaultMomentum)),
    SpecKey("epsilon", .number, "Added to the variance; must be > 0 for the layer to be invertible.", default: formatNumber(defaultEpsilon)),
  ]

  package var momentum: Located<Double>?
  package var epsilon: Located<Double>?

  package init(decoding r: MappingReader) {
    momentum = r.optional("momentum", .double)
    epsilon = r.optional("epsilon", .double)
  }
}
