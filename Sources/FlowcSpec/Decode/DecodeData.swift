import FlowcDiagnostics

extension SpecDecoder {
  /// `data:`: where examples come from, and the image preprocessing chain.
  func decodeData(_ node: YAMLNode, _ subject: String) -> DataSpec? {
    guard let r = MappingReader.open(node, subject, place: "in 'data'", decoder: self) else { return nil }
    var spec = DataSpec(range: node.range)
    spec.source = r.require("source", .oneOf(DataSpec.Source.self), example: "source: moons")
    spec.noise = r.optional("noise", .double)
    spec.factor = r.optional("factor", .double)
    spec.fresh = r.optional("fresh", .bool)
    spec.trainSize = r.optional("train_size", .int)
    spec.validationSize = r.optional("validation_size", .int)
    spec.path = r.optional("path", .string)
    spec.testPath = r.optional("test_path", .string)
    spec.seed = r.optional("seed", .int)
    spec.preprocess = r.optional("preprocess", ValueReader { $0.decodePreprocess($1, $2) })
    r.finish()
    return spec
  }

  /// `data.preprocess:`: dequantisation, intensity levels and the logit transform.
  func decodePreprocess(_ node: YAMLNode, _ subject: String) -> PreprocessSpec? {
    guard let r = MappingReader.open(node, subject, place: "in 'data.preprocess'", decoder: self) else { return nil }
    var spec = PreprocessSpec(range: node.range)
    spec.dequantize = r.optional("dequantize", .bool)
    spec.levels = r.optional("levels", .int)
    spec.logitAlpha = r.optional("logit_alpha", .double)
    r.finish()
    return spec
  }
}
