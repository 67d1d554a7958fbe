import FlowcDiagnostics

extension SpecDecoder {
  /// `eval:`: how the trained flow is scored and sampled.
  func decodeEval(_ node: YAMLNode, _ subject: String) -> EvalSpec? {
    guard let r = MappingReader.open(node, subject, place: "in 'eval'", section: .eval, decoder: self) else { return nil }
    var spec = EvalSpec(range: node.range)
    spec.testSize = r.optional("test_size", .int)
    spec.seed = r.optional("seed", .int)
    spec.samples = r.optional("samples", .int)
    spec.batchSize = r.optional("batch_size", .int)
    spec.temperature = r.optional("temperature", .double)
    r.finish()
    return spec
  }
}

extension SpecSection {
  /// `eval:`.
  package static let eval = SpecSection("eval", "How the trained flow is scored and sampled.", keys: [
    SpecKey("test_size", .integer, "Held-out test points (toy data; for files, at most a fifth of the rows).",
            default: String(SpecDefaults.testSize)),
    SpecKey("seed", .integer, "The seed of the test draws, separate from training's.", default: String(SpecDefaults.evalSeed)),
    SpecKey("samples", .integer, "Samples drawn from the trained flow at the end of a run.", default: String(SpecDefaults.samples)),
    SpecKey("batch_size", .integer, "Evaluation batch size.", default: String(SpecDefaults.evalBatchSize)),
    SpecKey("temperature", .number, "The prior's standard deviation is multiplied by this for samples (Glow).",
            default: formatNumber(SpecDefaults.temperature)),
  ])
}
