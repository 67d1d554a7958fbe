import FlowcDiagnostics
import FlowcSpec

/// `value-range` for the flow's own numbers: dimension and shape (each kind checks its own).
@Sendable func checkValueRanges(_ g: FlowGraph) -> [Diagnostic] {
  var out: [Diagnostic] = []
  if g.dimension.value < 1 { out.append(valueRange("'dim'", g.dimension.value, "at least 1", at: g.dimension.range)) }
  for s in g.shape?.value ?? [] where s.value < 1 {
    out.append(valueRange("a 'shape' entry", s.value, "at least 1", at: s.range))
  }
  return out
}

/// `value-range`, `missing-path`, `missing-train-size`, `unused-setting` for `data:`.
@Sendable func checkDataSettings(_ g: FlowGraph) -> [Diagnostic] {
  let s = g.settings.data
  var out: [Diagnostic] = []
  if !s.source.value.isToy, s.path == nil {
    out.append(.error("missing-path", "data source '\(s.source.value.rawValue)' reads a file, but 'path' is not given",
                      at: s.source.range, suggestion: "add 'path: <file>' to 'data'"))
  }
  if s.source.value.isToy, !s.fresh.value, s.trainSize == nil {
    out.append(.error("missing-train-size", "with 'fresh: false' the training set is drawn once, so it needs 'train_size'",
                      at: s.fresh.range, suggestion: "add 'train_size: 10000', or use 'fresh: true' for a new batch every step"))
  }
  if !(s.noise.value >= 0 && s.noise.value.isFinite) { out.append(valueRange("'noise'", s.noise.value, "a finite number >= 0", at: s.noise.range)) }
  if !(s.factor.value > 0 && s.factor.value < 1) { out.append(valueRange("'factor'", s.factor.value, "between 0 and 1 (exclusive)", at: s.factor.range)) }
  if let t = s.trainSize, t.value < 1 { out.append(valueRange("'train_size'", t.value, "at least 1", at: t.range)) }
  if let v = s.validationSize, v.value < 0 { out.append(valueRange("'validation_size'", v.value, "0 or more", at: v.range)) }
  if s.levels.value < 2 { out.append(valueRange("'levels'", s.levels.value, "at least 2", at: s.levels.range)) }
  if let a = s.logitAlpha, !(a.value > 0 && a.value < 0.5) {
    out.append(valueRange("'logit_alpha'", a.value, "in (0, 0.5)", at: a.range))
  }
  if let a = s.logitAlpha, s.source.value != .idx, !s.dequantize.value {
    out.append(.warning("logit-unscaled-data", "the logit transform expects data in [0, 1], but '\(s.source.value.rawValue)' data are neither dequantized nor scaled by 'levels'",
                        at: a.range, suggestion: "set 'dequantize: true' for integer pixel data, or remove 'logit_alpha'"))
  }
  for (key, range, reason) in s.ignored {
    out.append(.warning("unused-setting", "'\(key)' has no effect \(reason)",
                        at: range, suggestion: "remove it"))
  }
  let e = g.settings.eval
  if e.testSize.value < 1 { out.append(valueRange("'test_size'", e.testSize.value, "at least 1", at: e.testSize.range)) }
  if e.samples.value < 0 { out.append(valueRange("'samples'", e.samples.value, "0 or more", at: e.samples.range)) }
  if e.batchSize.value < 1 { out.append(valueRange("the eval 'batch_size'", e.batchSize.value, "at least 1", at: e.batchSize.range)) }
  if !(e.temperature.value > 0 && e.temperature.value.isFinite) {
    out.append(valueRange("'temperature'", e.temperature.value, "a finite number > 0", at: e.temperature.range))
  }
  if g.settings.memoryLimit.value < 1 {
    out.append(valueRange("the memory limit", g.settings.memoryLimit.value, "at least 1 byte", at: g.settings.memoryLimit.range))
  }
  return out
}

