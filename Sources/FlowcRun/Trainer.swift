import FlowcDiagnostics
import FlowData
import FlowRandom
import FlowRuntime
import FlowcBuild
import FlowcIR
import Foundation

/// What a training run reports at each evaluation (one line of metrics.jsonl).
package struct EvaluationRecord: Codable, Sendable {
  package var step: Int
  /// Mean training loss (nats, data space) over the steps since the last evaluation.
  package var trainNLL: Double?
  /// nil without a validation set (`validation_size: 0`).
  package var validationNLL: Double?
  package var validationBitsPerDim: Double?
  package var gradientNorm: Double
  package var learningRate: Double
  package var elapsedSeconds: Double

  enum CodingKeys: String, CodingKey {
    case step, trainNLL = "train_nll", validationNLL = "val_nll", validationBitsPerDim = "val_bpd"
    case gradientNorm = "grad_norm", learningRate = "lr", elapsedSeconds = "elapsed_s"
  }
}

/// How a call to `Trainer.train` ended.
package enum TrainingOutcome: Sendable {
  case completed
  /// Ctrl-C (or SIGTERM): the state at `step` was checkpointed.
  case interrupted(step: Int)
  /// Training stopped at `step` because its result became meaningless (see
  /// `Divergence`). The last good checkpoint is kept.
  case diverged(step: Int, Divergence)
}

/// The thresholds of the guards that stop a run whose result has become meaningless.
package enum TrainingGuard {
  /// How far above the first step's loss a step's loss may go, in nats per dimension,
  /// before the run counts as exploded. A flow starts a few nats per dimension from its
  /// optimum; 1,000 nats per dimension above the start is a density e^-1000 times
  /// smaller per coordinate than the untrained flow's, which no healthy run visits
  /// (an lr of 0.1 on moons reaches 1e18 nats).
  package static let explosionNatsPerDimension = 1_000.0
  /// How many batches in a row may be over that threshold before the run counts as
  /// exploded. Each such batch applies no update: in a clipped run one outlier batch (an
  /// image a coupling contracts by a vanishing sigmoid scale) does not mean the weights
  /// are lost — a 25,000-step Glow run met one at step 15,892 — while a diverged run stays
  /// over the threshold on every batch, the weights unchanged.
  package static let explosionPatience = 10
}

/// Why a run stopped as `diverged`.
package enum Divergence: Sendable, Equatable {
  /// The loss became NaN or infinite; `layer` is the first node whose output was
  /// non-finite (nil: the prior).
  case nonFinite(layer: Int?)
  /// The preprocessing made a training batch non-finite before the flow saw it (a logit
  /// of data outside [0, 1]).
  case preprocessing
  /// The loss exploded: a step's loss was over `threshold`, the first step's loss
  /// `initial` plus `Trainer.explosionNatsPerDimension` nats per dimension.
  case exploded(loss: Double, initial: Double, threshold: Double)
}

/// Trains one flow: batches, steps, periodic evaluation, checkpoints.
///
/// Generic over the element type but instantiated only inside this module, for Float
/// and Double, so the compiler specialises every loop here.
final class Trainer<T: FlowScalar> {
  let graph: ValidatedGraph
  /// The spec text and overrides every checkpoint carries.
  let spec: CheckpointSpec
  let flow: Flow<T>
  let stepper: TrainingStep<T>
  var data: DataPlan
  let directory: RunDirectory
  let totalSteps: Int
  let evalEvery: Int
  let checkpointEvery: Int
  let batchSize: Int
  let log: (String) -> Void
  /// Scores, samples and round trips of the flow being trained.
  let evaluator: FlowEvaluator

  /// Steps done so far.
  var step = 0
  /// Batches in a row whose loss was over the explosion threshold (no update applied).
  var batchesOverThreshold = 0
  var bestValidation = Double.infinity
  /// Training-loss sum and count since the last evaluation.
  var lossSum = 0.0
  var lossCount = 0
  var lastGradientNorm = 0.0
  var elapsedBefore = 0.0
  private var batch = Matrix<T>(rows: 0, cols: 0)
  /// Reused buffers of the training batch (raw values, then preprocessed in place) and of
  /// its preprocessing log-determinants: a step allocates no batch storage.
  private var rawBatch: [Float] = []
  private var batchLogDet: [Double] = []
  /// The batch's class labels, a class-conditioned flow's context (nil otherwise).
  private var batchLabels: [Int]?
  /// The batch's context rows, a column-conditioned flow's context (nil otherwise).
  private var batchContext: [Float]?
  /// Called at most ten times a second during training (the live progress line); nil
  /// when nobody watches.
  var onProgress: ((TrainingProgress) -> Void)?
  /// The validation NLL of the latest evaluation (the final one when training completes).
  private(set) var lastValidation: Double?
  /// The data-space loss of the run's first step, the reference of the explosion guard
  /// (kept in checkpoints, so a resumed run judges by the same number).
  var initialLoss: Double?
  /// Called after each write of last.safetensors with the step it holds (the runner
  /// brings run.json up to that step).
  var onCheckpoint: ((Int) throws -> Void)?

