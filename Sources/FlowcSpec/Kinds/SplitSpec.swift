import FlowcDiagnostics

/// The factor-out step of a multi-scale flow: the first channels continue through the
/// rest of the flow, the others go to the prior here.
package struct SplitSpec: LayerOptions {
  package static let kind = "split"
  package static let summary = "Factor-out: the first `channels` channels continue through the flow, the rest go to the prior here (standard normal, or Glow's learned prior conditioned on the continuing channels)."
  package static let example = "{kind: split}"
  package static let exampleShape: [Int]? = [2, 4, 4]
  package static let defaultPrior = Prior.standard

  package static let keys: [SpecKey] = [
    SpecKey("channels", .integer, "The channels that continue through the flow; the others are factored out.", default: "half, rounded down"),
    SpecKey("prior", .names(.rawValues(of: Prior.self)),
            "The factored part's prior: the flow's standard normal, or Glow's learned N(μ(h), σ(h)²) with μ, log σ from a zero-initialised net on the continuing channels h.",
            default: defaultPrior.rawValue),
    SpecKey("net", CouplingKeys.netRef, "The learned prior's network (prior: learned); default one zero-initialised 3×3 convolution, as Glow."),
  ]

  /// The prior of the factored-out part.
  package enum Prior: String, Sendable, CaseIterable {
    case standard
    case learned
  }

  package var channels: Located<Int>?
  package var prior: Located<Prior>?
  package var net: NetRef?

  package init(decoding r: MappingReader) {
    channels = r.optional("channels", .int)
    prior = r.optional("prior", .oneOf(Prior.self))
    net = CouplingKeys.decodeNet(r, "net")
  }
}
