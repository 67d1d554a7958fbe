import FlowData
import FlowRandom
import FlowRuntime
import FlowcIR

/// The one path from data-space rows to what a flow says about them: log-densities,
/// scores in nats and bits per dimension, samples, latents and the inverse round trip.
/// The trainer's validation and test scores, `flowc eval`, `flowc sample` and the
/// figures all go through it, so they give the same numbers on the same checkpoint.
///
/// Work goes in batches of `batchSize` rows (the spec's `eval.batch_size`), so memory
/// stays bounded whatever the number of rows. Each call switches the flow to evaluation
/// mode (running statistics, no initialisation) and restores its mode afterwards.
package struct FlowEvaluator {
  package let flow: AnyFlow
  /// The spec's preprocessing chain (its log|det| enters every log-density).
  package let preprocessing: Preprocessing
  package let batchSize: Int
  /// The data's image shape, carried to samples and decoded rows.
  package let shape: [Int]?
  /// The seed of the dequantization noise when scoring (the spec's `eval.seed`): the
  /// same model always gets the same score.
  package let scoringSeed: UInt64
  /// Builds the same flow in Float64 with the same weights (nil if it cannot, or the flow
  /// is Float64 already): test rows that do not invert in Float32 are inverted again there
  /// (`roundTrip`), and samples that come out non-finite are made again from the same
  /// latents (`sample`). Set by the `ValidatedGraph` initialiser; change it only before
  /// the first use: the flow built is kept, with the weights it copied then (the runner
  /// builds it only after training).
  package var float64Replay: (() -> AnyFlow?)?
  /// The replay flow, built on first use and kept (a class, so copies of the evaluator share it).
  private let replayCache = ReplayCache()

  package init(flow: AnyFlow, preprocessing: Preprocessing, batchSize: Int, shape: [Int]?, scoringSeed: UInt64) {
    self.flow = flow
    self.preprocessing = preprocessing
    self.batchSize = max(1, batchSize)
    self.shape = shape
    self.scoringSeed = scoringSeed
  }

  /// The flow's number of features.
  package var dimension: Int { flow.dimension }

  /// Whether the flow conditions on a context (class labels or real values).
  package var isConditional: Bool { flow.isConditional }

  /// Values per raw context row: 1 label, or the width of a real-valued context.
  var contextWidth: Int {
    guard let e = flow.contextEncoding else { return 0 }
    return e.isClassLabel ? 1 : e.width
  }

  /// The context of a batch of rows for a conditional flow, nil otherwise: their labels
  /// for a class context (the data plan attaches them and checks their range), their
  /// context columns for a real-valued one.
  func context(of rows: Dataset) -> ContextRows? {
    guard let encoding = flow.contextEncoding else { return nil }
    if encoding.isClassLabel {
      guard let labels = rows.labels else { preconditionFailure("a conditional flow scored rows without labels") }
      return .labels(labels)
    }
    guard let values = rows.context, rows.contextWidth == encoding.width else {
      preconditionFailure("a flow conditioned on \(encoding.width) values scored rows without that context")
    }
    return .values(values)
  }

  /// A data set's score: the mean negative log-likelihood in nats, bits per dimension
  /// where the data are images, and each row's negative log-likelihood.
  package struct Score: Sendable {
    package var nll: Double
    package var bitsPerDimension: Double?
    package var perRow: [Double]
  }

  /// Runs `body` with the flow in evaluation mode.
  private func evaluating<R>(_ body: () throws -> R) rethrows -> R {
    let wasTraining = flow.isTraining
    flow.isTraining = false
    defer { flow.isTraining = wasTraining }
    return try body()
  }

  /// log p(x) of each data-space row: the flow's log-density of the preprocessed row plus
  /// the preprocessing's log|det|. Dequantization noise comes from `seed` (default: the
  /// scoring seed).
  package func logDensities(_ data: Dataset, seed: UInt64? = nil) -> [Double] {
    evaluating {
      var noise = Xoshiro256(seed: seed ?? scoringSeed, stream: "eval-dequantize")
      var out: [Double] = []
      out.reserveCapacity(data.count)
      for range in data.batchRanges(of: batchSize) {
        let part = data.rows(range)
        let (x, ld) = preprocessing.apply(to: part, generator: &noise)
        let lp = flow.logProb(x.values, rows: x.count, context: context(of: part))
        for r in lp.indices { out.append(lp[r] + ld[r]) }
      }
      return out
    }
  }

  /// The score of `data` (see `Score`).
  package func score(_ data: Dataset) -> Score {
    let perRow = logDensities(data).map { -$0 }
    let nll = perRow.reduce(0, +) / Double(max(1, perRow.count))
    return Score(nll: nll, bitsPerDimension: preprocessing.reportsBitsPerDimension ? bitsPerDimension(nats: nll, dimension: dimension) : nil,
                 perRow: perRow)
  }

  /// `count` samples in data space (the inverse preprocessing applied), made in batches:
  /// prior draws at `temperature` from the stream `samples` of `seed`, mapped through the
  /// inverse flow. Batching consumes the generator exactly as one large draw would, so the
  /// samples do not depend on the batch size. `body` receives each batch in order.
  ///
  /// A conditional flow takes the context of each sample in `context` (`count` rows: a
  /// class each, or the real values of a column context); samples of a class context
  /// carry their classes as their labels.
  ///
  /// A Float32 flow's sample whose inverse pass overflows (a deep chain can round a
  /// latent's image to infinity: a sigmoid scale that underflows, then a division by it)
  /// is made again from the same latent in Float64 with the same weights
  /// (`float64Replay`), as the round trip replays its failing rows; the return value is
  /// the number of samples so made. Only what is non-finite in Float64 too stays so.
  @discardableResult
  package func sample(count: Int, temperature: Double, seed: UInt64, context: ContextRows? = nil,
                      _ body: (Dataset) throws -> Void) rethrows -> Int {
    let w = contextWidth
    precondition(!flow.isConditional || context?.count(width: w) == count, "a conditional flow samples with one context row per sample")
    return try evaluating {
      var rng = Xoshiro256(seed: seed, stream: "samples")
      var done = 0, regenerated = 0
      let d = dimension
      while done < count {
        let n = min(batchSize, count - done)
        let batchContext = flow.isConditional ? context!.rows(done..<(done + n), width: w) : nil
        var values: [Float]
        if case .float32 = flow, float64Replay != nil {
          // The prior's draws, then the inverse: what `flow.sample` does (the same draws
          // from the same generator), with the latents kept for the replay.
          let z = flow.priorSample(count: n, temperature: temperature, rng: &rng, context: batchContext)
          values = flow.inverse(z, rows: n, context: batchContext)
          let bad = (0..<n).filter { r in !values[(r * d)..<((r + 1) * d)].allSatisfy(\.isFinite) }
          // The Float64 copy is built only when a sample needs it.
          if !bad.isEmpty, let replay = replayFlow() {
            let again = replay.inverse(bad.flatMap { z[($0 * d)..<(($0 + 1) * d)] }, rows: bad.count,
                                       context: batchContext.map { failingContext($0, bad) })
            for (k, r) in bad.enumerated() {
              values.replaceSubrange((r * d)..<((r + 1) * d), with: again[(k * d)..<((k + 1) * d)])
            }
            regenerated += bad.count
          }
        } else {
          values = flow.sample(count: n, temperature: temperature, rng: &rng, context: batchContext)
        }
        preprocessing.invert(&values)
        try body(Dataset(values: values, count: n, dimension: dimension, shape: shape, labels: batchContext?.labels, source: "samples"))
        done += n
      }
      return regenerated
    }
  }

  /// The Float64 replay flow, built once for the round trip and the samples alike (nil for
  /// a Float64 flow or without `float64Replay`).
  private func replayFlow() -> AnyFlow? {
    guard case .float32 = flow, let float64Replay else { return nil }
    if !replayCache.built {
      replayCache.flow = float64Replay()
      replayCache.flow?.isTraining = false
      replayCache.built = true
    }
    return replayCache.flow
  }

  /// `count` samples gathered in one data set (for counts that fit in memory).
  package func samples(count: Int, temperature: Double, seed: UInt64, context: ContextRows? = nil) -> Dataset {
    var values: [Float] = []
    values.reserveCapacity(count * dimension)
    sample(count: count, temperature: temperature, seed: seed, context: context) { values += $0.values }
    return Dataset(values: values, count: count, dimension: dimension, shape: shape,
                   labels: flow.isConditional ? context?.labels : nil, source: "samples")
  }

  /// z = f(x) of data-space rows (through the preprocessing, dequantization noise from
  /// `seed`), `dimension` values a row.
  package func encode(_ data: Dataset, seed: UInt64 = 0) -> [Float] {
    evaluating {
      var noise = Xoshiro256(seed: seed, stream: "eval-dequantize")
      var out: [Float] = []
      out.reserveCapacity(data.values.count)
      for range in data.batchRanges(of: batchSize) {
        let part = data.rows(range)
        let (x, _) = preprocessing.apply(to: part, generator: &noise)
        out += flow.forward(x.values, rows: x.count, context: context(of: part))
      }
      return out
    }
  }

  /// x = g(z) in data space (the inverse preprocessing applied), for `z` of `dimension`
  /// values a row.
  package func decode(_ z: [Float], context: ContextRows? = nil) -> Dataset {
    evaluating {
      let count = z.count / max(1, dimension)
      var values = flow.inverse(z, rows: count, context: flow.isConditional ? context : nil)
      preprocessing.invert(&values)
      return Dataset(values: values, count: count, dimension: dimension, shape: shape, source: "decoded")
    }
  }

  /// `count` draws z from the prior at `temperature` (what `sample` maps to data space),
  /// from the stream `prior` of `seed`.
  package func priorSample(count: Int, temperature: Double = 1, seed: UInt64, context: ContextRows? = nil) -> [Float] {
    var rng = Xoshiro256(seed: seed, stream: "prior")
    return flow.priorSample(count: count, temperature: temperature, rng: &rng, context: flow.isConditional ? context : nil)
  }

  /// The inverse round trip over a data set, and the scale it is judged against.
  package struct RoundTrip: Sendable {
    /// max |g(f(x)) − x| in the flow's own precision (infinity if any value is NaN).
    package var maxError: Double
    /// max |x| of the flow's inputs, for a tolerance relative to the data's scale.
    package var maxMagnitude: Double
    /// Rows measured.
    package var rows: Int
    /// Rows whose round trip in the flow's own precision is over the tolerance.
    package var rowsOverTolerance: Int
    /// The largest error of those rows when the same weights invert them in Float64
    /// (nil when no row was replayed).
    package var float64ReplayMaxError: Double?
    /// Rows that do not invert: over the tolerance in the flow's own precision and, where
    /// they were replayed, over the Float64 tolerance in Float64 too.
    package var rowsFailed: Int

    package init(maxError: Double, maxMagnitude: Double, rows: Int, rowsOverTolerance: Int = 0,
                 float64ReplayMaxError: Double? = nil, rowsFailed: Int = 0) {
      self.maxError = maxError
      self.maxMagnitude = maxMagnitude
      self.rows = rows
      self.rowsOverTolerance = rowsOverTolerance
      self.float64ReplayMaxError = float64ReplayMaxError
      self.rowsFailed = rowsFailed
    }

    /// The largest share of rows that may fail to invert before the flow is said not to
    /// invert. A wrong inverse fails on nearly every row; a correct flow can still lose a
    /// rare input where the trained weights make it too ill-conditioned to invert in
    /// floating point (the trained Glow of specs/ loses 1 of 10,000 test images in Float64:
    /// a coupling can contract a channel by a tiny sigmoid scale that a 1×1 convolution
    /// then mixes with large values), which is a property of the weights at that point.
    package static let failingShare = 0.01

    /// Whether one row's error is over `tolerance` × (1 + `magnitude`), its largest |x|
    /// (NaN and infinity included): a tolerance relative to the data's scale.
    package static func rowFails(error: Double, magnitude: Double, tolerance: Double) -> Bool {
      !(error <= tolerance * (1 + magnitude))
    }

    /// Whether the round trip failed: more than `failingShare` of the rows do not invert.
    package var failed: Bool { Double(rowsFailed) > RoundTrip.failingShare * Double(max(rows, 1)) }
  }

  /// The round trip of `data` (see `roundTripError`) with the inputs' largest magnitude.
  /// A row fails when its error is over `tolerance` × (1 + max |x| of the row) (not finite
  /// included); when the evaluator has a `float64Replay` (it builds the same flow in
  /// Float64 with the same weights, or nil if it cannot; built once, only if a row fails,
  /// and shared with `sample`), such rows
  /// are inverted again there and fail only if they are over `float64Tolerance` × (1 +
  /// max |x|) in Float64 too: a chain of dozens of Float32 layers can round an input to
  /// infinity (a sigmoid scale that underflows, then a division by it) that the flow
  /// inverts exactly. The runner uses 1e-2 for float32 and 1e-6 for float64 (docs/runs.md).
  package func roundTrip(_ data: Dataset, tolerance: Double, float64Tolerance: Double = 1e-6) -> RoundTrip {
    evaluating {
      var noise = Xoshiro256(seed: 0, stream: "round-trip")
      var result = RoundTrip(maxError: 0, maxMagnitude: 0, rows: data.count)
      for range in data.batchRanges(of: batchSize) {
        let part = data.rows(range)
        let (x, _) = preprocessing.apply(to: part, generator: &noise)
        let d = x.dimension
        let rowContext = context(of: part)
        let errors = flow.roundTripErrors(x.values, rows: x.count, context: rowContext)
        var failing: [Float] = []
        var failingMagnitudes: [Double] = []
        // A conditional flow replays each failing row with its own context.
        var failingRows: [Int] = []
        for (r, e) in errors.enumerated() {
          var rowMagnitude = 0.0
          for v in x.values[(r * d)..<((r + 1) * d)] where v.isFinite { rowMagnitude = max(rowMagnitude, Double(abs(v))) }
          result.maxMagnitude = max(result.maxMagnitude, rowMagnitude)
          result.maxError = max(result.maxError, e)
          if RoundTrip.rowFails(error: e, magnitude: rowMagnitude, tolerance: tolerance) {
            result.rowsOverTolerance += 1
            failing.append(contentsOf: x.values[(r * d)..<((r + 1) * d)])
            failingMagnitudes.append(rowMagnitude)
            failingRows.append(r)
          }
        }
        guard !failing.isEmpty else { continue }
        guard let replay = replayFlow() else {
          result.rowsFailed += failingMagnitudes.count
          continue
        }
        for (r, e) in replay.roundTripErrors(failing, rows: failingMagnitudes.count,
                                                          context: rowContext.map { failingContext($0, failingRows) }).enumerated() {
          result.float64ReplayMaxError = max(result.float64ReplayMaxError ?? 0, e)
          if RoundTrip.rowFails(error: e, magnitude: failingMagnitudes[r], tolerance: float64Tolerance) { result.rowsFailed += 1 }
        }
      }
      return result
    }
  }
}

