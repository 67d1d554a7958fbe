import FlowcDiagnostics
import FlowcSpec

/// A resolved setting: its value, where it came from, and whether the spec wrote it
/// or the default applied (defaults point at their enclosing section).
public struct Setting<Value: Sendable>: Sendable {
  public var value: Value
  public var range: SourceRange
  public var isDefault: Bool

  public init(_ value: Value, at range: SourceRange, isDefault: Bool) {
    self.value = value
    self.range = range
    self.isDefault = isDefault
  }

  /// The spec's value if given, else the default located at `fallback`.
  public init(_ located: Located<Value>?, default value: Value, at fallback: SourceRange) {
    if let located {
      self.init(located.value, at: located.range, isDefault: false)
    } else {
      self.init(value, at: fallback, isDefault: true)
    }
  }
}

/// The sections outside the flow, with every default filled in: what `run` consumes
/// and what `diff` compares.
public struct RunSettings: Sendable {
  public var data: DataSettings
  public var train: TrainSettings
  public var eval: EvalSettings
  /// Memory budget in bytes.
  public var memoryLimit: Setting<Int>
}

public struct DataSettings: Sendable {
  public var source: Setting<DataSpec.Source>
  public var noise: Setting<Double>
  public var factor: Setting<Double>
  public var fresh: Setting<Bool>
  /// Fixed training-set size; nil means "all of the file" or "fresh batches".
  public var trainSize: Setting<Int>?
  /// Validation examples; for files, nil means 10 % of the training file.
  public var validationSize: Setting<Int>?
  public var path: Setting<String>?
  public var testPath: Setting<String>?
  public var seed: Setting<Int>
  public var dequantize: Setting<Bool>
  public var levels: Setting<Int>
  public var logitAlpha: Setting<Double>?
  /// Every key the spec wrote in `data:` that has no effect, and why ("with data source
  /// 'moons'"), for `unused-setting` warnings.
  public var ignored: [(key: String, range: SourceRange, reason: String)]
}

public struct TrainSettings: Sendable {
  public var optimizer: Setting<TrainSpec.Optimizer>
  public var learningRate: Setting<Double>
  public var betas: Setting<[Double]>
  public var epsilon: Setting<Double>
  public var momentum: Setting<Double>
  public var weightDecay: Setting<Double>
  public var batchSize: Setting<Int>
  /// Exactly one of steps and epochs is set in a valid spec.
  public var steps: Setting<Int>?
  public var epochs: Setting<Int>?
  public var seed: Setting<Int>
  public var schedule: Setting<TrainSpec.Schedule>
  public var warmupSteps: Setting<Int>
  public var minLearningRate: Setting<Double>
  public var clipGradNorm: Setting<Double>?
  /// nil: a tenth of the run.
  public var evalEvery: Setting<Int>?
  /// nil: at every evaluation.
  public var checkpointEvery: Setting<Int>?
  /// The whole `train:` mapping.
  public var range: SourceRange
  /// Keys written that have no effect, and why, for `unused-setting` warnings.
  public var ignored: [(key: String, range: SourceRange, reason: String)]
}

public struct EvalSettings: Sendable {
  public var testSize: Setting<Int>
  public var seed: Setting<Int>
  public var samples: Setting<Int>
  public var batchSize: Setting<Int>
  public var temperature: Setting<Double>
}
