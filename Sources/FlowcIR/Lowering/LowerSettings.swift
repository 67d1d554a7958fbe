import FlowcDiagnostics
import FlowcSpec

/// Fills in the defaults of `data`, `train`, `eval` and `limits` (SpecDefaults), keeping
/// the location of every value the spec wrote and pointing defaults at their section.
func lowerSettings(_ spec: FlowSpec, diagnostics: DiagnosticEngine) -> RunSettings {
  let root = SourceRange(file: spec.file, start: spec.range.start, end: spec.range.start)
  let t = spec.train
  let trainRange = t?.range ?? root
  let optimizer = Setting(t?.optimizer, default: SpecDefaults.optimizer, at: trainRange)
  let trainSeed = Setting(t?.seed, default: SpecDefaults.seed, at: trainRange)

  var trainIgnored: [(String, SourceRange, String)] = []
  let withOptimizer = "with optimizer '\(optimizer.value.rawValue)'"
  if optimizer.value == .sgd {
    if let b = t?.betas { trainIgnored.append(("betas", b.range, withOptimizer)) }
    if let e = t?.epsilon { trainIgnored.append(("eps", e.range, withOptimizer)) }
  } else if let m = t?.momentum {
    trainIgnored.append(("momentum", m.range, withOptimizer))
  }
  // min_lr is where a decaying schedule ends; a constant one never reaches it.
  if (t?.schedule?.value ?? SpecDefaults.schedule) == .constant, let m = t?.minLearningRate {
    trainIgnored.append(("min_lr", m.range, "with a constant schedule (it is where 'cosine' or 'linear' ends)"))
  }
  let train = TrainSettings(
    optimizer: optimizer,
    learningRate: Setting(t?.learningRate, default: SpecDefaults.learningRate, at: trainRange),
    betas: Setting(t?.betas.map { $0.map { $0.map(\.value) } }, default: SpecDefaults.betas, at: trainRange),
    epsilon: Setting(t?.epsilon, default: SpecDefaults.adamEpsilon, at: trainRange),
    momentum: Setting(t?.momentum, default: SpecDefaults.momentum, at: trainRange),
    weightDecay: Setting(t?.weightDecay, default: SpecDefaults.weightDecay(optimizer.value), at: trainRange),
    batchSize: Setting(t?.batchSize, default: SpecDefaults.batchSize, at: trainRange),
    steps: t?.steps.map { Setting($0.value, at: $0.range, isDefault: false) },
    epochs: t?.epochs.map { Setting($0.value, at: $0.range, isDefault: false) },
    seed: trainSeed,
    schedule: Setting(t?.schedule, default: SpecDefaults.schedule, at: trainRange),
    warmupSteps: Setting(t?.warmupSteps, default: SpecDefaults.warmupSteps, at: trainRange),
    minLearningRate: Setting(t?.minLearningRate, default: SpecDefaults.minLearningRate, at: trainRange),
    clipGradNorm: t?.clipGradNorm.map { Setting($0.value, at: $0.range, isDefault: false) },
    evalEvery: t?.evalEvery.map { Setting($0.value, at: $0.range, isDefault: false) },
    checkpointEvery: t?.checkpointEvery.map { Setting($0.value, at: $0.range, isDefault: false) },
    range: trainRange,
    ignored: trainIgnored)

  let d = spec.data
  let dataRange = d?.range ?? root
  let source = Setting(d?.source, default: .moons, at: dataRange)
  let isToy = source.value.isToy
  let isImage = source.value == .idx
  let hasNoise = source.value == .moons || source.value == .circles
  var dataIgnored: [(String, SourceRange, String)] = []
  let withSource = "with data source '\(source.value.rawValue)'"
  if !hasNoise, let n = d?.noise { dataIgnored.append(("noise", n.range, withSource)) }
  if source.value != .circles, let f = d?.factor { dataIgnored.append(("factor", f.range, withSource)) }
  if isToy {
    if let p = d?.path { dataIgnored.append(("path", p.range, withSource)) }
    if let p = d?.testPath { dataIgnored.append(("test_path", p.range, withSource)) }
    if let p = d?.labels { dataIgnored.append(("labels", p.range, withSource)) }
    if let p = d?.testLabels { dataIgnored.append(("test_labels", p.range, withSource)) }
    if let c = d?.classes { dataIgnored.append(("classes", c.range, withSource)) }
    // Fresh draws have no fixed training set to size.
    if d?.fresh?.value ?? SpecDefaults.fresh, let n = d?.trainSize {
      dataIgnored.append(("train_size", n.range, "with 'fresh: true' (every batch is a new draw)"))
    }
  } else {
    if let f = d?.fresh { dataIgnored.append(("fresh", f.range, withSource)) }
    // Without a test file the test set is split from `path` and keeps its labels.
    if d?.testPath == nil, let l = d?.testLabels {
      dataIgnored.append(("test_labels", l.range, "without 'test_path' (the test set is split from 'path' and keeps the labels of 'labels')"))
    }
  }
  let pre = d?.preprocess
  let preRange = pre?.range ?? dataRange
  let context = d?.context.map { c in
    if let columns = c.columns {
      // A column context: the columns' values as they are. Keys of a class context
      // beside them are conflicts (the validator reports them), not silently ignored.
      var conflicts: [(key: String, range: SourceRange)] = []
      if let e = c.encoding, e.value != .identity { conflicts.append(("encoding: \(e.value.rawValue)", e.range)) }
      if let k = c.numClasses { conflicts.append(("num_classes", k.range)) }
      if let w = c.embeddingWidth { conflicts.append(("embedding_width", w.range)) }
      return ContextSettings(
        encoding: Setting(.identity, at: c.encoding?.range ?? columns.range, isDefault: c.encoding == nil),
        numClasses: Setting(0, at: c.range, isDefault: true), embeddingWidth: nil,
        columns: Setting(columns.value, at: columns.range, isDefault: false),
        standardize: Setting(c.standardize, default: false, at: c.range), conflicts: conflicts, range: c.range)
    }
    if let z = c.standardize {
      dataIgnored.append(("standardize", z.range, "without 'columns' (class labels are encoded, not scaled)"))
    }
    let encoding = Setting(c.encoding, default: SpecDefaults.contextEncoding, at: c.range)
    if encoding.value == .oneHot, let w = c.embeddingWidth {
      dataIgnored.append(("embedding_width", w.range, "with 'encoding: one_hot' (a one-hot row is 'num_classes' wide)"))
    }
    return ContextSettings(
      encoding: encoding,
      numClasses: Setting(c.numClasses, default: 0, at: c.range),
      embeddingWidth: encoding.value == .embedding ? Setting(c.embeddingWidth, default: SpecDefaults.embeddingWidth, at: c.range) : nil,
      range: c.range)
  }
  let data = DataSettings(
    source: source,
    noise: Setting(d?.noise, default: hasNoise ? SpecDefaults.noise : 0, at: dataRange),
    factor: Setting(d?.factor, default: SpecDefaults.circlesFactor, at: dataRange),
    fresh: Setting(d?.fresh, default: isToy ? SpecDefaults.fresh : false, at: dataRange),
    trainSize: d?.trainSize.map { Setting($0.value, at: $0.range, isDefault: false) },
    validationSize: d?.validationSize.map { Setting($0.value, at: $0.range, isDefault: false) }
      ?? (isToy ? Setting(1_000, at: dataRange, isDefault: true) : nil),
    path: d?.path.map { Setting($0.value, at: $0.range, isDefault: false) },
    testPath: d?.testPath.map { Setting($0.value, at: $0.range, isDefault: false) },
    labels: d?.labels.map { Setting($0.value, at: $0.range, isDefault: false) },
    testLabels: d?.testLabels.map { Setting($0.value, at: $0.range, isDefault: false) },
    classes: d?.classes.map { Setting($0.value, at: $0.range, isDefault: false) },
    seed: Setting(d?.seed, default: trainSeed.value, at: dataRange),
    dequantize: Setting(pre?.dequantize, default: isImage, at: preRange),
    levels: Setting(pre?.levels, default: SpecDefaults.levels, at: preRange),
    logitAlpha: pre?.logitAlpha.map { Setting($0.value, at: $0.range, isDefault: false) },
    context: context,
    ignored: dataIgnored)

  let e = spec.eval
  let evalRange = e?.range ?? root
  let eval = EvalSettings(
    testSize: Setting(e?.testSize, default: SpecDefaults.testSize, at: evalRange),
    seed: Setting(e?.seed, default: SpecDefaults.evalSeed, at: evalRange),
    samples: Setting(e?.samples, default: SpecDefaults.samples, at: evalRange),
    batchSize: Setting(e?.batchSize, default: SpecDefaults.evalBatchSize, at: evalRange),
    temperature: Setting(e?.temperature, default: SpecDefaults.temperature, at: evalRange))

  let memory = Setting(spec.limits?.memory, default: SpecDefaults.memoryLimit, at: spec.limits?.range ?? root)
  return RunSettings(data: data, train: train, eval: eval, memoryLimit: memory)
}