  /// `parallel`: workers that share each batch (`flowc run --workers`), whose master is `flow`.
  init(graph: ValidatedGraph, spec: CheckpointSpec, flow: Flow<T>, data: DataPlan, directory: RunDirectory, totalSteps: Int,
       parallel: DataParallel<T>? = nil, log: @escaping (String) -> Void) throws {
    let t = graph.graph.settings.train
    self.evaluator = try FlowEvaluator(graph, flow: AnyFlow(flow))
    self.graph = graph
    self.spec = spec
    self.flow = flow
    self.data = data
    self.directory = directory
    self.totalSteps = totalSteps
    self.evalEvery = t.evalEvery?.value ?? max(1, totalSteps / 10)
    self.checkpointEvery = t.checkpointEvery?.value ?? evalEvery
    self.batchSize = t.batchSize.value
    self.log = log
    self.batchLabels = flow.context.map { $0.encoding.isClassLabel } == true ? [] : nil
    self.batchContext = flow.context.map { !$0.encoding.isClassLabel } == true ? [] : nil
    self.stepper = TrainingStep(flow: flow, optimizer: optimizerDescription(t),
                                schedule: learningRateSchedule(t, totalSteps: totalSteps),
                                clipNorm: t.clipGradNorm?.value, parallel: parallel)
  }

  /// Runs steps until `totalSteps`, an interrupt, or a non-finite loss.
  func train(interrupted: () -> Bool) throws -> TrainingOutcome {
    let start = Date()
    var elapsed: Double { elapsedBefore + Date().timeIntervalSince(start) }
    let firstStep = step
    var lastProgress = -Double.infinity
    while step < totalSteps {
      if interrupted() {
        try saveCheckpoint(directory.lastCheckpoint, elapsed: elapsed)
        return .interrupted(step: step)
      }
      let (rows, preprocessingLogDet) = data.nextBatch(batchSize, into: &rawBatch, logDet: &batchLogDet, labels: &batchLabels,
                                                                 context: &batchContext)
      // A logit of data outside [0, 1] (logit_alpha on unscaled data) is NaN before
      // the flow sees it: blame the preprocessing, not the first layer.
      if !data.preprocessing.steps.isEmpty, !(preprocessingLogDet.isFinite && rawBatch.allSatisfy(\.isFinite)) {
        return .diverged(step: step + 1, .preprocessing)
      }
      fill(&batch, rows: rows, from: rawBatch)
      let context: ContextRows? = batchLabels.map { .labels($0) } ?? batchContext.map { .values($0) }
      let threshold = initialLoss.map { $0 + TrainingGuard.explosionNatsPerDimension * Double(graph.graph.dimension.value) }
      // The threshold is on the data-space loss; the step sees the flow's.
      let report = stepper.step(batch, context: context, maxLoss: threshold.map { $0 + preprocessingLogDet })
      if report.overMaxLoss, let threshold, let initialLoss {
        let loss = report.loss - preprocessingLogDet
        batchesOverThreshold += 1
        if batchesOverThreshold >= TrainingGuard.explosionPatience {
          return .diverged(step: step + 1, .exploded(loss: loss, initial: initialLoss, threshold: threshold))
        }
        log("step \(step + 1): the batch's loss \(String(format: "%.4g", loss)) nats is over \(String(format: "%.4g", threshold)) "
            + "(the first step's plus \(formatCount(Int(TrainingGuard.explosionNatsPerDimension))) nats per dimension): no update "
            + "(\(batchesOverThreshold) in a row; \(TrainingGuard.explosionPatience) end the run)")
        continue
      }
      batchesOverThreshold = 0
      guard report.applied, report.loss.isFinite else {
        let layer: Int?
        switch report.nonFinite {
        case .layer(let i): layer = i
        default: layer = stepper.firstNonFiniteLayer
        }
        return .diverged(step: step + 1, .nonFinite(layer: layer))
      }
      let loss = report.loss - preprocessingLogDet
      if initialLoss == nil { initialLoss = loss }
      step += 1
      lossSum += loss
      lossCount += 1
      lastGradientNorm = report.gradientNorm
      if let onProgress {
        let now = Date().timeIntervalSince(start)
        if now - lastProgress >= 0.1 || step == totalSteps {
          lastProgress = now
          onProgress(TrainingProgress(step: step, totalSteps: totalSteps, loss: lossCount > 0 ? lossSum / Double(lossCount) : nil,
                                      validationNLL: lastValidation,
                                      stepsPerSecond: now > 0 ? Double(step - firstStep) / now : 0))
        }
      }
      if step % evalEvery == 0 || step == totalSteps {
        let record = evaluationRecord(learningRate: report.learningRate, elapsed: elapsed)
        try directory.appendMetrics(RunFileJSON.line(record))
        log(progressLine(record))
        lastValidation = record.validationNLL
        if let v = record.validationNLL, v < bestValidation {
          bestValidation = v
          try saveCheckpoint(directory.bestCheckpoint, elapsed: elapsed)
        }
      }
      // Without a validation set nothing chooses a best state: best.safetensors is the
      // final one.
      if step == totalSteps, data.validation.count == 0 {
        try saveCheckpoint(directory.bestCheckpoint, elapsed: elapsed)
      }
      if step % checkpointEvery == 0 || step == totalSteps {
        try saveCheckpoint(directory.lastCheckpoint, elapsed: elapsed)
        try onCheckpoint?(step)
      }
    }
    elapsedBefore = elapsed
    return .completed
  }

