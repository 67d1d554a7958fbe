import FlowData
import FlowRandom
import FlowcIR

/// The data of a run, made from the spec's `data:` and `eval:` settings: where training
/// batches come from, the validation and test sets, and the preprocessing chain.
///
/// Every random draw has its own named stream of the data seed (training batches,
/// validation set, dequantization noise) or of the eval seed (the test set), so changing
/// one never shifts another, and the test set does not depend on the training seed.
package struct DataPlan: Sendable {
  /// Training batches come from exactly one of these: toy draws (fresh or a fixed set)
  /// or a file's training rows. Two optionals rather than an enum with payloads, so that
  /// drawing a batch mutates the sampler in place instead of copying its index arrays.
  package var toy: ToySampler?
  package var rows: BatchSampler?

  /// The sampler's state, saved in checkpoints.
  package var samplerState: SamplerState {
    get { toy?.state ?? rows!.state }
    set {
      if toy != nil { toy!.state = newValue } else { rows!.state = newValue }
    }
  }

  /// The validation set; empty (count 0) with `validation_size: 0`, when no validation
  /// NLL is computed and best.safetensors holds the final weights.
  package var validation: Dataset
  package var test: Dataset
  /// Dequantize / scale / logit, or the identity.
  package var preprocessing: Preprocessing
  /// Training rows per epoch (nil for fresh toy draws).
  package var trainingRows: Int?
  /// The generator of dequantization noise for training batches.
  package var noise: Xoshiro256

  /// Builds the plan, reading files as needed.
  ///
  /// A file is read in the format its `source:` declares, shuffled with the data seed and
  /// split: the test set is `test_path` if given, else `eval.test_size` rows but at most
  /// a fifth of the file; then `validation_size` rows (default a tenth of the rest) for
  /// validation; the rest, capped by `train_size`, for training. Too few rows for that
  /// (no test row, no validation row unless `validation_size: 0`, no training row) is an
  /// error naming the sizes, never an empty or reused set.
  /// - Throws: `DataError` naming the file and what is wrong (missing, malformed, in
  ///   another format than declared, the wrong dimension for the flow, too few rows).
  package static func make(_ g: FlowGraph) throws -> DataPlan {
    let d = g.settings.data
    let e = g.settings.eval
    let seed = UInt64(bitPattern: Int64(d.seed.value))
    let evalSeed = UInt64(bitPattern: Int64(e.seed.value))
    let preprocessing = try makePreprocessing(g)

    if let toy = ToySource(rawValue: d.source.value.rawValue) {
      var options = ToyOptions()
      if toy == .moons || toy == .circles { options.noise = d.noise.value }
      if toy == .circles { options.factor = d.factor.value }
      var validationGenerator = Xoshiro256(seed: seed, stream: "validation")
      var testGenerator = Xoshiro256(seed: evalSeed, stream: "test")
      let validation = try toy.sample(count: max(0, d.validationSize?.value ?? ResourceEstimate.defaultToyValidationSize), options: options, generator: &validationGenerator)
      let test = try toy.sample(count: e.testSize.value, options: options, generator: &testGenerator)
      let mode: ToySampler.Mode = d.fresh.value ? .fresh : .fixed(count: d.trainSize?.value ?? 1)
      let sampler = try ToySampler(source: toy, options: options, mode: mode, generator: Xoshiro256(seed: seed, stream: "train"))
      return DataPlan(toy: sampler, rows: nil, validation: validation, test: test, preprocessing: preprocessing,
                      trainingRows: d.fresh.value ? nil : d.trainSize?.value,
                      noise: Xoshiro256(seed: seed, stream: "dequantize"))
    }

    // A file source: read in the declared format, check the dimension, keep the classes
    // asked for, shuffle with the data seed, split.
    let path = d.path?.value ?? ""
    let all = try readFile(path, labels: d.labels?.value, g)
    // The shuffle is an order of row indices; each part takes its rows from `all` in that
    // order, and the sampler gathers the training rows straight into bytes, so the file's
    // rows are never copied whole in Float (a shuffled copy, the rest after the test rows,
    // the training part) on their way to the sampler.
    var shuffle = Xoshiro256(seed: seed, stream: "split")
    let order = shuffle.permutation(all.count)
    var test: Dataset
    var rest = order[...]
    if let testPath = d.testPath?.value {
      test = try readFile(testPath, labels: d.testLabels?.value, g)
    } else {
      let n = min(e.testSize.value, all.count / 5)
      guard n >= 1 else {
        throw DataError(path: path, .tooFewRows(rows: all.count, needed:
          "the test set takes eval.test_size (\(e.testSize.value)) rows but at most a fifth of the file, which is none of \(all.count); "
          + "give at least 5 rows, or a separate 'test_path'"))
      }
      test = all.rows(order[0..<n])
      rest = order[n...]
    }
    let heldOut = d.testPath == nil ? " after the \(test.count) test rows" : ""
    let validationCount: Int
    if let v = d.validationSize?.value {
      guard v < rest.count else {
        throw DataError(path: path, .tooFewRows(rows: all.count, needed:
          "'validation_size' is \(v), but \(rest.count) \(rest.count == 1 ? "row remains" : "rows remain")\(heldOut), and training needs at least one; "
          + "lower 'validation_size' (0 trains without validation)"))
      }
      validationCount = v
    } else {
      validationCount = rest.count / 10
      guard validationCount >= 1 else {
        throw DataError(path: path, .tooFewRows(rows: all.count, needed:
          "the validation set is a tenth of the \(rest.count) \(rest.count == 1 ? "row" : "rows")\(heldOut), which is none; "
          + "set 'validation_size' (0 trains without validation), or give more rows"))
      }
    }
    let validation = all.rows(rest.prefix(validationCount))
    var trainOrder = rest.dropFirst(validationCount)
    if let cap = d.trainSize?.value, cap < trainOrder.count { trainOrder = trainOrder.prefix(cap) }
    return DataPlan(toy: nil, rows: BatchSampler(rows: trainOrder, of: all, generator: Xoshiro256(seed: seed, stream: "train")),
                    validation: validation, test: test, preprocessing: preprocessing,
                    trainingRows: trainOrder.count, noise: Xoshiro256(seed: seed, stream: "dequantize"))
  }

  /// The test set exactly as `make` builds it, reading only the test file when the spec
  /// has one (`test_path`), else everything `make` reads.
  /// - Throws: `DataError`, as `make`.
  package static func testSet(_ g: FlowGraph) throws -> Dataset {
    let d = g.settings.data
    guard !d.source.value.isToy, let testPath = d.testPath?.value else { return try make(g).test }
    return try readFile(testPath, labels: d.testLabels?.value, g)
  }

  /// One data file of a file source: its rows with the labels of `labels` attached and,
  /// for a column context, the context columns split off the features, checked against
  /// the flow's dimension and shape, restricted to `data.classes`.
  package static func readFile(_ path: String, labels: String?, _ g: FlowGraph) throws -> Dataset {
    // The declared source decides the format, whatever the file's name.
    let context = g.settings.data.context
    var data = try readDataset(path, format: DataFormat(rawValue: g.settings.data.source.value.rawValue), labels: labels,
                               contextColumns: context?.isColumns == true ? context!.columnNames : nil)
    try data.checkFits(dimension: g.dimension.value, shape: g.shape?.value.map(\.value))
    // Every label, not only the kept classes: a label file with labels the context cannot
    // encode is the wrong file, whichever classes this run keeps.
    if let c = context, !c.isColumns, let labels { try data.checkLabels(below: c.numClasses.value, labelsPath: labels) }
    if let classes = g.settings.data.classes?.value.map(\.value) { data = try data.selectingClasses(classes) }
    return data
  }

  /// The preprocessing chain of `data.preprocess`: dequantize, then scale by `levels`
  /// (image data), then logit with alpha.
  package static func makePreprocessing(_ g: FlowGraph) throws -> Preprocessing {
    let d = g.settings.data
    var steps: [PreprocessStep] = []
    if d.dequantize.value { steps.append(.dequantize) }
    if d.source.value == .idx || d.dequantize.value { steps.append(.scale(levels: d.levels.value)) }
    if let a = d.logitAlpha { steps.append(.logit(alpha: a.value)) }
    return try Preprocessing(steps)
  }

  /// The next training batch, preprocessed with fresh noise, written into `values` (row
  /// after row) with each row's preprocessing log|det| in `logDet`; both buffers are
  /// reused, so a step allocates nothing here once their sizes are set. Returns the row
  /// count and the mean log|det| (subtracted from the flow's loss to report NLL in data
  /// space).
  /// When `labels` is not nil, the batch's class labels replace it, and when `context`
  /// is not nil, the batch's real-valued context rows replace it (the context of a
  /// conditional flow, whose rules require a file source with labels or context columns).
  package mutating func nextBatch(_ size: Int, into values: inout [Float], logDet: inout [Double], labels: inout [Int]?,
                                  context: inout [Float]?) -> (rows: Int, meanLogDet: Double)
  {
    let n: Int
    if labels != nil {
      n = rows!.nextBatch(size, into: &values, labels: &labels!)
    } else if context != nil {
      n = rows!.nextBatch(size, into: &values, context: &context!)
    } else {
      n = toy != nil ? toy!.nextBatch(size, into: &values) : rows!.nextBatch(size, into: &values)
    }
    guard !preprocessing.steps.isEmpty else { return (n, 0) }
    preprocessing.apply(to: &values, dimension: values.count / max(1, n), generator: &noise, logDet: &logDet)
    var sum = 0.0
    for v in logDet { sum += v }
    return (n, sum / Double(max(1, n)))
  }
}
