import FlowcDiagnostics

/// NICE's additive coupling: `keep:` and a shift network.
package struct AdditiveCouplingSpec: LayerOptions {
  package static let kind = "additive_coupling"
  package static let summary = "NICE's additive coupling: y_T = x_T + shift(x_K), y_K = x_K (volume preserving)."
  package static let example = "{kind: additive_coupling, keep: [1, 0], shift: {hidden: [8]}}"

  package static let keys: [SpecKey] = [
    CouplingKeys.keep,
    CouplingKeys.shift,
    SpecKey("net", CouplingKeys.netRef, "The shift network under another name (as in a spec that switches from affine)."),
    CouplingKeys.netIO,
  ]

  package var keep: Located<MaskSpec>?
  package var shift: NetRef?
  package var net: NetRef?
  package var netIO: Located<NetIO>?

  package init(decoding r: MappingReader) {
    keep = CouplingKeys.decodeKeep(r)
    shift = CouplingKeys.decodeNet(r, "shift")
    net = CouplingKeys.decodeNet(r, "net")
    netIO = r.optional("net_io", .oneOf(NetIO.self))
  }
}
