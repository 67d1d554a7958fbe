import FlowData
import FlowRandom
import FlowRuntime
import FlowcBuild
import FlowcDiagnostics
import FlowcIR
import FlowcSpec
import Foundation

/// `flowc run`: check the spec, load the data, make a run directory, train, evaluate,
/// sample.
package enum Runner {
  /// What the user asked for.
  package struct Request: Sendable {
    package var specPath: String
    package var overrides: [String]
    /// Where run directories go (`--out`, default `runs`).
    package var outputRoot: String
    /// `--threads`: OpenBLAS threads (nil: OpenBLAS's default).
    package var threads: Int?
    /// `--workers`: batch slices trained at once, one thread each (`DataParallel`).
    package var workers: Int
    /// `--warnings-as-errors`: a spec with warnings is not run.
    package var warningsAsErrors: Bool
    /// `--error-limit`: how many diagnostics get a computed did-you-mean.
    package var suggestionLimit: Int

    package init(specPath: String, overrides: [String] = [], outputRoot: String = "runs", threads: Int? = nil,
                 workers: Int = 1, warningsAsErrors: Bool = false, suggestionLimit: Int = 50) {
      self.specPath = specPath
      self.overrides = overrides
      self.outputRoot = outputRoot
      self.threads = threads
      self.workers = workers
      self.warningsAsErrors = warningsAsErrors
      self.suggestionLimit = suggestionLimit
    }
  }

  /// The final metrics (`final.json`), written when a run ends other than by an
  /// interrupt. `status` says whether the numbers mean anything (docs/runs.md).
  package struct FinalMetrics: Codable, Sendable {
    /// `ok`; `diverged` (training stopped: NaN, infinite or exploding loss; no test
    /// metrics); `round_trip_failed` (the inverse does not undo the flow on the test
    /// set); `non_finite` (a test NLL or samples that are not finite numbers). Absent in
    /// final.json files of older flowc versions, which only wrote completed runs.
    package var status: FinalStatus?
    /// What is wrong, for any status but `ok`.
    package var message: String?
    package var steps: Int
    package var testNLL: Double?
    package var testBitsPerDim: Double?
    /// nil without a validation set (`validation_size: 0`) or for a diverged run.
    package var bestValidationNLL: Double?
    package var finalValidationNLL: Double?
    package var roundTripMaxError: Double?
    /// The largest round-trip error accepted: 1e-2 (float32) or 1e-6 (float64) times
    /// 1 + max |x| of the flow's inputs.
    package var roundTripTolerance: Double?
    /// Test rows whose round trip in the flow's own precision is over the tolerance.
    package var roundTripRowsOverTolerance: Int?
    /// For a float32 flow with such rows: their largest error when the same weights invert
    /// them in Float64 (where they are judged against 1e-6 × (1 + max |x|)): a deep float32
    /// chain can round a few inputs to infinity that the flow inverts exactly.
    package var roundTripFloat64MaxError: Double?
    /// Test rows that do not invert, in Float64 either; more than 1 % of the test rows is
    /// `round_trip_failed`.
    package var roundTripRowsFailed: Int?
    /// Samples whose Float32 inverse overflowed and that were made again from the same
    /// latents in Float64 with the same weights (absent when none was).
    package var samplesRegeneratedInFloat64: Int?
    /// Samples with a NaN or infinite value (after that); more than 1 % of them is
    /// `non_finite` (nil in runs of older flowc versions or without samples).
    package var samplesNonFinite: Int?
    package var parameters: Int
    package var trainingSeconds: Double
    package var testPoints: Int?
    /// Peak resident memory of the process when the run ended (nil in runs recorded
    /// before flowc measured it).
    package var peakResidentBytes: Int?

    enum CodingKeys: String, CodingKey {
      case status, message
      case steps, testNLL = "test_nll", testBitsPerDim = "test_bpd", bestValidationNLL = "best_val_nll"
      case finalValidationNLL = "final_val_nll", roundTripMaxError = "round_trip_max_error"
      case roundTripTolerance = "round_trip_tolerance", parameters
      case roundTripRowsOverTolerance = "round_trip_rows_over_tolerance", roundTripFloat64MaxError = "round_trip_float64_max_error"
      case roundTripRowsFailed = "round_trip_rows_failed", samplesRegeneratedInFloat64 = "samples_float64_regenerated"
      case samplesNonFinite = "samples_non_finite"
      case trainingSeconds = "training_seconds", testPoints = "test_points", peakResidentBytes = "peak_rss_bytes"
    }
  }

  /// `final.json`'s `status`.
  package enum FinalStatus: String, Codable, Sendable {
    case ok
    case diverged
    case roundTripFailed = "round_trip_failed"
    case nonFinite = "non_finite"
  }

  /// How a run ended.
  package enum Outcome {
    /// The spec (or an override, or its data) is invalid: nothing was trained, and no
    /// run directory was made.
    case invalid(Pipeline.CheckResult)
    case completed(RunDirectory, FinalMetrics)
    /// Training ended, but the result failed a check (round trip, non-finite numbers):
    /// final.json says which, with the numbers.
    case failed(RunDirectory, FinalMetrics)
    case interrupted(RunDirectory, step: Int)
    /// The loss went non-finite or exploded; `message` names the step and the cause.
    case diverged(RunDirectory, message: String)
    /// `--resume` of a run that had already completed: nothing was done.
    case alreadyComplete(RunDirectory, steps: Int)
  }

  /// The relative round-trip tolerance (`FlowEvaluator.RoundTrip.failed`) of a flow's dtype.
  package static func roundTripTolerance(_ dtype: FlowcSpec.DType) -> Double { dtype == .float64 ? 1e-6 : 1e-2 }

  /// Starts a new run. The data are loaded before the run directory is made, so a spec
  /// or data file that cannot be used leaves nothing behind.
  /// `progress`, if given, is called during training (at most ten times a second);
  /// `warnings` receives the check's result when it has warnings (and no errors), before
  /// training starts.
  package static func run(_ request: Request, log: @escaping (String) -> Void,
                         progress: ((TrainingProgress) -> Void)? = nil,
                         warnings: (Pipeline.CheckResult) -> Void = { _ in }) throws -> Outcome {
    // From the start, not from the first step: a Ctrl-C (or a sweep stopping its runs)
    // while the data load or the run directory is being made would otherwise kill the
    // process between the directory and its run.json, leaving a folder nothing can
    // resume or recognise. Caught, it stops the run at its first step, checkpointed.
    Interrupts.install()
    let dataDirectory = absolute(folder(of: request.specPath))
    let options = Pipeline.Options(overrides: request.overrides, dataDirectory: dataDirectory,
                                   suggestionLimit: request.suggestionLimit)
    let check = Pipeline.check(path: request.specPath, options: options)
    guard let validated = check.validated, !check.diagnostics.hasErrors else { return .invalid(check) }
    if request.warningsAsErrors, check.diagnostics.warningCount > 0 { return .invalid(check) }
    let data: DataPlan
    let totalSteps: Int
    switch prepare(validated, check: check) {
    case .invalid(let result): return .invalid(result)
    case .ready(let plan, let steps): (data, totalSteps) = (plan, steps)
    }
    if check.diagnostics.warningCount > 0 { warnings(check) }
    try checkWorkers(request.workers, validated)
    let specText = String(decoding: check.source?.bytes ?? [], as: UTF8.self)
    let directory = try RunDirectory.create(root: request.outputRoot, name: validated.graph.name)
    try directory.write(specText, to: directory.spec)
    try directory.write(emitIRText(validated), to: directory.ir)
    try directory.write(emitGraphJSON(validated), to: directory.resolved)
    let spec = CheckpointSpec(text: specText, path: request.specPath, overrides: request.overrides,
                              dataDirectory: dataDirectory, dataFiles: dataFiles(validated.graph))
    return try execute(validated, spec: spec, data: data, totalSteps: totalSteps, directory: directory,
                       threads: request.threads, workers: request.workers, resume: false, log: log, progress: progress)
  }

  /// "2 BLAS threads", or "2 workers, one BLAS thread each", for the run header.
  static func threadsDescription(workers: Int) -> String {
    if workers > 1 { return "\(workers) workers, one BLAS thread each" }
    let n = BLASConfiguration.threadCount
    return "\(n) BLAS thread\(n == 1 ? "" : "s")"
  }

  /// Refuses `--workers` above 1 for a flow that cannot be trained on batch slices.
  static func checkWorkers(_ workers: Int, _ v: ValidatedGraph) throws {
    guard workers > 1, let node = v.graph.nodes.first(where: { $0.op is BatchNormOp }) else { return }
    throw WorkersError(message: "--workers \(workers) splits each batch across workers, but layer \(node.index) is a batch_norm, "
      + "whose batch statistics and running averages would then be each worker's own; train this flow without --workers "
      + "(use --threads for a multi-threaded BLAS), or use actnorm instead of batch_norm")
  }

  /// Continues the run in `directory` from its last checkpoint: an interrupted run, or
  /// one that died (SIGKILL, a crash, a full disk); one that died before its first
  /// checkpoint starts over. A completed run is left as it is.
  package static func resume(_ path: String, threads: Int?, workers: Int? = nil, log: @escaping (String) -> Void,
                            progress: ((TrainingProgress) -> Void)? = nil,
                            warnings: (Pipeline.CheckResult) -> Void = { _ in }) throws -> Outcome {
    Interrupts.install()  // as in `run`
    let directory = RunDirectory(path: path)
    guard RunFileIO.exists(directory.runInfo) else {
      throw RunFileError(path: directory.runInfo, problem: "no such file; is '\(path)' a run directory made by flowc run?", writing: false)
    }
    let info = try RunInfo.read(directory.runInfo)
    if info.status == .completed, RunFileIO.exists(directory.final) {
      return .alreadyComplete(directory, steps: info.step)
    }
    let source = try SourceFile.read(path: directory.spec)
    // Relative data paths: the spec's first folder (older runs: the current directory).
    let dataDirectory = info.dataDirectory ?? FileManager.default.currentDirectoryPath
    let check = Pipeline.check(source: SourceFile(path: directory.spec, bytes: source.bytes),
                               options: Pipeline.Options(overrides: info.overrides, dataDirectory: dataDirectory))
    guard let validated = check.validated else { return .invalid(check) }
    // A run that died before its first checkpoint starts over in its directory.
    let data: DataPlan
    let totalSteps: Int
    switch prepare(validated, check: check) {
    case .invalid(let result): return .invalid(result)
    case .ready(let plan, let steps): (data, totalSteps) = (plan, steps)
    }
    if check.diagnostics.warningCount > 0 { warnings(check) }
    let resumedWorkers = workers ?? info.workers ?? 1
    try checkWorkers(resumedWorkers, validated)
    let spec = CheckpointSpec(text: String(decoding: source.bytes, as: UTF8.self), path: info.specPath, overrides: info.overrides,
                              dataDirectory: dataDirectory, dataFiles: dataFiles(validated.graph))
    return try execute(validated, spec: spec, data: data, totalSteps: totalSteps, directory: directory,
                       threads: threads ?? info.threads, workers: resumedWorkers, resume: true,
                       log: log, progress: progress, previous: info)
  }

  // MARK: - Before the run directory

  /// Loads the data and computes the run's length, or the check result with the
  /// problem added as a located diagnostic (a data file that cannot be read or split, a
  /// warm-up as long as an epoch-counted run).
  private static func prepare(_ v: ValidatedGraph, check: Pipeline.CheckResult) -> Prepared {
    let g = v.graph
    // A data file that `check` only warned about (it does not exist) stops a run.
    for d in check.diagnostics.diagnostics where d.id == IRDiagnostics.ID.dataFile.rawValue && d.severity == .warning {
      var error = d
      error.severity = .error
      return .invalid(invalidated(check, by: error))
    }
    let data: DataPlan
    do {
      data = try DataPlan.make(g)
    } catch let e as DataError {
      return .invalid(invalidated(check, by: IRDiagnostics.dataFileLoad(e.description, at: range(of: e, in: g))))
    } catch {
      return .invalid(invalidated(check, by: IRDiagnostics.dataFileLoad("\(error)", at: g.settings.data.source.range)))
    }
    let t = g.settings.train
    let steps: Int
    if let s = t.steps?.value {
      steps = s
    } else {
      let rows = data.trainingRows ?? 1
      let batches = rows / t.batchSize.value + (rows % t.batchSize.value == 0 ? 0 : 1)
      steps = max(1, (t.epochs?.value ?? 1).multipliedSaturating(by: batches))
      if t.warmupSteps.value >= steps {
        return .invalid(invalidated(check, by: IRDiagnostics.valueRange(
          "'warmup_steps'", t.warmupSteps.value, "fewer than the \(steps) steps of the run (\(t.epochs?.value ?? 1) epochs of \(batches) batches)",
          at: t.warmupSteps.range)))
      }
    }
    return .ready(data, steps: steps)
  }

  /// What `prepare` found: the data and the run's length, or the check made invalid.
  private enum Prepared {
    case ready(DataPlan, steps: Int)
    case invalid(Pipeline.CheckResult)
  }

  /// `check` made invalid by a problem found after it: its diagnostics with `diagnostic`
  /// added; a `data-file` warning at the same place (the file does not exist) is dropped,
  /// the error says it all.
  private static func invalidated(_ check: Pipeline.CheckResult, by diagnostic: Diagnostic) -> Pipeline.CheckResult {
    let engine = DiagnosticEngine()
    for d in check.diagnostics.diagnostics where !(d.id == diagnostic.id && d.range == diagnostic.range) {
      engine.emit(d)
    }
    engine.emit(diagnostic)
    var result = check
    result.diagnostics = engine
    result.validated = nil
    return result
  }

  /// Where in the spec a data error belongs: the `path` or `test_path` naming its file,
  /// else the `source`.
  private static func range(of e: DataError, in g: FlowGraph) -> SourceRange {
    if let named = g.dataFileSettings.first(where: { $0.setting.value == e.path }) { return named.setting.range }
    return g.settings.data.source.range
  }

  private static func dataFiles(_ g: FlowGraph) -> [String]? {
    let files = g.dataFileSettings.map(\.setting.value)
    return files.isEmpty ? nil : files
  }

  /// `path` made absolute against the current directory.
  static func absolute(_ path: String) -> String {
    guard path.utf8.first != UInt8(ascii: "/") else { return path }
    let cwd = FileManager.default.currentDirectoryPath
    return path == "." ? cwd : resolveDataPath(path, against: cwd)
  }

  // MARK: - Training

  private static func execute(_ v: ValidatedGraph, spec: CheckpointSpec, data: DataPlan, totalSteps: Int,
                              directory: RunDirectory, threads: Int?, workers: Int, resume: Bool, log: @escaping (String) -> Void,
                              progress: ((TrainingProgress) -> Void)?, previous: RunInfo? = nil) throws -> Outcome {
    // Workers call BLAS from their own threads, and OpenBLAS's pool serves one caller at
    // a time: each worker's products run on its own thread.
    if workers > 1 { BLASConfiguration.threadCount = 1 } else if let threads { BLASConfiguration.threadCount = threads }
    // Independent products (a coupling's two networks, the optimizer's runs of tensors)
    // share the same cores one BLAS thread each (`ConcurrentWork`); workers already do.
    ConcurrentWork.threads = workers > 1 ? 1 : BLASConfiguration.threadCount
    // The kernel decides whether another flowc is training this directory.
    let lock = try RunLock.acquire(directory)
    defer { lock.release() }
    let kernel = BLASKernelChoice.selection
    var info = RunInfo(flowcVersion: flowcVersion, specPath: spec.path, overrides: spec.overrides,
                       threads: BLASConfiguration.threadCount, workers: workers, blasCore: BLASConfiguration.coreName,
                       blasKernelSource: kernel.source.rawValue, blasKernelReason: kernel.reason,
                       started: previous?.started ?? now(), status: .running, step: previous?.step ?? 0,
                       totalSteps: totalSteps, message: nil, pid: Int(getpid()), updated: now(),
                       dataDirectory: spec.dataDirectory)
    do {
      switch v.graph.dtype {
      case .float32:
        return try execute(Float.self, v, spec: spec, data: data, directory: directory, resume: resume, workers: workers,
                           info: &info, log: log, progress: progress)
      case .float64:
        return try execute(Double.self, v, spec: spec, data: data, directory: directory, resume: resume, workers: workers,
                           info: &info, log: log, progress: progress)
      }
    } catch {
      // A failure after the directory was made (a full disk, a damaged checkpoint):
      // run.json says so, if it can still be written.
      info.status = .failed
      info.message = "\(error)"
      info.updated = now()
      try? info.write(to: directory.runInfo)
      throw error
    }
  }

  private static func execute<T: FlowScalar>(_: T.Type, _ v: ValidatedGraph, spec: CheckpointSpec, data: DataPlan,
                                             directory: RunDirectory, resume: Bool, workers: Int, info: inout RunInfo,
                                             log: @escaping (String) -> Void,
                                             progress: ((TrainingProgress) -> Void)?) throws -> Outcome {
    let g = v.graph
    let t = g.settings.train
    let description = flowDescription(v, seed: t.seed.value)
    let flow = buildFlow(description, as: T.self)
    // A standardized column context z-scores each column with the training rows'
    // statistics, which the checkpoints keep (a resumed run restores the same values).
    if let encoder = flow.context, encoder.statistics != nil, let rows = data.rows?.data, let stats = rows.contextStatistics {
      encoder.setStandardization(mean: stats.mean, std: stats.std)
    }
    // Replicas get the master's values before every pass (DataParallel), so how they
    // are initialised does not matter.
    let parallel = workers > 1
      ? DataParallel(master: flow, replicas: (1..<workers).map { _ in buildFlow(description, as: T.self) }) : nil
    let trainer = try Trainer<T>(graph: v, spec: spec, flow: flow, data: data, directory: directory,
                                 totalSteps: info.totalSteps, parallel: parallel, log: log)
    if resume {
      // Whatever a kill left: temporaries of atomic writes, and metrics lines past the
      // checkpoint (they are made again, exactly, from it). Without a checkpoint the run
      // starts over from step 0.
      RunFileIO.removeTemporaries(in: directory.path)
      RunFileIO.removeTemporaries(in: directory.checkpoints)
      if RunFileIO.exists(directory.lastCheckpoint) { try trainer.restore(from: directory.lastCheckpoint) }
      try directory.truncateMetrics(toStep: trainer.step)
    }
    trainer.onProgress = progress
    info.step = trainer.step
    try info.write(to: directory.runInfo)
    // run.json follows the checkpoints: its step is always last.safetensors's.
    var checkpointInfo = info
    trainer.onCheckpoint = { step in
      checkpointInfo.step = step
      checkpointInfo.updated = now()
      try checkpointInfo.write(to: directory.runInfo)
    }
    log("run \(directory.path): \(g.name), \(formatCount(v.estimate.parameters)) parameters, \(info.totalSteps) steps"
        + (resume ? ", resuming at step \(trainer.step)" : "")
        + " (\(threadsDescription(workers: workers)), OpenBLAS kernel \(BLASConfiguration.coreName): \(info.blasKernelReason ?? ""))")

    let outcome = try trainer.train(interrupted: { Interrupts.requested })
    info.step = trainer.step
    info.updated = now()
    switch outcome {
    case .interrupted(let step):
      info.status = .interrupted
      info.message = "interrupted at step \(step); continue with: flowc run --resume \(directory.path)"
      try info.write(to: directory.runInfo)
      return .interrupted(directory, step: step)
    case .diverged(let step, let cause):
      let kept = RunFileIO.exists(directory.lastCheckpoint)
        ? "the last good checkpoint is \(directory.lastCheckpoint)" : "no checkpoint had been written yet"
      let message = divergenceMessage(cause, step: step, graph: g) + "; " + kept
      let metrics = FinalMetrics(status: .diverged, message: message, steps: trainer.step, parameters: v.estimate.parameters,
                                 trainingSeconds: trainer.elapsedBefore, peakResidentBytes: peakResidentBytes())
      try RunFileJSON.write(metrics, to: directory.final)
      info.status = .diverged
      info.message = message
      try info.write(to: directory.runInfo)
      return .diverged(directory, message: message)
    case .completed:
      break
    }

    // Final evaluation: test NLL, round trip, samples.
    let test = trainer.evaluate(data.test)
    // Training ends with an evaluation at its last step; only a run resumed at its very
    // end has none to reuse.
    let validationNLL: Double? = data.validation.count == 0 ? nil
      : trainer.lastValidation ?? trainer.evaluate(data.validation).nll
    let roundTrip = trainer.evaluator.roundTrip(data.test, tolerance: roundTripTolerance(g.dtype),
                                                float64Tolerance: roundTripTolerance(.float64))
    let tolerance = roundTripTolerance(g.dtype) * (1 + roundTrip.maxMagnitude)
    let (nonFiniteSamples, regeneratedSamples) = try writeSamples(trainer.evaluator, g, test: data.test, to: directory.samples)

    var status = FinalStatus.ok
    var message: String?
    if !test.nll.isFinite {
      status = .nonFinite
      message = "the test NLL is \(formatNumber(test.nll)), not a finite number: the trained flow gives some test points no density"
    } else if roundTrip.failed {
      status = .roundTripFailed
      let replay = roundTrip.float64ReplayMaxError.map { String(format: ", %.3g when inverted in float64 with the same weights", $0) } ?? ""
      message = "the inverse round trip failed: \(formatCount(roundTrip.rowsFailed)) of the \(formatCount(roundTrip.rows)) test rows do not invert "
        + "(max |g(f(x)) - x| = \(String(format: "%.3g", roundTrip.maxError))\(replay); tolerance \(String(format: "%.3g", tolerance))); "
        + "the flow is not numerically invertible, so its samples and densities are not trustworthy"
    } else if samplesFail(nonFinite: nonFiniteSamples, of: g.settings.eval.samples.value) {
      status = .nonFinite
      message = "\(formatCount(nonFiniteSamples)) of the \(formatCount(g.settings.eval.samples.value)) samples are not finite numbers"
        + " (more than 1 %)"
    }
    let best: Double? = validationNLL.map { min(trainer.bestValidation, $0) }
    let metrics = FinalMetrics(status: status, message: message, steps: trainer.step, testNLL: test.nll,
                               testBitsPerDim: test.bitsPerDimension, bestValidationNLL: best,
                               finalValidationNLL: validationNLL, roundTripMaxError: roundTrip.maxError,
                               roundTripTolerance: tolerance, roundTripRowsOverTolerance: roundTrip.rowsOverTolerance,
                               roundTripFloat64MaxError: roundTrip.float64ReplayMaxError, roundTripRowsFailed: roundTrip.rowsFailed,
                               samplesRegeneratedInFloat64: regeneratedSamples > 0 ? regeneratedSamples : nil,
                               samplesNonFinite: g.settings.eval.samples.value > 0 ? nonFiniteSamples : nil,
                               parameters: v.estimate.parameters,
                               trainingSeconds: trainer.elapsedBefore, testPoints: data.test.count,
                               peakResidentBytes: peakResidentBytes())
    try RunFileJSON.write(metrics, to: directory.final)
    info.status = status == .ok ? .completed : .failed
    info.message = message
    info.updated = now()
    try info.write(to: directory.runInfo)
    return status == .ok ? .completed(directory, metrics) : .failed(directory, metrics)
  }

  /// Whether `nonFinite` non-finite samples of `count` make the run `non_finite`: more than
  /// 1 % of them (the round trip's share). A few in a thousand are the tails of a healthy
  /// flow (a Glow's inverse is unbounded where the prior has little mass, which T = 1
  /// reaches: 32 of 5,000 for specs/glow-fashion-mnist.yaml, none at T = 0.7); a diverged
  /// flow's are most of them.
  package static func samplesFail(nonFinite: Int, of count: Int) -> Bool {
    Double(nonFinite) > FlowEvaluator.RoundTrip.failingShare * Double(count)
  }

  /// Streams `eval.samples` samples to samples.npy in evaluation batches (bounded
  /// memory whatever the count); returns how many sample rows hold a non-finite value,
  /// and how many were made again in Float64 because their Float32 inverse overflowed.
  private static func writeSamples(_ evaluator: FlowEvaluator, _ g: FlowGraph, test: Dataset,
                                   to path: String) throws -> (nonFinite: Int, regenerated: Int) {
    let count = g.settings.eval.samples.value
    guard count > 0 else { return (0, 0) }
    var nonFinite = 0, regenerated = 0
    do {
      let writer = try NPYStreamWriter(path: path, count: count, rowShape: g.shape?.value.map(\.value) ?? [g.dimension.value])
      // A conditional flow's samples go through its classes in equal blocks (as `flowc
      // sample`), or through the test set's context rows in turn for a column context.
      let context = sampleContext(g, count: count, test: test)
      regenerated = try evaluator.sample(count: count, temperature: g.settings.eval.temperature.value,
                           seed: UInt64(bitPattern: Int64(g.settings.eval.seed.value)), context: context) { batch in
        for r in 0..<batch.count where !batch.values[(r * batch.dimension)..<((r + 1) * batch.dimension)].allSatisfy(\.isFinite) {
          nonFinite += 1
        }
        try writer.append(batch.values)
      }
      try writer.finish()
    } catch let e as DataError {
      if case .unwritable(let reason) = e.problem { throw RunFileError(path: path, problem: reason) }
      throw e
    }
    return (nonFinite, regenerated)
  }

  /// The context of a run's `count` samples: a class context's classes in equal
  /// consecutive blocks, a column context's rows of `test` in turn (cycled); nil for an
  /// unconditional flow.
  package static func sampleContext(_ g: FlowGraph, count: Int, test: Dataset) -> ContextRows? {
    guard let c = g.settings.data.context else { return nil }
    guard c.isColumns else { return .labels((0..<count).map { $0 * c.numClasses.value / count }) }
    guard let values = test.context, test.count > 0 else { preconditionFailure("a column context's test set without its context") }
    let w = test.contextWidth
    return .values((0..<count).flatMap { i in values[((i % test.count) * w)..<((i % test.count) * w + w)] })
  }

  /// What stopped a diverged run, at which step, and whose fault it is.
  private static func divergenceMessage(_ cause: Divergence, step: Int, graph g: FlowGraph) -> String {
    switch cause {
    case .nonFinite(let layer):
      var where_ = "the prior's log-density"
      if let layer, layer < g.nodes.count {
        let node = g.nodes[layer]
        where_ = "layer %\(layer) (\(node.op.kind) '\(node.name)', \(node.range.description))"
      }
      return "the loss became NaN or infinite at step \(step): the first non-finite value came from \(where_)"
    case .preprocessing:
      var what = "the preprocessing"
      if let a = g.settings.data.logitAlpha {
        what = "the preprocessing's logit ('logit_alpha' at \(a.range.description)) of data outside [0, 1]"
      }
      return "training batch \(step) became NaN or infinite before the flow saw it: \(what) made it non-finite, not a layer"
    case .exploded(let loss, let initial, let threshold):
      func g(_ x: Double) -> String { String(format: "%.4g", x) }
      return "the loss exploded at step \(step): \(g(loss)) nats, more than \(g(threshold)) "
        + "(the first step's \(g(initial)) plus \(formatCount(Int(TrainingGuard.explosionNatsPerDimension))) nats per dimension); "
        + "lower 'lr' or set 'clip_grad_norm'"
    }
  }

  private static func now() -> String { ISO8601DateFormatter().string(from: Date()) }
}
