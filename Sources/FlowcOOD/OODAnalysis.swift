import FlowData
import FlowRandom
import FlowcBuild
import FlowcRun

/// The settings of an analysis that are not its data.
package struct OODOptions: Sendable {
  /// The batch sizes M of the typicality test (one row of the table each).
  package var typicalityBatches: [Int] = [10]
  /// The compressors of the complexity score (one row of the table each).
  package var compressors: [Compressor] = [.png]
  /// At most this many training rows are scored for the typical bits/dim b̄.
  package var trainingRows: Int = 10_000
  /// The seed of the batches' random order.
  package var seed: UInt64 = 0

  package init() {}
}

/// A set scored: each input's bits/dim under the model (and the background model) and
/// its compressed size, all per dimension.
package struct ScoredSet: Sendable {
  package var set: OODSet
  /// b(x) = −log₂ p(x) / D of each row, through the model's `FlowEvaluator`.
  package var bitsPerDimension: [Double]
  /// The same under the background model.
  package var backgroundBitsPerDimension: [Double]?
  /// L(x) / D: each compressor's bits per dimension (image data only; empty otherwise).
  package var compressedBitsPerDimension: [Compressor: [Double]] = [:]

  package var count: Int { bitsPerDimension.count }

  /// The mean of the finite bits/dim (every input's when all are finite).
  package var meanBitsPerDimension: Double {
    let finite = bitsPerDimension.filter(\.isFinite)
    return finite.reduce(0, +) / Double(max(1, finite.count))
  }

  /// Inputs whose log-density is not a finite number (−∞ or NaN).
  package var nonFinite: Int { bitsPerDimension.count { !$0.isFinite } }
}

