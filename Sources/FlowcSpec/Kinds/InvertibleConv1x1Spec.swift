import FlowcDiagnostics

/// Glow's invertible 1×1 convolution: a learned C×C matrix applied to every pixel.
package struct InvertibleConv1x1Spec: LayerOptions {
  package static let kind = "invertible_conv1x1"
  package static let summary = "Glow's invertible 1×1 convolution: y = W x at every pixel; log|det| = H·W·log|det W|."
  package static let example = "{kind: invertible_conv1x1}"
  package static let exampleShape: [Int]? = [2, 4, 4]
  package static let defaultParametrization = Parametrization.lu
  package static let defaultInitialization = InvertibleLinearSpec.Init.orthogonal
  package static let defaultSeed = 0

  package static let keys: [SpecKey] = [
    SpecKey("parametrization", .names(.rawValues(of: Parametrization.self)),
            "`lu`: W = P L (U + diag(s)) with log|det W| = Σ log|s| (Glow's LU form); `plain`: a free W whose log|det| is computed by LU every step.",
            default: defaultParametrization.rawValue),
    SpecKey("init", .names(.rawValues(of: InvertibleLinearSpec.Init.self)), "How W starts: a seeded random rotation (Glow) or the identity.",
            default: defaultInitialization.rawValue),
    SpecKey("seed", .integer, "The seed of the random rotation; each copy in a `repeat` adds its node index, so copies differ.",
            default: String(defaultSeed)),
  ]

  package enum Parametrization: String, Sendable, CaseIterable {
    case lu
    case plain
  }

  package var parametrization: Located<Parametrization>?
  package var initialization: Located<InvertibleLinearSpec.Init>?
  package var seed: Located<Int>?

  package init(decoding r: MappingReader) {
    parametrization = r.optional("parametrization", .oneOf(Parametrization.self))
    initialization = r.optional("init", .oneOf(InvertibleLinearSpec.Init.self))
    seed = r.optional("seed", .int)
  }
}
