import FlowcDiagnostics

/// A masked autoregressive flow layer (Papamakarios, Pavlakou and Murray 2017): a MADE
/// computes every dimension's transform parameters from the dimensions before it in the
/// order, so the density direction is one network pass and sampling takes D.
package struct MAFSpec: LayerOptions {
  package static let kind = "maf"
  package static let summary = "Masked autoregressive flow: y_i = x_i · scale_i(x_<i) + shift_i(x_<i) from one MADE pass; sampling takes D passes."
  package static let example = "{kind: maf, net: {hidden: [8]}}"
  package static let keys = AutoregressiveKeys.keys

  package var options: AutoregressiveKeys.Options

  package init(decoding r: MappingReader) {
    options = AutoregressiveKeys.decode(r, kind: Self.kind)
  }
}
