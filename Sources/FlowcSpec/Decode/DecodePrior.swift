import FlowcDiagnostics

extension SpecDecoder {
  /// `prior:`: a kind name (`prior: standard_normal`) or a mapping `{kind: ...}`.
  func decodePrior(_ node: YAMLNode, _ subject: String) -> PriorSpec? {
    if node.scalar != nil {
      return oneOf(node, subject, PriorSpec.Kind.self).map { PriorSpec(kind: $0, range: node.range) }
    }
    guard let r = MappingReader.open(node, subject, place: "in 'prior'",
                                     expected: "a prior name or a mapping with 'kind'", section: .prior, decoder: self) else {
      return nil
    }
    let kind = r.require("kind", .oneOf(PriorSpec.Kind.self), example: "kind: standard_normal")
    r.finish()
    return kind.map { PriorSpec(kind: $0, range: node.range) }
  }
}

extension SpecSection {
  /// `prior:` written as a mapping.
  package static let prior = SpecSection("prior", "The base distribution the flow maps data onto.", keys: [
    SpecKey("kind", .names(.rawValues(of: PriorSpec.Kind.self)), "The distribution.", required: true),
  ])
}
