import FlowcDiagnostics

/// An invertible square linear map (Glow's LU parametrisation).
package struct InvertibleLinearSpec: LayerOptions {
  package static let kind = "invertible_linear"
  package static let summary = "A learned invertible linear map W = P L (U + diag(s)) (Glow's LU form): log|det| = Σ log|s|."
  package static let example = "{kind: invertible_linear}"
  package static let defaultParametrization = Parametrization.lu
  package static let defaultInitialization = Init.orthogonal
  package static let defaultSeed = 0

  package static let keys: [SpecKey] = [
    SpecKey("parametrization", .names(.rawValues(of: Parametrization.self)),
            "`lu` (invertible by construction); `dense` is rejected because it can become singular.",
            default: defaultParametrization.rawValue),
    SpecKey("features", .integer, "The output size, which must equal the input size.", default: "the input size"),
    SpecKey("init", .names(.rawValues(of: Init.self)), "How W starts: a seeded random rotation (Glow) or the identity.",
            default: defaultInitialization.rawValue),
    SpecKey("seed", .integer, "The seed of the random rotation.", default: String(defaultSeed)),
  ]

  package enum Parametrization: String, Sendable, CaseIterable {
    /// P L (U + diag(s)), Glow's: invertible by construction, log-det = sum log|s|.
    case lu
    /// A free matrix: can become singular; accepted by the parser only to be rejected.
    case dense
  }
  package enum Init: String, Sendable, CaseIterable {
    /// A seeded random rotation, as Glow.
    case orthogonal
    case identity
  }

  package var parametrization: Located<Parametrization>?
  /// `features:`; output size, which must equal the input size (square).
  package var features: Located<Int>?
  package var initialization: Located<Init>?
  package var seed: Located<Int>?

  package init(decoding r: MappingReader) {
    parametrization = r.optional("parametrization", .oneOf(Parametrization.self))
    features = r.optional("features", .int)
    initialization = r.optional("init", .oneOf(Init.self))
    seed = r.optional("seed", .int)
  }
}