/// `value-range`, `train-length`, `epochs-fresh-data`, `unused-setting` for `train:`.
@Sendable func checkTrainSettings(_ g: FlowGraph) -> [Diagnostic] {
  let t = g.settings.train
  var out: [Diagnostic] = []
  switch (t.steps, t.epochs) {
  case (nil, nil):
    out.append(.error("train-length", "'train' says neither how many 'steps' nor how many 'epochs' to train",
                      at: t.range, suggestion: "add 'steps: 5000' or 'epochs: 10'"))
  case (.some(let s), .some):
    out.append(.error("train-length", "'train' gives both 'steps' and 'epochs'; give one", at: s.range))
  case (.some(let s), nil) where s.value < 1:
    out.append(valueRange("'steps'", s.value, "at least 1", at: s.range))
  case (nil, .some(let e)) where e.value < 1:
    out.append(valueRange("'epochs'", e.value, "at least 1", at: e.range))
  default: break
  }
  if let e = t.epochs, g.settings.data.source.value.isToy, g.settings.data.fresh.value {
    out.append(.error("epochs-fresh-data", "an epoch is a pass over a fixed training set, but the data are drawn fresh for every batch",
                      at: e.range, suggestion: "use 'steps', or set 'fresh: false' with a 'train_size' under 'data'"))
  }
  let lr = t.learningRate
  if !(lr.value > 0 && lr.value.isFinite) { out.append(valueRange("'lr'", lr.value, "a finite number > 0", at: lr.range)) }
  for b in t.betas.value where !(b >= 0 && b < 1) {
    out.append(valueRange("a beta", b, "in [0, 1)", at: t.betas.range))
  }
  if !(t.epsilon.value > 0 && t.epsilon.value.isFinite) { out.append(valueRange("'eps'", t.epsilon.value, "a finite number > 0", at: t.epsilon.range)) }
  if !(t.momentum.value >= 0 && t.momentum.value < 1) { out.append(valueRange("'momentum'", t.momentum.value, "in [0, 1)", at: t.momentum.range)) }
  if !(t.weightDecay.value >= 0 && t.weightDecay.value.isFinite) {
    out.append(valueRange("'weight_decay'", t.weightDecay.value, "a finite number >= 0", at: t.weightDecay.range))
  }
  if t.batchSize.value < 1 { out.append(valueRange("'batch_size'", t.batchSize.value, "at least 1", at: t.batchSize.range)) }
  if let steps = t.steps, t.schedule.value != .constant, t.warmupSteps.value >= steps.value, steps.value >= 1 {
    out.append(valueRange("'warmup_steps'", t.warmupSteps.value, "fewer than the \(steps.value) steps of a \(t.schedule.value.rawValue) schedule",
                          at: t.warmupSteps.range))
  }
  if t.warmupSteps.value < 0 { out.append(valueRange("'warmup_steps'", t.warmupSteps.value, "0 or more", at: t.warmupSteps.range)) }
  if !(t.minLearningRate.value >= 0) || (lr.value > 0 && t.minLearningRate.value > lr.value) {
    out.append(valueRange("'min_lr'", t.minLearningRate.value, "between 0 and 'lr'", at: t.minLearningRate.range))
  }
  if let c = t.clipGradNorm, !(c.value > 0 && c.value.isFinite) { out.append(valueRange("'clip_grad_norm'", c.value, "a finite number > 0", at: c.range)) }
  if let e = t.evalEvery, e.value < 1 { out.append(valueRange("'eval_every'", e.value, "at least 1", at: e.range)) }
  if let c = t.checkpointEvery, c.value < 1 { out.append(valueRange("'checkpoint_every'", c.value, "at least 1", at: c.range)) }
  for (key, range, reason) in t.ignored {
    out.append(.warning("unused-setting", "'\(key)' has no effect \(reason)",
                        at: range, suggestion: "remove it"))
  }
  return out
}

/// `resource-budget`: parameters, optimizer state and one batch's activations fit in
/// the memory limit. Caught here, a too-large spec is an error, not an out-of-memory.
func checkBudget(_ g: FlowGraph, _ e: ResourceEstimate) -> [Diagnostic] {
  let limit = g.settings.memoryLimit
  guard limit.value >= 1, e.totalBytes > limit.value else { return [] }
  return [.error("resource-budget",
                 "training this flow needs about \(formatBytes(e.totalBytes)) (parameters \(formatBytes(e.parameterBytes)), optimizer state \(formatBytes(e.optimizerBytes)), activations \(formatBytes(e.activationBytes))), over the limit of \(formatBytes(limit.value))",
                 at: g.dimension.range,
                 notes: limit.isDefault ? [] : [.init("the limit is set here", at: limit.range)],
                 suggestion: "shrink the networks or the batch, or raise 'limits: {memory: ...}' / --memory-limit if the machine has the memory")]
}
