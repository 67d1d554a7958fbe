import FlowcSpec

/// `flowc check --emit json`: the validated graph in a stable machine-readable form.
/// Keys come in a fixed order and every default is spelled out, so two specs that mean
/// the same thing print the same JSON (documented in docs/spec.md, "IR JSON").
package func emitGraphJSON(_ v: ValidatedGraph) -> String {
  graphJSON(v).serialized() + "\n"
}

/// The JSON value behind `emitGraphJSON`.
package func graphJSON(_ v: ValidatedGraph) -> JSONValue {
  let g = v.graph
  let e = v.estimate
  var root: [(String, JSONValue)] = [
    ("format", .string("flowc-ir")),
    ("version", .int(1)),
    ("name", .string(g.name)),
    ("file", .string(g.file)),
    ("dimension", .int(g.dimension.value)),
  ]
  root.append(("shape", g.shape.map { .array($0.value.map { .int($0.value) }) } ?? .null))
  root.append(("dtype", .string(g.dtype.rawValue)))
  root.append(("nodes", .array(g.nodes.map(nodeJSON))))
  root.append(("prior", .object([("kind", .string(g.prior.kind.value.rawValue)), ("dimension", .int(g.prior.dimension)),
                                 ("parts", .array(g.priorParts.map { part in
                                   .object([("from", part.from.map { .int($0) } ?? .string("output")),
                                            ("shape", .array(part.shape.dims.map { .int($0) }))])
                                 })),
                                 ("parameters", .int(g.prior.parameterCount))])))
  root.append(("settings", settingsJSON(g.settings)))
  root.append(("totals", .object([
    ("layers", .int(g.nodes.count)), ("parameters", .int(e.parameters)),
    ("parameter_bytes", .int(e.parameterBytes)), ("optimizer_bytes", .int(e.optimizerBytes)),
    ("activation_bytes", .int(e.activationBytes)), ("data_bytes", .int(e.dataBytes)),
    ("evaluation_bytes", .int(e.evaluationBytes)), ("flops_per_sample", .int(e.flopsPerSample)),
    ("training_flops_per_step", .int(e.trainingFlopsPerStep)),
    ("sampling_flops_per_sample", .int(e.samplingFlopsPerSample)),
  ])))
  return .object(root)
}

func nodeJSON(_ n: GraphNode) -> JSONValue {
  var o: [(String, JSONValue)] = [
    ("index", .int(n.index)), ("name", .string(n.name)), ("kind", .string(n.op.kind)),
    ("input", .int(n.inputDim)), ("output", .int(n.outputDim)),
    ("input_shape", .array(n.inputShape.dims.map { .int($0) })), ("output_shape", .array(n.outputShape.dims.map { .int($0) })),
  ]
  o += n.op.jsonFields
  o.append(("parameters", .int(n.parameterCount)))
  o.append(("source", .string("\(n.range.file):\(n.range.start.line):\(n.range.start.column)")))
  return .object(o)
}

/// Every setting of `data`, `train`, `eval` and `limits` with defaults filled in.
package func settingsJSON(_ s: RunSettings) -> JSONValue {
  let d = s.data
  let t = s.train
  let e = s.eval
  func opt<T>(_ x: Setting<T>?, _ f: (T) -> JSONValue) -> JSONValue { x.map { f($0.value) } ?? .null }
  return .object([
    ("data", .object([
      ("source", .string(d.source.value.rawValue)), ("noise", .double(d.noise.value)), ("factor", .double(d.factor.value)),
      ("fresh", .bool(d.fresh.value)), ("train_size", opt(d.trainSize) { .int($0) }),
      ("validation_size", opt(d.validationSize) { .int($0) }), ("path", opt(d.path) { .string($0) }),
      ("test_path", opt(d.testPath) { .string($0) }), ("labels", opt(d.labels) { .string($0) }),
      ("test_labels", opt(d.testLabels) { .string($0) }), ("classes", opt(d.classes) { .array($0.map { .int($0.value) }) }),
      ("seed", .int(d.seed.value)),
      ("preprocess", .object([("dequantize", .bool(d.dequantize.value)), ("levels", .int(d.levels.value)),
                              ("logit_alpha", opt(d.logitAlpha) { .double($0) })])),
      ("context", d.context.map { c in
        .object([("encoding", .string(c.encoding.value.rawValue)),
                 ("columns", c.columns.map { .array($0.value.map { .string($0.value) }) } ?? .null),
                 ("standardize", .bool(c.standardize.value)),
                 ("num_classes", c.isColumns ? .null : .int(c.numClasses.value)),
                 ("embedding_width", opt(c.embeddingWidth) { .int($0) }), ("width", .int(c.width)),
                 ("parameters", .int(c.parameterCount))])
      } ?? .null),
    ])),
    ("train", .object([
      ("optimizer", .string(t.optimizer.value.rawValue)), ("lr", .double(t.learningRate.value)),
      ("betas", .array(t.betas.value.map { .double($0) })), ("eps", .double(t.epsilon.value)),
      ("momentum", .double(t.momentum.value)), ("weight_decay", .double(t.weightDecay.value)),
      ("batch_size", .int(t.batchSize.value)), ("steps", opt(t.steps) { .int($0) }), ("epochs", opt(t.epochs) { .int($0) }),
      ("seed", .int(t.seed.value)), ("schedule", .string(t.schedule.value.rawValue)),
      ("warmup_steps", .int(t.warmupSteps.value)), ("min_lr", .double(t.minLearningRate.value)),
      ("clip_grad_norm", opt(t.clipGradNorm) { .double($0) }), ("eval_every", opt(t.evalEvery) { .int($0) }),
      ("checkpoint_every", opt(t.checkpointEvery) { .int($0) }),
    ])),
    ("eval", .object([
      ("test_size", .int(e.testSize.value)), ("seed", .int(e.seed.value)), ("samples", .int(e.samples.value)),
      ("batch_size", .int(e.batchSize.value)), ("temperature", .double(e.temperature.value)),
    ])),
    ("limits", .object([("memory", .int(s.memoryLimit.value))])),
  ])
}
