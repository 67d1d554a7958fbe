import FlowcDiagnostics

/// `data:`, where training, validation and test examples come from.
public struct DataSpec: Sendable {
  public enum Source: String, Sendable, CaseIterable {
    case moons, circles
    case eightGaussians = "eight_gaussians"
    case checkerboard
    case twoSpirals = "two_spirals"
    case pinwheel
    case csv, npy, idx

    /// Sources generated from a seed rather than read from a file.
    public var isToy: Bool {
      switch self {
      case .csv, .npy, .idx: false
      default: true
      }
    }
  }

  public var source: Located<Source>?
  /// `noise:`; std of the Gaussian noise of a toy source.
  public var noise: Located<Double>?
  /// `factor:`; the inner circle's radius relative to the outer (circles).
  public var factor: Located<Double>?
  /// `fresh:`; toy data drawn anew for every batch (true) or a fixed training set.
  public var fresh: Located<Bool>?
  /// `train_size:`; size of the fixed training set (toy sources with fresh: false, or a cap for files).
  public var trainSize: Located<Int>?
  /// `validation_size:`; examples held out for validation.
  public var validationSize: Located<Int>?
  /// `path:`; the training file.
  public var path: Located<String>?
  /// `test_path:`; the test file; without it the test set is split from `path`.
  public var testPath: Located<String>?
  /// `seed:`; the seed of the data streams (default: train.seed).
  public var seed: Located<Int>?
  public var preprocess: PreprocessSpec?
  public var range: SourceRange

  public init(range: SourceRange) {
    self.range = range
  }
}

/// `data.preprocess:`, the image preprocessing chain (its Jacobians enter bits/dim).
public struct PreprocessSpec: Sendable {
  /// `dequantize:`; add U[0,1) noise to integer data (true for images).
  public var dequantize: Located<Bool>?
  /// `levels:`; number of intensity levels (256 for 8-bit); data are divided by it.
  public var levels: Located<Int>?
  /// `logit_alpha:`; apply Real NVP's logit transform with this alpha (0.05 in the paper).
  public var logitAlpha: Located<Double>?
  public var range: SourceRange

  public init(range: SourceRange) {
    self.range = range
  }
}

/// `train:`, the optimisation settings.
public struct TrainSpec: Sendable {
  public enum Optimizer: String, Sendable, CaseIterable {
    case adam, adamw, sgd
  }
  public enum Schedule: String, Sendable, CaseIterable {
    case constant, cosine, linear
  }

  public var optimizer: Located<Optimizer>?
  /// `lr:`
  public var learningRate: Located<Double>?
  public var betas: Located<[Located<Double>]>?
  /// `eps:`; Adam's epsilon.
  public var epsilon: Located<Double>?
  public var momentum: Located<Double>?
  public var weightDecay: Located<Double>?
  public var batchSize: Located<Int>?
  public var steps: Located<Int>?
  public var epochs: Located<Int>?
  public var seed: Located<Int>?
  public var schedule: Located<Schedule>?
  public var warmupSteps: Located<Int>?
  /// `min_lr:`; where a cosine or linear schedule ends.
  public var minLearningRate: Located<Double>?
  /// `clip_grad_norm:`; clip the global gradient norm to this.
  public var clipGradNorm: Located<Double>?
  /// `eval_every:`; steps between validation passes and metric lines.
  public var evalEvery: Located<Int>?
  /// `checkpoint_every:`; steps between checkpoints.
  public var checkpointEvery: Located<Int>?
  public var range: SourceRange

  public init(range: SourceRange) {
    self.range = range
  }
}

/// `eval:`, how the trained flow is scored and sampled.
public struct EvalSpec: Sendable {
  /// `test_size:`; held-out points for toy sources.
  public var testSize: Located<Int>?
  /// `seed:`; the seed of the test draws, separate from training's.
  public var seed: Located<Int>?
  /// `samples:`; samples drawn from the trained flow.
  public var samples: Located<Int>?
  /// `batch_size:`; evaluation batch size.
  public var batchSize: Located<Int>?
  /// `temperature:`; prior std scale for samples (Glow).
  public var temperature: Located<Double>?
  public var range: SourceRange

  public init(range: SourceRange) {
    self.range = range
  }
}

/// `limits:`, resource budgets checked before anything is allocated.
public struct LimitsSpec: Sendable {
  /// `memory:`; bytes for parameters, optimizer state and a batch's activations,
  /// written as a number of bytes or with a unit (`4 GiB`, `512 MiB`).
  public var memory: Located<Int>?
  public var range: SourceRange

  public init(range: SourceRange) {
    self.range = range
  }
}
