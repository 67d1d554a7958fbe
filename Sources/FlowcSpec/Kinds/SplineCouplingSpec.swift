import FlowcDiagnostics

/// Neural Spline Flows' rational-quadratic spline coupling: `keep:`, one conditioner
/// `net`, the number of bins, the bound, the tails and the minimum bin sizes and slopes.
package struct SplineCouplingSpec: LayerOptions {
  package static let kind = "spline_coupling"
  package static let summary =
    "Neural Spline Flows' coupling: y_T = a monotone rational-quadratic spline of x_T whose K bins on [−B, B] come from net(x_K), y_K = x_K."
  package static let example = "{kind: spline_coupling, keep: [1, 0], net: {hidden: [8]}, bins: 4}"

  /// `bins:` when the spec leaves it out.
  package static let defaultBins = 8
  /// `bound:` when the spec leaves it out: B = 3 holds two moons (x in [−1.3, 2.3], y in
  /// [−0.8, 1.3]) and 99.7 % of a standard normal latent.
  package static let defaultBound = 3.0
  /// `tails:` when the spec leaves it out.
  package static let defaultTails = SplineTails.linear
  /// `min_bin_width:`, `min_bin_height:`, `min_derivative:` when left out (nflows' values).
  package static let defaultMinBinWidth = 1e-3
  package static let defaultMinBinHeight = 1e-3
  package static let defaultMinDerivative = 1e-3

  package static let keys: [SpecKey] = [
    CouplingKeys.keep,
    SpecKey("net", CouplingKeys.netRef,
            "The conditioner: a template name or an inline net; it outputs 3K − 1 parameters (3K + 1 without tails) per transformed dimension.",
            required: true),
    CouplingKeys.netIO,
    SpecKey("bins", .integer, "The number of bins K of each spline, at least 2.", default: String(defaultBins)),
    SpecKey("bound", .number, "The spline acts on [−B, B]; a finite number > 0.", default: formatNumber(defaultBound)),
    SpecKey("tails", .names(.rawValues(of: SplineTails.self)),
            "Outside [−B, B]: `linear` is the identity (slope 1 at ±B); `none` leaves the spline undefined there.",
            default: defaultTails.rawValue),
    SpecKey("min_bin_width", .number, "The smallest bin width as a fraction of 2B; bins · min_bin_width < 1.",
            default: formatNumber(defaultMinBinWidth)),
    SpecKey("min_bin_height", .number, "The smallest bin height as a fraction of 2B; bins · min_bin_height < 1.",
            default: formatNumber(defaultMinBinHeight)),
    SpecKey("min_derivative", .number, "The smallest slope at a knot, in (0, 1).", default: formatNumber(defaultMinDerivative)),
  ]

  /// `keep:`; 1 means KEPT, as for the other couplings.
  package var keep: Located<MaskSpec>?
  package var net: NetRef?
  package var netIO: Located<NetIO>?
  package var bins: Located<Int>?
  package var bound: Located<Double>?
  package var tails: Located<SplineTails>?
  package var minBinWidth: Located<Double>?
  package var minBinHeight: Located<Double>?
  package var minDerivative: Located<Double>?

  package init(decoding r: MappingReader) {
    keep = CouplingKeys.decodeKeep(r)
    net = r.require("net", ValueReader { $0.decodeNetRef($1, $2) }, example: "net: {hidden: [64, 64]}")
    netIO = r.optional("net_io", .oneOf(NetIO.self))
    bins = r.optional("bins", .int)
    bound = r.optional("bound", .double)
    tails = r.optional("tails", .oneOf(SplineTails.self))
    minBinWidth = r.optional("min_bin_width", .double)
    minBinHeight = r.optional("min_bin_height", .double)
    minDerivative = r.optional("min_derivative", .double)
  }
}

/// What a spline does outside [−B, B].
package enum SplineTails: String, Sendable, CaseIterable {
  /// The identity, with slope 1 at ±B so the map is smooth there (Durkan et al.).
  case linear
  /// No tails: the spline maps [−B, B] onto itself, with learned slopes at ±B, and is
  /// undefined outside (the runtime gives NaN there; `check` warns when the data's known
  /// range leaves the bound).
  case absent = "none"
}
