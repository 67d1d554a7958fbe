import FlowcDiagnostics

/// What the coupling kinds (affine, additive) share: the mask, the networks and how
/// they see their input.

/// `keep:` as written: explicit 0/1 entries or a generator resolved by lowering.
package enum MaskSpec: Sendable {
  /// `[0, 1, 0, 1]`; entries are checked to be 0 or 1 by the validator.
  case explicit([Located<Int>])
  /// A generator name: see `MaskGenerator`.
  case generator(MaskGenerator)
}

/// Mask generators; each becomes a concrete 0/1 vector in the graph.
package enum MaskGenerator: String, Sendable, CaseIterable {
  /// Keeps indices 0 ..< D/2.
  case firstHalf = "first_half"
  /// Keeps indices D/2 ..< D.
  case secondHalf = "second_half"
  /// Keeps even indices (alternating parity).
  case even
  /// Keeps odd indices.
  case odd
  /// Keeps pixels with (row + column) even, over the declared `shape`.
  case checkerboard
  /// Keeps pixels with (row + column) odd.
  case checkerboardOdd = "checkerboard_odd"
  /// The complement of the previous coupling's mask.
  case flip
}

/// What a coupling's networks see and produce.
package enum NetIO: String, Sendable, CaseIterable {
  /// The whole D-vector with transformed entries zeroed in; D outputs per head of which
  /// the transformed positions are used. The seed notebook's (and Real NVP's masked) form.
  case masked
  /// Only the kept entries in; one output per transformed entry per head (NICE, nflows).
  case split
}

/// The keys and decoding the coupling kinds share.
package enum CouplingKeys {
  /// `net_io:` when the spec leaves it out.
  package static let defaultNetIO = NetIO.masked

  static let keep = SpecKey(
    "keep", .oneOf([.list(.integer), .names(.rawValues(of: MaskGenerator.self))]),
    "Which dimensions are kept (copied and fed to the networks): a list with 1 for kept and 0 for transformed, or a generator name.",
    required: true)
  static let shift = SpecKey("shift", netRef, "The shift network: a template name or an inline net.")
  static let netIO = SpecKey("net_io", .names(.rawValues(of: NetIO.self)),
                             "What the networks see: the masked D-vector, or only the kept entries (`split`).",
                             default: defaultNetIO.rawValue)
  /// A network reference: a template name or an inline net mapping.
  static let netRef = ValueType.oneOf([.string, .section("inline_net")])

  /// Reads `keep:`.
  static func decodeKeep(_ r: MappingReader) -> Located<MaskSpec>? {
    r.require("keep", ValueReader { $0.decodeMask($1, $2) }, example: "keep: first_half")
  }

  /// Reads a network key (`scale`, `shift`, `net`).
  static func decodeNet(_ r: MappingReader, _ key: String) -> NetRef? {
    r.optional(key, ValueReader { $0.decodeNetRef($1, $2) })
  }
}
