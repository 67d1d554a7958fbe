import FlowcDiagnostics
import FlowcSpec

/// A resolved setting: its value, where it came from, and whether the spec wrote it
/// or the default applied (defaults point at their enclosing section).
package struct Setting<Value: Sendable>: Sendable {
  package var value: Value
  package var range: SourceRange
  package var isDefault: Bool

  package init(_ value: Value, at range: SourceRange, isDefault: Bool) {
    self.value = value
    self.range = range
    self.isDefault = isDefault
  }

  /// The spec's value if given, else the default located at `fallback`.
  package init(_ located: Located<Value>?, default value: Value, at fallback: SourceRange) {
    if let located {
      self.init(located.value, at: located.range, isDefault: false)
    } else {
      self.init(value, at: fallback, isDefault: true)
    }
  }
}

/// The sections outside the flow, with every default filled in: what `run` consumes
/// and what `diff` compares.
package struct RunSettings: Sendable {
  package var data: DataSettings
  package var train: TrainSettings
  package var eval: EvalSettings
  /// Memory budget in bytes.
  package var memoryLimit: Setting<Int>
}

package struct DataSettings: Sendable {
  package var source: Setting<DataSpec.Source>
  package var noise: Setting<Double>
  package var factor: Setting<Double>
  package var fresh: Setting<Bool>
  /// Fixed training-set size; nil means "all of the file" or "fresh batches".
  package var trainSize: Setting<Int>?
  /// Validation examples; for files, nil means 10 % of the training file.
  package var validationSize: Setting<Int>?
  package var path: Setting<String>?
  package var testPath: Setting<String>?
  /// The IDX label file of `path` (one label per example); nil: the rows carry no labels.
  /// The labels travel with the rows through shuffling and splitting, for `classes` and
  /// for whatever else reads a data set's labels.
  package var labels: Setting<String>?
  /// The IDX label file of `test_path`.
  package var testLabels: Setting<String>?
  /// The labels kept (`classes:`), each entry where the spec wrote it; nil keeps every example.
  package var classes: Setting<[Located<Int>]>?
  package var seed: Setting<Int>
  package var dequantize: Setting<Bool>
  package var levels: Setting<Int>
  package var logitAlpha: Setting<Double>?
  /// A conditional flow's context (`context:`); nil for an unconditional flow.
  package var context: ContextSettings?
  /// Every key the spec wrote in `data:` that has no effect, and why ("with data source
  /// 'moons'"), for `unused-setting` warnings.
  package var ignored: [(key: String, range: SourceRange, reason: String)]
}

/// `data.context:` with its defaults: the class labels a conditional flow conditions on,
/// or the CSV columns whose values it conditions on.
package struct ContextSettings: Sendable {
  /// `identity` exactly when `columns` is given (whatever `encoding:` says: a written
  /// one_hot or embedding then is a conflict in `conflicts`).
  package var encoding: Setting<ContextSpec.Encoding>
  /// K: labels lie in 0 ..< K (0 for a column context).
  package var numClasses: Setting<Int>
  /// The embedding's row width (its default with `encoding: embedding`; nil for one-hot).
  package var embeddingWidth: Setting<Int>?
  /// The header names of a column context, in the order the context takes them; nil for
  /// a class context.
  package var columns: Setting<[Located<String>]>?
  /// `standardize:`: a column context z-scored with the training rows' statistics
  /// (false for a class context).
  package var standardize: Setting<Bool>
  /// Keys written beside `columns` that describe a class context (`num_classes`,
  /// `embedding_width`, a class `encoding`): each a `context-columns-conflict`.
  package var conflicts: [(key: String, range: SourceRange)]
  /// The whole `context:` mapping.
  package var range: SourceRange

  package init(encoding: Setting<ContextSpec.Encoding>, numClasses: Setting<Int>, embeddingWidth: Setting<Int>?,
               columns: Setting<[Located<String>]>? = nil, standardize: Setting<Bool>? = nil,
               conflicts: [(key: String, range: SourceRange)] = [], range: SourceRange) {
    self.encoding = encoding
    self.standardize = standardize ?? Setting(false, at: range, isDefault: true)
    self.numClasses = numClasses
    self.embeddingWidth = embeddingWidth
    self.columns = columns
    self.conflicts = conflicts
    self.range = range
  }

  /// Whether the context is real-valued columns of the data file (not class labels).
  package var isColumns: Bool { columns != nil }

  /// The column names, in order (empty for a class context).
  package var columnNames: [String] { columns?.value.map(\.value) ?? [] }

  /// Values per encoded row, what every conditioner's context weight reads: K for
  /// one-hot, the embedding width for an embedding, the number of columns for a column
  /// context (0 when a size is invalid: the rules say so).
  package var width: Int {
    if let columns { return columns.value.count }
    let w = encoding.value == .oneHot ? numClasses.value : (embeddingWidth?.value ?? 0)
    return max(0, w)
  }

  /// The embedding table's entries (K × width), 0 for one-hot and columns.
  package var parameterCount: Int {
    encoding.value == .embedding ? max(0, numClasses.value).multipliedSaturating(by: width) : 0
  }

  /// `one_hot(10)`, `embedding(10 → 16)`, `columns(temperature, pressure)` or
  /// `columns(temperature) standardized`, as the IR prints it.
  package var description: String {
    if columns != nil { return "columns(\(columnNames.joined(separator: ", ")))" + (standardize.value ? " standardized" : "") }
    return encoding.value == .oneHot ? "one_hot(\(numClasses.value))" : "embedding(\(numClasses.value) → \(width))"
  }
}

package struct TrainSettings: Sendable {
  package var optimizer: Setting<TrainSpec.Optimizer>
  package var learningRate: Setting<Double>
  package var betas: Setting<[Double]>
  package var epsilon: Setting<Double>
  package var momentum: Setting<Double>
  package var weightDecay: Setting<Double>
  package var batchSize: Setting<Int>
  /// Exactly one of steps and epochs is set in a valid spec.
  package var steps: Setting<Int>?
  package var epochs: Setting<Int>?
  package var seed: Setting<Int>
  package var schedule: Setting<TrainSpec.Schedule>
  package var warmupSteps: Setting<Int>
  package var minLearningRate: Setting<Double>
  package var clipGradNorm: Setting<Double>?
  /// nil: a tenth of the run.
  package var evalEvery: Setting<Int>?
  /// nil: at every evaluation.
  package var checkpointEvery: Setting<Int>?
  /// The whole `train:` mapping.
  package var range: SourceRange
  /// Keys written that have no effect, and why, for `unused-setting` warnings.
  package var ignored: [(key: String, range: SourceRange, reason: String)]
}

package struct EvalSettings: Sendable {
  package var testSize: Setting<Int>
  package var seed: Setting<Int>
  package var samples: Setting<Int>
  package var batchSize: Setting<Int>
  package var temperature: Setting<Double>
}