  // MARK: - Evaluation

  private func evaluationRecord(learningRate: Double, elapsed: Double) -> EvaluationRecord {
    let v: FlowEvaluator.Score? = data.validation.count > 0 ? evaluate(data.validation) : nil
    let train = lossCount > 0 ? lossSum / Double(lossCount) : nil
    lossSum = 0
    lossCount = 0
    return EvaluationRecord(step: step, trainNLL: train, validationNLL: v?.nll,
                            validationBitsPerDim: v?.bitsPerDimension, gradientNorm: lastGradientNorm,
                            learningRate: learningRate, elapsedSeconds: elapsed)
  }

  /// The score of `set` in data space (the preprocessing's Jacobian included), through
  /// the one evaluation path (`FlowEvaluator`).
  func evaluate(_ set: Dataset) -> FlowEvaluator.Score { evaluator.score(set) }

  // MARK: - Helpers

  /// Copies `rows` rows of row-major values into a reused matrix (reallocating only when
  /// the shape changes).
  private func fill(_ m: inout Matrix<T>, rows: Int, from values: [Float]) {
    let cols = graph.graph.dimension.value
    if m.rows != rows || m.cols != cols { m = Matrix<T>(rows: rows, cols: cols) }
    values.withUnsafeBufferPointer { src in
      m.storage.withUnsafeMutableBufferPointer { dst in
        for i in 0..<(rows * cols) { dst[i] = T(src[i]) }
      }
    }
  }

  private func progressLine(_ r: EvaluationRecord) -> String {
    var s = "step \(r.step)/\(totalSteps)"
    if let t = r.trainNLL { s += "  train \(formatFixed(t, 4))" }
    if let v = r.validationNLL { s += "  val \(formatFixed(v, 4))" }
    if let b = r.validationBitsPerDim { s += " (\(formatFixed(b, 3)) bits/dim)" }
    s += "  |g| \(formatFixed(r.gradientNorm, 3))  lr \(String(format: "%.3g", r.learningRate))  \(formatFixed(r.elapsedSeconds, 1)) s"
    return s
  }

  func saveCheckpoint(_ path: String, elapsed: Double) throws {
    let state = TrainerState(step: step, bestValidation: bestValidation, lossSum: lossSum, lossCount: lossCount,
                             gradientNorm: lastGradientNorm, elapsedSeconds: elapsed, sampler: data.samplerState,
                             noise: data.noise.state, initialLoss: initialLoss)
    try writeCheckpoint(path: path, spec: spec, graph: graph, flow: flow.stateSlots(), optimizer: stepper.optimizer.stateSlots(),
                        state: state)
  }

  /// Restores weights, optimizer moments, step, data position and generators.
  func restore(from path: String) throws {
    let c = try CheckpointFile(path: path)
    try flow.load(c.flow)
    try stepper.optimizer.load(c.optimizer)
    step = c.state.step
    bestValidation = c.state.bestValidation
    lossSum = c.state.lossSum
    lossCount = c.state.lossCount
    lastGradientNorm = c.state.gradientNorm
    elapsedBefore = c.state.elapsedSeconds
    initialLoss = c.state.initialLoss
    data.samplerState = c.state.sampler
    if let g = Xoshiro256(state: c.state.noise) { data.noise = g }
  }
}

/// The trainer's own state, saved in a checkpoint's metadata.
struct TrainerState: Codable, Sendable {
  var step: Int
  var bestValidation: Double
  var lossSum: Double
  var lossCount: Int
  var gradientNorm: Double
  var elapsedSeconds: Double
  var sampler: SamplerState
  var noise: [UInt64]
  /// The first step's data-space loss (absent in checkpoints of older flowc versions).
  var initialLoss: Double?
}
