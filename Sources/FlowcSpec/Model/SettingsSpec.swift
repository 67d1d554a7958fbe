import FlowcDiagnostics

/// `data:`, where training, validation and test examples come from.
package struct DataSpec: Sendable {
  package enum Source: String, Sendable, CaseIterable {
    case moons, circles
    case eightGaussians = "eight_gaussians"
    case checkerboard
    case twoSpirals = "two_spirals"
    case pinwheel
    case csv, npy, idx

    /// Sources generated from a seed rather than read from a file.
    package var isToy: Bool {
      switch self {
      case .csv, .npy, .idx: false
      default: true
      }
    }
  }

  package var source: Located<Source>?
  /// `noise:`; std of the Gaussian noise of a toy source.
  package var noise: Located<Double>?
  /// `factor:`; the inner circle's radius relative to the outer (circles).
  package var factor: Located<Double>?
  /// `fresh:`; toy data drawn anew for every batch (true) or a fixed training set.
  package var fresh: Located<Bool>?
  /// `train_size:`; size of the fixed training set (toy sources with fresh: false, or a cap for files).
  package var trainSize: Located<Int>?
  /// `validation_size:`; examples held out for validation.
  package var validationSize: Located<Int>?
  /// `path:`; the training file.
  package var path: Located<String>?
  /// `test_path:`; the test file; without it the test set is split from `path`.
  package var testPath: Located<String>?
  /// `labels:`; an IDX label file, one label per example of `path`.
  package var labels: Located<String>?
  /// `test_labels:`; the IDX label file of `test_path`.
  package var testLabels: Located<String>?
  /// `classes:`; keep only examples whose label is listed.
  package var classes: Located<[Located<Int>]>?
  /// `seed:`; the seed of the data streams (default: train.seed).
  package var seed: Located<Int>?
  package var preprocess: PreprocessSpec?
  /// `context:`; what a conditional flow conditions on.
  package var context: ContextSpec?
  package var range: SourceRange

  package init(range: SourceRange) {
    self.range = range
  }
}

/// `data.context:`, the context of a conditional flow, fed to every conditioner network
/// and to a `conditional_normal` prior: each example's class label (from `labels` and
/// `test_labels`), encoded one-hot or by a learned embedding, or the real values of named
/// columns of a CSV file (`columns:`), fed as they are.
package struct ContextSpec: Sendable {
  package enum Encoding: String, Sendable, CaseIterable {
    /// Class k is the unit vector e_k of width `num_classes`.
    case oneHot = "one_hot"
    /// Class k is row k of a learned [num_classes, embedding_width] table.
    case embedding
    /// The values of the `columns` as they are (the only encoding of a column context).
    case identity
  }

  /// `encoding:`
  package var encoding: Located<Encoding>?
  /// `columns:`; the CSV header names whose values are the context (they leave the features).
  package var columns: Located<[Located<String>]>?
  /// `standardize:`; z-score each context column with the training rows' mean and std.
  package var standardize: Located<Bool>?
  /// `num_classes:`; labels lie in 0 ..< num_classes.
  package var numClasses: Located<Int>?
  /// `embedding_width:`; the width of an embedding row.
  package var embeddingWidth: Located<Int>?
  package var range: SourceRange

  package init(range: SourceRange) {
    self.range = range
  }
}

/// `data.preprocess:`, the image preprocessing chain (its Jacobians enter bits/dim).
package struct PreprocessSpec: Sendable {
  /// `dequantize:`; add U[0,1) noise to integer data (true for images).
  package var dequantize: Located<Bool>?
  /// `levels:`; number of intensity levels (256 for 8-bit); data are divided by it.
  package var levels: Located<Int>?
  /// `logit_alpha:`; apply Real NVP's logit transform with this alpha (0.05 in the paper).
  package var logitAlpha: Located<Double>?
  package var range: SourceRange

  package init(range: SourceRange) {
    self.range = range
  }
}

/// `train:`, the optimisation settings.
package struct TrainSpec: Sendable {
  package enum Optimizer: String, Sendable, CaseIterable {
    case adam, adamw, sgd
  }
  package enum Schedule: String, Sendable, CaseIterable {
    case constant, cosine, linear
  }

  package var optimizer: Located<Optimizer>?
  /// `lr:`
  package var learningRate: Located<Double>?
  package var betas: Located<[Located<Double>]>?
  /// `eps:`; Adam's epsilon.
  package var epsilon: Located<Double>?
  package var momentum: Located<Double>?
  package var weightDecay: Located<Double>?
  package var batchSize: Located<Int>?
  package var steps: Located<Int>?
  package var epochs: Located<Int>?
  package var seed: Located<Int>?
  package var schedule: Located<Schedule>?
  package var warmupSteps: Located<Int>?
  /// `min_lr:`; where a cosine or linear schedule ends.
  package var minLearningRate: Located<Double>?
  /// `clip_grad_norm:`; clip the global gradient norm to this.
  package var clipGradNorm: Located<Double>?
  /// `eval_every:`; steps between validation passes and metric lines.
  package var evalEvery: Located<Int>?
  /// `checkpoint_every:`; steps between checkpoints.
  package var checkpointEvery: Located<Int>?
  package var range: SourceRange

  package init(range: SourceRange) {
    self.range = range
  }
}

/// `eval:`, how the trained flow is scored and sampled.
package struct EvalSpec: Sendable {
  /// `test_size:`; held-out points for toy sources.
  package var testSize: Located<Int>?
  /// `seed:`; the seed of the test draws, separate from training's.
  package var seed: Located<Int>?
  /// `samples:`; samples drawn from the trained flow.
  package var samples: Located<Int>?
  /// `batch_size:`; evaluation batch size.
  package var batchSize: Located<Int>?
  /// `temperature:`; prior std scale for samples (Glow).
  package var temperature: Located<Double>?
  package var range: SourceRange

  package init(range: SourceRange) {
    self.range = range
  }
}

/// `limits:`, resource budgets checked before anything is allocated.
package struct LimitsSpec: Sendable {
  /// `memory:`; bytes for parameters, optimizer state and a batch's activations,
  /// written as a number of bytes or with a unit (`4 GiB`, `512 MiB`).
  package var memory: Located<Int>?
  package var range: SourceRange

  package init(range: SourceRange) {
    self.range = range
  }
}
