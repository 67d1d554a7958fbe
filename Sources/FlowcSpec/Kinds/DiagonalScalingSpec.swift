import FlowcDiagnostics

/// NICE's diagonal scaling layer: y = x · exp(s) with a learnable s per dimension.
package struct DiagonalScalingSpec: LayerOptions {
  package static let kind = "diagonal_scaling"
  package static let summary = "NICE's diagonal scaling: y = x · exp(s), one learnable log-scale s per dimension."
  package static let example = "{kind: diagonal_scaling}"
  /// `init:` when the spec leaves it out: the identity.
  package static let defaultInitialLogScale = 0.0

  package static let keys: [SpecKey] = [
    SpecKey("init", .number, "The starting log-scale s of every dimension.", default: formatNumber(defaultInitialLogScale)),
  ]

  package var initialLogScale: Located<Double>?

  package init(decoding r: MappingReader) {
    initialLogScale = r.optional("init", .double)
  }
}
