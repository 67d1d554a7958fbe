import FlowcDiagnostics

/// Real NVP's affine coupling: `keep:`, the scale and shift networks (or one `net`
/// with two heads), how the scale is made positive, and an optional soft clamp.
package struct AffineCouplingSpec: LayerOptions {
  package static let kind = "affine_coupling"
  package static let summary = "Real NVP's affine coupling: y_T = x_T · scale(x_K) + shift(x_K), y_K = x_K."
  package static let example = "{kind: affine_coupling, keep: [1, 0], scale: {hidden: [8]}, shift: {hidden: [8]}}"
  /// `scale_function:` when the spec leaves it out.
  package static let defaultScaleFunction = ScaleFunction.exp

  package static let keys: [SpecKey] = [
    CouplingKeys.keep,
    SpecKey("scale", CouplingKeys.netRef, "The scale network (with `shift`), a template name or an inline net."),
    CouplingKeys.shift,
    SpecKey("net", CouplingKeys.netRef, "One network with two heads, scale then shift, instead of `scale` and `shift`."),
    CouplingKeys.netIO,
    SpecKey("scale_function", .names(.rawValues(of: ScaleFunction.self)),
            "How the scale net's output s becomes the positive scale: exp(s) (Real NVP) or sigmoid(s + 2) (Glow).",
            default: defaultScaleFunction.rawValue),
    SpecKey("scale_clamp", .number, "A soft bound c on s before the scale function: s = c·tanh(s/c)."),
  ]

  /// `keep:`; 1 means KEPT, as in the Real NVP notebook, normflows and zuko (nflows uses the opposite).
  package var keep: Located<MaskSpec>?
  package var scale: NetRef?
  package var shift: NetRef?
  /// One network with two heads (scale then shift) instead of `scale` and `shift`.
  package var net: NetRef?
  package var netIO: Located<NetIO>?
  package var scaleFunction: Located<ScaleFunction>?
  /// Soft bound c: s = c * tanh(s / c) before the scale function.
  package var scaleClamp: Located<Double>?

  package init(decoding r: MappingReader) {
    keep = CouplingKeys.decodeKeep(r)
    scale = CouplingKeys.decodeNet(r, "scale")
    shift = CouplingKeys.decodeNet(r, "shift")
    net = CouplingKeys.decodeNet(r, "net")
    netIO = r.optional("net_io", .oneOf(NetIO.self))
    scaleFunction = r.optional("scale_function", .oneOf(ScaleFunction.self))
    scaleClamp = r.optional("scale_clamp", .double)
  }
}

/// How the scale net's output s becomes the multiplier of the transformed entries.
package enum ScaleFunction: String, Sendable, CaseIterable {
  /// exp(s): Real NVP. Always positive.
  case exp
  /// sigmoid(s + 2): Glow. Always positive, bounded by 1.
  case sigmoid
  /// s itself: NOT positive, so not invertible; accepted by the parser only to be
  /// rejected by the validator with an explanation.
  case linear
}
