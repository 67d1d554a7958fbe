import FlowData
import FlowRandom
import FlowRuntime
import FlowcBuild
import FlowcDiagnostics
import FlowcIR
import FlowcSpec
import Foundation

/// `flowc run`: check the spec, make a run directory, train, evaluate, sample.
package enum Runner {
  /// What the user asked for.
  package struct Request: Sendable {
    package var specPath: String
    package var overrides: [String]
    /// Where run directories go (`--out`, default `runs`).
    package var outputRoot: String
    /// `--threads`: OpenBLAS threads (nil: OpenBLAS's default).
    package var threads: Int?

    package init(specPath: String, overrides: [String] = [], outputRoot: String = "runs", threads: Int? = nil) {
      self.specPath = specPath
      self.overrides = overrides
      self.outputRoot = outputRoot
      self.threads = threads
    }
  }

  /// The final metrics (`final.json`).
  package struct FinalMetrics: Codable, Sendable {
    package var steps: Int
    package var testNLL: Double
    package var testBitsPerDim: Double?
    package var bestValidationNLL: Double
    package var finalValidationNLL: Double
    package var roundTripMaxError: Double
    package var parameters: Int
    package var trainingSeconds: Double
    package var testPoints: Int
    /// Peak resident memory of the process when the run ended (nil in runs recorded
    /// before flowc measured it).
    package var peakResidentBytes: Int?

    enum CodingKeys: String, CodingKey {
      case steps, testNLL = "test_nll", testBitsPerDim = "test_bpd", bestValidationNLL = "best_val_nll"
      case finalValidationNLL = "final_val_nll", roundTripMaxError = "round_trip_max_error", parameters
      case trainingSeconds = "training_seconds", testPoints = "test_points", peakResidentBytes = "peak_rss_bytes"
    }
  }

  /// How a run ended.
  package enum Outcome {
    /// The spec (or an override) is invalid: nothing was trained.
    case invalid(Pipeline.CheckResult)
    case completed(RunDirectory, FinalMetrics)
    case interrupted(RunDirectory, step: Int)
    /// The loss went non-finite; `message` names the step and layer.
    case diverged(RunDirectory, message: String)
  }

  /// Starts a new run.
  /// `progress`, if given, is called during training (at most ten times a second).
  package static func run(_ request: Request, log: @escaping (String) -> Void,
                         progress: ((TrainingProgress) -> Void)? = nil) throws -> Outcome {
    let check = Pipeline.check(path: request.specPath, options: Pipeline.Options(overrides: request.overrides))
    guard let validated = check.validated, !check.diagnostics.hasErrors else { return .invalid(check) }
    let specText = String(decoding: check.source?.bytes ?? [], as: UTF8.self)
    let directory = try RunDirectory.create(root: request.outputRoot, name: validated.graph.name)
    try directory.write(specText, to: directory.spec)
    try directory.write(emitIRText(validated), to: directory.ir)
    try directory.write(emitGraphJSON(validated), to: directory.resolved)
    let spec = CheckpointSpec(text: specText, path: request.specPath, overrides: request.overrides)
    return try execute(validated, spec: spec, directory: directory, threads: request.threads, resume: false, log: log,
                       progress: progress)
  }

  /// Continues the run in `directory` from its last checkpoint.
  package static func resume(_ path: String, threads: Int?, log: @escaping (String) -> Void,
                            progress: ((TrainingProgress) -> Void)? = nil) throws -> Outcome {
    let directory = RunDirectory(path: path)
    let info = try RunInfo.read(directory.runInfo)
    let source = try SourceFile.read(path: directory.spec)
    let check = Pipeline.check(source: SourceFile(path: directory.spec, bytes: source.bytes),
                               options: Pipeline.Options(overrides: info.overrides))
    guard let validated = check.validated else { return .invalid(check) }
    guard FileManager.default.fileExists(atPath: directory.lastCheckpoint) else {
      throw CheckpointError(path: directory.lastCheckpoint, message: "the run has no checkpoint to resume from")
    }
    let spec = CheckpointSpec(text: String(decoding: source.bytes, as: UTF8.self), path: info.specPath, overrides: info.overrides)
    return try execute(validated, spec: spec, directory: directory, threads: threads ?? info.threads, resume: true, log: log,
                       progress: progress)
  }

  private static func execute(_ v: ValidatedGraph, spec: CheckpointSpec, directory: RunDirectory, threads: Int?,
                              resume: Bool, log: @escaping (String) -> Void,
                              progress: ((TrainingProgress) -> Void)?) throws -> Outcome {
    if let threads { BLASConfiguration.threadCount = threads }
    switch v.graph.dtype {
    case .float32: return try execute(Float.self, v, spec: spec, directory: directory, resume: resume, log: log, progress: progress)
    case .float64: return try execute(Double.self, v, spec: spec, directory: directory, resume: resume, log: log, progress: progress)
    }
  }

  private static func execute<T: FlowScalar>(_: T.Type, _ v: ValidatedGraph, spec: CheckpointSpec, directory: RunDirectory,
                                             resume: Bool, log: @escaping (String) -> Void,
                                             progress: ((TrainingProgress) -> Void)?) throws -> Outcome {
    let g = v.graph
    let data = try DataPlan.make(g)
    let t = g.settings.train
    let totalSteps: Int
    if let steps = t.steps?.value {
      totalSteps = steps
    } else {
      let rows = data.trainingRows ?? 1
      totalSteps = max(1, (t.epochs?.value ?? 1) * ((rows + t.batchSize.value - 1) / t.batchSize.value))
    }
    let flow = buildFlow(flowDescription(v, seed: t.seed.value), as: T.self)
    let trainer = try Trainer<T>(graph: v, spec: spec, flow: flow, data: data, directory: directory,
                              totalSteps: totalSteps, log: log)
    if resume { try trainer.restore(from: directory.lastCheckpoint) }
    trainer.onProgress = progress

    // The kernel flowc's entry point settled on (BLASKernelChoice), with why.
    let kernel = BLASKernelChoice.selection
    var info = RunInfo(flowcVersion: flowcVersion, specPath: spec.path, overrides: spec.overrides,
                       threads: BLASConfiguration.threadCount, blasCore: BLASConfiguration.coreName,
                       blasKernelSource: kernel.source.rawValue, blasKernelReason: kernel.reason,
                       started: ISO8601DateFormatter().string(from: Date()), status: .running, step: trainer.step,
                       totalSteps: totalSteps, message: nil)
    if resume, let previous = try? RunInfo.read(directory.runInfo) { info.started = previous.started }
    try info.write(to: directory.runInfo)
    log("run \(directory.path): \(g.name), \(formatCount(v.estimate.parameters)) parameters, \(totalSteps) steps"
        + (resume ? ", resuming at step \(trainer.step)" : "")
        + " (\(BLASConfiguration.threadCount) BLAS threads, OpenBLAS kernel \(BLASConfiguration.coreName): \(kernel.reason))")

    Interrupts.install()
    let outcome = try trainer.train(interrupted: { Interrupts.requested })
    info.step = trainer.step
    switch outcome {
    case .interrupted(let step):
      info.status = .interrupted
      info.message = "interrupted at step \(step); continue with: flowc run --resume \(directory.path)"
      try info.write(to: directory.runInfo)
      return .interrupted(directory, step: step)
    case .diverged(let step, let layer):
      var where_ = "the prior's log-density"
      if let layer, layer < g.nodes.count {
        let node = g.nodes[layer]
        where_ = "layer %\(layer) (\(node.op.kind) '\(node.name)', \(node.range.description))"
      }
      let kept = FileManager.default.fileExists(atPath: directory.lastCheckpoint)
        ? "the last good checkpoint is \(directory.lastCheckpoint)" : "no checkpoint had been written yet"
      let message = "the loss became NaN or infinite at step \(step): the first non-finite value came from \(where_); \(kept)"
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
    let validationNLL = trainer.lastValidation ?? trainer.evaluate(data.validation).nll
    let roundTrip = trainer.evaluator.roundTripError(data.test)
    let count = g.settings.eval.samples.value
    if count > 0 {
      let samples = trainer.evaluator.samples(count: count, temperature: g.settings.eval.temperature.value,
                                              seed: UInt64(bitPattern: Int64(g.settings.eval.seed.value)))
      try writeFileBytes(encodeNPY(samples), to: directory.samples)
    }
    let metrics = FinalMetrics(steps: trainer.step, testNLL: test.nll, testBitsPerDim: test.bitsPerDimension,
                               bestValidationNLL: min(trainer.bestValidation, validationNLL), finalValidationNLL: validationNLL,
                               roundTripMaxError: roundTrip, parameters: v.estimate.parameters,
                               trainingSeconds: trainer.elapsedBefore, testPoints: data.test.count,
                               peakResidentBytes: peakResidentBytes())
    try RunFileJSON.write(metrics, to: directory.final)
    info.status = .completed
    try info.write(to: directory.runInfo)
    return .completed(directory, metrics)
  }
}
