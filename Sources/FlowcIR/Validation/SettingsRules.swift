import FlowcDiagnostics
import FlowcSpec

/// `value-range` for the flow's own numbers: dimension and shape (each kind checks its own).
@Sendable func checkValueRanges(_ g: FlowGraph) -> [Diagnostic] {
  var out: [Diagnostic] = []
  let badShape = (g.shape?.value ?? []).filter { $0.value < 1 }
  for s in badShape {
    out.append(IRDiagnostics.valueRange("a 'shape' entry", s.value, "at least 1", at: s.range))
  }
  // A dimension taken from a shape with a bad entry is that entry's fault, said above.
  let fromShape = g.shape.map { $0.range == g.dimension.range } ?? false
  if g.dimension.value < 1, !(fromShape && !badShape.isEmpty) {
    out.append(IRDiagnostics.valueRange("'dim'", g.dimension.value, "at least 1", at: g.dimension.range))
  }
  return out
}

/// `value-range`, `missing-path`, `missing-train-size`, `missing-labels`, `duplicate-class`,
/// `unused-setting` for `data:`.
@Sendable func checkDataSettings(_ g: FlowGraph) -> [Diagnostic] {
  let s = g.settings.data
  var out: [Diagnostic] = []
  if !s.source.value.isToy, s.path == nil {
    out.append(IRDiagnostics.missingPath(s.source.value.rawValue, at: s.source.range))
  }
  if s.source.value.isToy, !s.fresh.value, s.trainSize == nil {
    out.append(IRDiagnostics.missingTrainSize(at: s.fresh.range))
  }
  if !(s.noise.value >= 0 && s.noise.value.isFinite) { out.append(IRDiagnostics.valueRange("'noise'", s.noise.value, "a finite number >= 0", at: s.noise.range)) }
  if !(s.factor.value > 0 && s.factor.value < 1) { out.append(IRDiagnostics.valueRange("'factor'", s.factor.value, "between 0 and 1 (exclusive)", at: s.factor.range)) }
  if let t = s.trainSize, t.value < 1 { out.append(IRDiagnostics.valueRange("'train_size'", t.value, "at least 1", at: t.range)) }
  if let v = s.validationSize, v.value < 0 { out.append(IRDiagnostics.valueRange("'validation_size'", v.value, "0 or more", at: v.range)) }
  if s.levels.value < 2 { out.append(IRDiagnostics.valueRange("'levels'", s.levels.value, "at least 2", at: s.levels.range)) }
  if let a = s.logitAlpha, !(a.value > 0 && a.value < 0.5) {
    out.append(IRDiagnostics.valueRange("'logit_alpha'", a.value, "in (0, 0.5)", at: a.range))
  }
  if !s.source.value.isToy { out += checkClasses(s) }
  if let a = s.logitAlpha, s.source.value != .idx, !s.dequantize.value {
    out.append(IRDiagnostics.logitUnscaledData(s.source.value.rawValue, at: a.range))
  }
  for (key, range, reason) in s.ignored {
    out.append(IRDiagnostics.unusedSetting(key, reason: reason, at: range))
  }
  let e = g.settings.eval
  if e.testSize.value < 1 { out.append(IRDiagnostics.valueRange("'test_size'", e.testSize.value, "at least 1", at: e.testSize.range)) }
  if e.samples.value < 0 { out.append(IRDiagnostics.valueRange("'samples'", e.samples.value, "0 or more", at: e.samples.range)) }
  let maxSamples = SpecDefaults.maxSampleFileBytes / max(1, 4 * g.dimension.value)
  if e.samples.value > maxSamples {
    out.append(IRDiagnostics.valueRange("'samples'", e.samples.value,
                                        "at most \(formatCount(maxSamples)) (samples.npy is limited to \(formatBytes(SpecDefaults.maxSampleFileBytes)); 'flowc sample' streams any count)",
                                        at: e.samples.range))
  }
  if e.batchSize.value < 1 { out.append(IRDiagnostics.valueRange("the eval 'batch_size'", e.batchSize.value, "at least 1", at: e.batchSize.range)) }
  if !(e.temperature.value > 0 && e.temperature.value.isFinite) {
    out.append(IRDiagnostics.valueRange("'temperature'", e.temperature.value, "a finite number > 0", at: e.temperature.range))
  }
  if g.settings.memoryLimit.value < 1 {
    out.append(IRDiagnostics.valueRange("the memory limit", g.settings.memoryLimit.value, "at least 1 byte", at: g.settings.memoryLimit.range))
  }
  return out
}

