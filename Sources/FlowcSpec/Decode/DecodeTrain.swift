import FlowcDiagnostics

extension SpecDecoder {
  /// `train:`: the optimisation settings. Whether `steps` and `epochs` are both given
  /// (or neither) is the validator's concern; this only checks types.
  func decodeTrain(_ node: YAMLNode, _ subject: String) -> TrainSpec? {
    guard let r = MappingReader.open(node, subject, place: "in 'train'", section: .train, decoder: self) else { return nil }
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

extension SpecSection {
  /// `train:`.
  package static let train = SpecSection("train", "The optimisation settings.", keys: [
    SpecKey("optimizer", .names(.rawValues(of: TrainSpec.Optimizer.self)), "The optimizer (PyTorch's semantics).",
            default: SpecDefaults.optimizer.rawValue),
    SpecKey("lr", .number, "The learning rate.", default: formatNumber(SpecDefaults.learningRate)),
    SpecKey("betas", .list(.number), "Adam's two betas.", default: "[0.9, 0.999]"),
    SpecKey("eps", .number, "Adam's epsilon.", default: formatNumber(SpecDefaults.adamEpsilon)),
    SpecKey("momentum", .number, "SGD's momentum.", default: formatNumber(SpecDefaults.momentum)),
    SpecKey("weight_decay", .number, "Weight decay (decoupled for adamw).", default: "0 (adamw: 0.01)"),
    SpecKey("batch_size", .integer, "Examples per training step.", default: String(SpecDefaults.batchSize)),
    SpecKey("steps", .integer, "Training steps; give `steps` or `epochs`."),
    SpecKey("epochs", .integer, "Passes over the training rows of a file; give `steps` or `epochs`."),
    SpecKey("seed", .integer, "The seed of initial weights and training batches.", default: String(SpecDefaults.seed)),
    SpecKey("schedule", .names(.rawValues(of: TrainSpec.Schedule.self)), "The learning-rate schedule after warm-up.",
            default: SpecDefaults.schedule.rawValue),
    SpecKey("warmup_steps", .integer, "Steps of linear warm-up from 0 to `lr`.", default: String(SpecDefaults.warmupSteps)),
    SpecKey("min_lr", .number, "Where a cosine or linear schedule ends.", default: formatNumber(SpecDefaults.minLearningRate)),
    SpecKey("clip_grad_norm", .number, "Clip the global gradient norm to this."),
    SpecKey("eval_every", .integer, "Steps between validation passes and metric lines.", default: "a tenth of the run"),
    SpecKey("checkpoint_every", .integer, "Steps between checkpoints.", default: "eval_every"),
  ])
}
