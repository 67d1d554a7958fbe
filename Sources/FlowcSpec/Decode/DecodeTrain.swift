import FlowcDiagnostics

extension SpecDecoder {
  /// `train:`: the optimisation settings. Whether `steps` and `epochs` are both given
  /// (or neither) is the validator's concern; this only checks types.
  func decodeTrain(_ node: YAMLNode, _ subject: String) -> TrainSpec? {
    guard let r = MappingReader.open(node, subject, place: "in 'train'", decoder: self) else { return nil }
    var spec = TrainSpec(range: node.range)
    spec.optimizer = r.optional("optimizer", .oneOf(TrainSpec.Optimizer.self))
    spec.learningRate = r.optional("lr", .double)
    spec.betas = r.optional("betas", ValueReader { $0.decodeBetas($1, $2) })
    spec.epsilon = r.optional("eps", .double)
    spec.momentum = r.optional("momentum", .double)
    spec.weightDecay = r.optional("weight_decay", .double)
    spec.batchSize = r.optional("batch_size", .int)
    spec.steps = r.optional("steps", .int)
    spec.epochs = r.optional("epochs", .int)
    spec.seed = r.optional("seed", .int)
    spec.schedule = r.optional("schedule", .oneOf(TrainSpec.Schedule.self))
    spec.warmupSteps = r.optional("warmup_steps", .int)
    spec.minLearningRate = r.optional("min_lr", .double)
    spec.clipGradNorm = r.optional("clip_grad_norm", .double)
    spec.evalEvery = r.optional("eval_every", .int)
    spec.checkpointEvery = r.optional("checkpoint_every", .int)
    r.finish()
    return spec
  }

  /// `betas: [0.9, 0.999]`: exactly two numbers (a count is structure, so it is checked here).
  func decodeBetas(_ node: YAMLNode, _ subject: String) -> Located<[Located<Double>]>? {
    guard let betas = doubleList(node, subject) else { return nil }
    guard betas.value.count == 2 else {
      emit(SpecDiagnostics.betasCount(betas.value.count, at: node.range))
      return nil
    }
    return betas
  }
}