/// `missing-labels`, `value-range` and `duplicate-class` for `classes:` of a file source
/// (with a toy source, lowering records `classes` as an unused setting).
func checkClasses(_ s: DataSettings) -> [Diagnostic] {
  guard let classes = s.classes else { return [] }
  var out: [Diagnostic] = []
  if s.labels == nil {
    out.append(IRDiagnostics.missingLabels(at: classes.range))
  } else if let testPath = s.testPath, s.testLabels == nil {
    out.append(IRDiagnostics.missingTestLabels(at: classes.range, testPath: testPath.range))
  }
  if classes.value.isEmpty {
    out.append(IRDiagnostics.valueRange("'classes'", "[]", "a list of at least one label", at: classes.range))
  }
  var first: [Int: SourceRange] = [:]
  for c in classes.value {
    if c.value < 0 { out.append(IRDiagnostics.valueRange("a class", c.value, "a label, 0 or more", at: c.range)) }
    if let earlier = first[c.value] {
      out.append(IRDiagnostics.duplicateClass(c.value, at: c.range, first: earlier))
    } else {
      first[c.value] = c.range
    }
  }
  return out
}

/// `value-range`, `train-length`, `epochs-fresh-data`, `unused-setting` for `train:`.
@Sendable func checkTrainSettings(_ g: FlowGraph) -> [Diagnostic] {
  let t = g.settings.train
  var out: [Diagnostic] = []
  switch (t.steps, t.epochs) {
  case (nil, nil):
    out.append(IRDiagnostics.trainLengthNeither(at: t.range))
  case (.some(let s), .some):
    out.append(IRDiagnostics.trainLengthBoth(at: s.range))
  case (.some(let s), nil) where s.value < 1:
    out.append(IRDiagnostics.valueRange("'steps'", s.value, "at least 1", at: s.range))
  case (nil, .some(let e)) where e.value < 1:
    out.append(IRDiagnostics.valueRange("'epochs'", e.value, "at least 1", at: e.range))
  default: break
  }
  if let e = t.epochs, g.settings.data.source.value.isToy, g.settings.data.fresh.value {
    out.append(IRDiagnostics.epochsFreshData(at: e.range))
  }
  let lr = t.learningRate
  if !(lr.value > 0 && lr.value.isFinite) { out.append(IRDiagnostics.valueRange("'lr'", lr.value, "a finite number > 0", at: lr.range)) }
  for b in t.betas.value where !(b >= 0 && b < 1) {
    out.append(IRDiagnostics.valueRange("a beta", b, "in [0, 1)", at: t.betas.range))
  }
  if !(t.epsilon.value > 0 && t.epsilon.value.isFinite) { out.append(IRDiagnostics.valueRange("'eps'", t.epsilon.value, "a finite number > 0", at: t.epsilon.range)) }
  if !(t.momentum.value >= 0 && t.momentum.value < 1) { out.append(IRDiagnostics.valueRange("'momentum'", t.momentum.value, "in [0, 1)", at: t.momentum.range)) }
  if !(t.weightDecay.value >= 0 && t.weightDecay.value.isFinite) {
    out.append(IRDiagnostics.valueRange("'weight_decay'", t.weightDecay.value, "a finite number >= 0", at: t.weightDecay.range))
  }
  if t.batchSize.value < 1 { out.append(IRDiagnostics.valueRange("'batch_size'", t.batchSize.value, "at least 1", at: t.batchSize.range)) }
  // Warm-up ramps the rate up linearly before any schedule, the constant one included;
  // a warm-up as long as the run would never reach the rate set.
  if let steps = t.steps, t.warmupSteps.value >= steps.value, steps.value >= 1 {
    out.append(IRDiagnostics.valueRange("'warmup_steps'", t.warmupSteps.value, "fewer than the \(steps.value) steps of the run (\(t.schedule.value.rawValue) schedule)",
                          at: t.warmupSteps.range))
  }
  if t.warmupSteps.value < 0 { out.append(IRDiagnostics.valueRange("'warmup_steps'", t.warmupSteps.value, "0 or more", at: t.warmupSteps.range)) }
  if !(t.minLearningRate.value >= 0) || (lr.value > 0 && t.minLearningRate.value > lr.value) {
    out.append(IRDiagnostics.valueRange("'min_lr'", t.minLearningRate.value, "between 0 and 'lr'", at: t.minLearningRate.range))
  }
  if let c = t.clipGradNorm, !(c.value > 0 && c.value.isFinite) { out.append(IRDiagnostics.valueRange("'clip_grad_norm'", c.value, "a finite number > 0", at: c.range)) }
  if let e = t.evalEvery, e.value < 1 { out.append(IRDiagnostics.valueRange("'eval_every'", e.value, "at least 1", at: e.range)) }
  if let c = t.checkpointEvery, c.value < 1 { out.append(IRDiagnostics.valueRange("'checkpoint_every'", c.value, "at least 1", at: c.range)) }
  for (key, range, reason) in t.ignored {
    out.append(IRDiagnostics.unusedSetting(key, reason: reason, at: range))
  }
  return out
}

/// `resource-budget`: parameters, optimizer state, one batch's activations, the toy data
/// sets and an evaluation batch fit in the memory limit. Caught here, a too-large spec
/// is an error, not an out-of-memory.
func checkBudget(_ g: FlowGraph, _ e: ResourceEstimate) -> [Diagnostic] {
  let limit = g.settings.memoryLimit
  guard limit.value >= 1, e.totalBytes > limit.value else { return [] }
  return [IRDiagnostics.resourceBudget(e, limit: limit, fallback: g.dimension.range)]
}