/// Everything `flowc ood` reports: the sets as scored and each score's metrics for every
/// OUT set against the IN set.
package struct OODAnalysis: Sendable {
  /// One line of the table.
  package struct Result: Sendable {
    package var score: OODScore
    /// Which OUT set (an index into `outSets`).
    package var out: Int
    /// How many values each side had (inputs, or batches for the batch test).
    package var inCount: Int
    package var outCount: Int
    package var metrics: DetectionMetrics
    /// The ROC curve, for the figure.
    package var roc: [(fpr: Double, tpr: Double)]
  }

  package var checkpoint: String
  package var modelName: String
  package var dimension: Int
  package var background: String?
  package var options: OODOptions
  /// b̄: the mean bits/dim of `typicalRows` training rows.
  package var typicalBitsPerDimension: Double
  package var typicalRows: Int
  package var inSet: ScoredSet
  package var outSets: [ScoredSet]
  package var results: [Result]
  /// The image shape and levels of the model's data, nil for vectors.
  var image: EightBit?

  /// Scores `inSet`, every OUT set and up to `options.trainingRows` of `training` with
  /// `model` (and `background`), then computes every score's metrics.
  ///
  /// - Parameters:
  ///   - checkpoint: the model's checkpoint path, for the report.
  ///   - background: the background model and its checkpoint path, for the likelihood ratio.
  /// - Throws: `OODError` when the background model's data have another dimension or shape.
  package static func run(model: TrainedModel, checkpoint: String, background: (model: TrainedModel, path: String)?,
                          in inSet: OODSet, out outSets: [OODSet], training: Dataset, options: OODOptions) throws -> OODAnalysis {
    let g = model.graph.graph
    let shape = g.shape?.value.map(\.value)
    if let b = background?.model {
      let bShape = b.graph.graph.shape?.value.map(\.value)
      guard b.dimension == model.dimension, shape == nil || bShape == nil || bShape == shape else {
        func text(_ m: TrainedModel, _ s: [Int]?) -> String {
          s.map { $0.map(String.init).joined(separator: "×") + " images" } ?? "\(m.dimension)-dimensional data"
        }
        throw OODError("the background model \(background!.path) models \(text(b, bShape)) but the model models \(text(model, shape)); "
          + "train the background on data of the same shape")
      }
    }
    let levels = g.settings.data.levels.value
    let image = shape.flatMap { $0.count >= 2 && model.preprocessing.reportsBitsPerDimension && levels <= 256 ? EightBit(shape: $0, levels: levels) : nil }

    func bits(_ m: TrainedModel, _ d: Dataset) -> [Double] {
      m.logDensity(d).map { bitsPerDimension(nats: -$0, dimension: m.dimension) }
    }
    func scored(_ s: OODSet) -> ScoredSet {
      var compressed: [Compressor: [Double]] = [:]
      if let img = image {
        for c in options.compressors {
          compressed[c] = (0..<s.data.count).map { r in
            let p = img.planes(s.data.values[r * s.data.dimension..<(r + 1) * s.data.dimension])
            return Double(c.bits(p.pixels, width: p.width, height: p.height)) / Double(s.data.dimension)
          }
        }
      }
      return ScoredSet(set: s, bitsPerDimension: bits(model, s.data), backgroundBitsPerDimension: background.map { bits($0.model, s.data) },
                       compressedBitsPerDimension: compressed)
    }

    let trainingRows = training.rows(0..<min(training.count, max(1, options.trainingRows)))
    let trainingBits = bits(model, trainingRows).filter(\.isFinite)
    let typical = trainingBits.reduce(0, +) / Double(max(1, trainingBits.count))
    var analysis = OODAnalysis(
      checkpoint: checkpoint, modelName: g.name, dimension: model.dimension, background: background?.path, options: options,
      typicalBitsPerDimension: typical, typicalRows: trainingRows.count, inSet: scored(inSet), outSets: outSets.map(scored),
      results: [], image: image)
    analysis.results = analysis.computeResults()
    return analysis
  }

  /// The scores that apply: the likelihood ratio needs a background model, complexity
  /// image data.
  package var scores: [OODScore] {
    var s: [OODScore] = [.likelihood, .typicality]
    s += options.typicalityBatches.map { .typicalityBatch(size: $0) }
    if image != nil { s += options.compressors.map { .complexity($0) } }
    if background != nil { s.append(.likelihoodRatio) }
    return s
  }

  /// The values of `score` on a set (one per input, or per batch), NaN counted as the
  /// most out-of-distribution value (+∞).
  func values(_ score: OODScore, _ s: ScoredSet, stream: String) -> [Double] {
    let b = s.bitsPerDimension
    let raw: [Double]
    switch score {
    case .likelihood: raw = b
    case .typicality: raw = b.map { abs($0 - typicalBitsPerDimension) }
    case .typicalityBatch(let m):
      var rng = Xoshiro256(seed: options.seed, stream: "typicality-batches-" + stream)
      let order = rng.permutation(b.count)
      raw = stride(from: 0, to: b.count - m + 1, by: m).map { start in
        abs(order[start..<start + m].reduce(0) { $0 + b[$1] } / Double(m) - typicalBitsPerDimension)
      }
    case .complexity(let c): raw = zip(b, s.compressedBitsPerDimension[c] ?? []).map { $0 - $1 }
    case .likelihoodRatio: raw = zip(b, s.backgroundBitsPerDimension ?? []).map { $0 - $1 }
    }
    return raw.map { $0.isNaN ? .infinity : $0 }
  }

  func computeResults() -> [Result] {
    var out: [Result] = []
    for (k, o) in outSets.enumerated() {
      for score in scores {
        let a = values(score, inSet, stream: "in")
        let b = values(score, o, stream: "out-\(k)")
        guard !a.isEmpty, !b.isEmpty else { continue }  // fewer inputs than one batch
        out.append(Result(score: score, out: k, inCount: a.count, outCount: b.count, metrics: DetectionMetrics(in: a, out: b),
                          roc: rocCurve(in: a, out: b)))
      }
    }
    return out
  }
}
