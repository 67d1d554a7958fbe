/// One optimisation step on one batch: zero the gradients, forward and backward (mean
/// NLL), clip, update. The loop around it (data order, epochs, checkpoints, logging)
/// belongs to the runner.
///
/// A step whose loss or gradient norm is not finite applies no update, so the parameters
/// stay those of the last good step; the report says which layer first went non-finite
/// and the runner decides to stop.
public final class TrainingStep<T: FlowScalar> {
  /// The model trained.
  public let flow: Flow<T>
  /// The update rule, over `flow.namedParameters`.
  public let optimizer: Optimizer<T>
  /// Learning rate per update.
  public var schedule: LearningRateSchedule
  /// Global gradient-norm bound, or nil for no clipping.
  public var clipNorm: Double?
  /// Workers that share each batch (nil: the flow alone on the calling thread).
  public let parallel: DataParallel<T>?
  /// Whether a step has run: the first step of a fresh flow runs on `flow` alone, so that
  /// data-dependent initialisation (ActNorm) sees the whole batch.
  private var hasStepped = false

  /// A training step for `flow` with a fresh optimizer.
  /// With `parallel` (whose master is `flow`), each batch is cut into slices that its
  /// workers run at once.
  public init(flow: Flow<T>, optimizer: OptimizerDescription, schedule: LearningRateSchedule, clipNorm: Double? = nil,
              parallel: DataParallel<T>? = nil) {
    if let c = clipNorm { precondition(c > 0, "clipping norm must be positive") }
    if let parallel { precondition(parallel.master === flow, "the workers' master must be the flow trained") }
    self.flow = flow
    self.parallel = parallel
    self.optimizer = Optimizer(optimizer, parameters: flow.namedParameters)
    self.schedule = schedule
    self.clipNorm = clipNorm
  }

  /// Runs one step on `batch` ([batch size, D]) in training mode.
  @_specialize(exported: true, where T == Float)
  @_specialize(exported: true, where T == Double)
  public func step(_ batch: Matrix<T>) -> StepReport {
    step(batch, context: nil)
  }

  /// Runs one step on `batch` whose raw context is `context` (nil: an unconditional flow,
  /// or, without workers, the context already set on the flow).
  @_specialize(exported: true, where T == Float)
  @_specialize(exported: true, where T == Double)
  public func step(_ batch: Matrix<T>, context: ContextRows?) -> StepReport {
    step(batch, context: context, maxLoss: nil)
  }

  /// Runs one step, applying no update when the batch's loss is over `maxLoss` (the
  /// report then says `overMaxLoss`): one outlier batch of a clipped run should not move
  /// the weights, and the caller decides when such batches mean the run has diverged.
  @_specialize(exported: true, where T == Float)
  @_specialize(exported: true, where T == Double)
  public func step(_ batch: Matrix<T>, context: ContextRows?, maxLoss: Double?) -> StepReport {
    flow.isTraining = true
    flow.zeroGradients()
    let rate = schedule.learningRate(atStep: optimizer.step)
    let result: FlowLoss
    // A resumed flow (updates already applied) has its ActNorms initialised: it goes to
    // the workers at once, as the uninterrupted run would, so resuming changes nothing.
    if let parallel, hasStepped || optimizer.step > 0 {
      result = parallel.lossAndGradients(batch, context: context)
    } else {
      if let context { flow.setContext(context) }
      result = flow.lossAndGradients(batch)
    }
    hasStepped = true
    if let maxLoss, result.nonFinite == nil, result.loss > maxLoss {
      return StepReport(step: optimizer.step, loss: result.loss, gradientNorm: .nan, learningRate: rate, nonFinite: nil, applied: false,
                        overMaxLoss: true)
    }
    guard result.nonFinite == nil else {
      return StepReport(step: optimizer.step, loss: result.loss, gradientNorm: .nan, learningRate: rate, nonFinite: result.nonFinite, applied: false)
    }
    let norm = clipNorm.map { clipGradientNorm(flow.parameters, maxNorm: $0) } ?? gradientNorm(flow.parameters)
    guard norm.isFinite else {
      return StepReport(step: optimizer.step, loss: result.loss, gradientNorm: norm, learningRate: rate, nonFinite: nil, applied: false)
    }
    optimizer.update(learningRate: rate)
    return StepReport(step: optimizer.step, loss: result.loss, gradientNorm: norm, learningRate: rate, nonFinite: nil, applied: true)
  }
}

extension TrainingStep {
  /// The first layer that went non-finite in the latest step's forward pass, in whichever
  /// worker's flow saw it.
  public var firstNonFiniteLayer: Int? { parallel?.firstNonFiniteLayer ?? flow.firstNonFiniteLayer }
}

/// What one training step did.
public struct StepReport: Sendable, Hashable {
  /// Updates applied so far, this one included when `applied`.
  public var step: Int
  /// Mean NLL of the batch before the update, in nats per sample.
  public var loss: Double
  /// Global gradient norm before clipping (NaN when the loss was not finite).
  public var gradientNorm: Double
  /// The learning rate used (or that would have been).
  public var learningRate: Double
  /// Where a non-finite value first appeared, when the loss was not finite.
  public var nonFinite: NonFiniteSource?
  /// Whether the parameters were updated.
  public var applied: Bool
  /// Whether the update was withheld because the loss was over the step's `maxLoss`.
  public var overMaxLoss: Bool = false
}
