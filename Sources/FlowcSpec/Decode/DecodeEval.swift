import FlowcDiagnostics

extension SpecDecoder {
  /// `eval:`: how the trained flow is scored and sampled.
  func decodeEval(_ node: YAMLNode, _ subject: String) -> EvalSpec? {
    guard let r = MappingReader.open(node, subject, place: "in 'eval'", decoder: self) else { return nil }
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