extension FlowEvaluator {
  /// The context rows `rows` of `context`, in that order.
  func failingContext(_ context: ContextRows, _ rows: [Int]) -> ContextRows {
    let w = contextWidth
    switch context {
    case .labels(let l): return .labels(rows.map { l[$0] })
    case .values(let v): return .values(rows.flatMap { v[($0 * w)..<(($0 + 1) * w)] })
    }
  }

  /// The evaluator of `flow` built from the validated graph `v`: its preprocessing, eval
  /// batch size, image shape and eval seed.
  /// - Throws: `DataError` when the preprocessing constants are invalid (the validator
  ///   rejects those first).
  package init(_ v: ValidatedGraph, flow: AnyFlow) throws {
    let g = v.graph
    self.init(flow: flow, preprocessing: try DataPlan.makePreprocessing(g), batchSize: g.settings.eval.batchSize.value,
              shape: g.shape?.value.map(\.value), scoringSeed: UInt64(bitPattern: Int64(g.settings.eval.seed.value)))
    let seed = g.settings.train.seed.value
    float64Replay = { FlowcBuild.float64Replay(of: flow, v, seed: seed) }
  }
}

/// The lazily built Float64 replay flow of an evaluator.
private final class ReplayCache {
  var built = false
  var flow: AnyFlow?
}
