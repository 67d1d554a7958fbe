import FlowcDiagnostics

/// An inverse autoregressive flow layer (Kingma et al. 2016): the transform of `maf` used
/// the other way round, so sampling is one MADE pass and the density takes D.
package struct IAFSpec: LayerOptions {
  package static let kind = "iaf"
  package static let summary = "Inverse autoregressive flow: x_i = y_i · scale_i(y_<i) + shift_i(y_<i) from one MADE pass when sampling; the density takes D passes."
  package static let example = "{kind: iaf, net: {hidden: [8]}}"
  package static let keys = AutoregressiveKeys.keys

  package var options: AutoregressiveKeys.Options

  package init(decoding r: MappingReader) {
    options = AutoregressiveKeys.decode(r, kind: Self.kind)
  }
}
