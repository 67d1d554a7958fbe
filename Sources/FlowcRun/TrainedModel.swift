import FlowData
import FlowRandom
import FlowRuntime
import FlowcBuild
import FlowcDiagnostics
import FlowcIR
import Foundation

/// A trained flow loaded from a checkpoint, for `flowc sample` and `flowc eval`.
///
/// The checkpoint carries its spec (text and overrides), so the graph is rebuilt through
/// the same pipeline as `check` and the weights, ActNorm flags and BatchNorm statistics
/// are loaded into it: nothing is re-initialised, and no spec file is needed.
package final class TrainedModel {
  package let graph: ValidatedGraph
  package let preprocessing: Preprocessing
  private let float: Flow<Float>?
  private let double: Flow<Double>?

  /// Loads `path`.
  /// - Throws: `CheckpointError` (unreadable, not a flowc checkpoint, weights that do
  ///   not fit the spec) naming the file.
  /// - Parameter float64: evaluate in Float64 whatever the spec's dtype (the stored
  ///   Float32 weights convert exactly), for log-densities free of Float32 rounding.
  package init(checkpoint path: String, float64: Bool = false) throws {
    let c = try readCheckpoint(path: path)
    let check = Pipeline.check(source: SourceFile(path: "\(path) (embedded spec)", text: c.spec.text),
                               options: Pipeline.Options(overrides: c.spec.overrides))
    guard let v = check.validated else {
      let first = check.diagnostics.sorted.first.map(\.description) ?? "unknown problem"
      throw CheckpointError(path: path, message: "its embedded spec no longer checks: \(first)")
    }
    graph = v
    preprocessing = try DataPlan.makePreprocessing(v.graph)
    do {
      switch float64 ? .float64 : v.graph.dtype {
      case .float32:
        let f = buildFlow(flowDescription(v, seed: v.graph.settings.train.seed.value), as: Float.self)
        try f.load(c.flow)
        f.isTraining = false
        (float, double) = (f, nil)
      case .float64:
        let f = buildFlow(flowDescription(v, seed: v.graph.settings.train.seed.value), as: Double.self)
        try f.load(c.flow)
        f.isTraining = false
        (float, double) = (nil, f)
      }
    } catch let e as StateLoadError {
      throw CheckpointError(path: path, message: "its tensors do not fit the flow of its spec: \(e.description)")
    }
  }

  package var dimension: Int { graph.graph.dimension.value }

  /// log p(x) of data-space rows (the preprocessing's Jacobian included), in batches of
  /// the spec's eval batch size. Dequantization noise, if any, comes from `seed`.
  package func logDensity(_ data: Dataset, seed: UInt64 = 0) -> [Double] {
    var noise = Xoshiro256(seed: seed, stream: "eval-dequantize")
    var out: [Double] = []
    out.reserveCapacity(data.count)
    for range in data.batchRanges(of: graph.graph.settings.eval.batchSize.value) {
      let (x, ld) = preprocessing.apply(to: data.rows(range), generator: &noise)
      let lp: [Double]
      if let float {
        lp = float.logProb(Matrix(rows: x.count, cols: x.dimension, storage: x.values)).map(Double.init)
      } else {
        lp = double!.logProb(Matrix(rows: x.count, cols: x.dimension, storage: x.values.map(Double.init)))
      }
      for r in lp.indices { out.append(lp[r] + ld[r]) }
    }
    return out
  }

  /// The flow's forward map of preprocessed rows.
  func forward(_ x: Matrix<Float>) -> [Float] {
    if let float { return float.forward(x).z.storage }
    return double!.forward(Matrix(rows: x.rows, cols: x.cols, storage: x.storage.map(Double.init))).z.storage.map(Float.init)
  }

  /// The flow's inverse map, to preprocessed space.
  func inverse(_ z: Matrix<Float>) -> [Float] {
    if let float { return float.inverse(z).x.storage }
    return double!.inverse(Matrix(rows: z.rows, cols: z.cols, storage: z.storage.map(Double.init))).x.storage.map(Float.init)
  }

  /// Draws from the prior.
  func priorDraw(count: Int, temperature: Double, rng: inout Xoshiro256) -> [Float] {
    if let float { return float.prior.sample(count: count, temperature: temperature, rng: &rng).storage }
    return double!.prior.sample(count: count, temperature: temperature, rng: &rng).storage.map(Float.init)
  }

  /// `count` samples in data space, the prior's scale multiplied by `temperature`.
  package func sample(count: Int, temperature: Double, seed: UInt64) -> Dataset {
    var rng = Xoshiro256(seed: seed, stream: "samples")
    var values: [Float]
    if let float {
      values = float.sample(count: count, temperature: temperature, rng: &rng).storage
    } else {
      values = double!.sample(count: count, temperature: temperature, rng: &rng).storage.map(Float.init)
    }
    preprocessing.invert(&values)
    return Dataset(values: values, count: count, dimension: dimension, shape: graph.graph.shape?.value.map(\.value),
                   source: "samples")
  }
}

extension TrainedModel {
  /// z = f(x) for data-space rows (through the preprocessing, dequantization noise from
  /// `seed`), `dimension` values a row.
  package func encode(_ data: Dataset, seed: UInt64 = 0) -> [Float] {
    var noise = Xoshiro256(seed: seed, stream: "eval-dequantize")
    var out: [Float] = []
    out.reserveCapacity(data.values.count)
    for range in data.batchRanges(of: graph.graph.settings.eval.batchSize.value) {
      let (x, _) = preprocessing.apply(to: data.rows(range), generator: &noise)
      out += forward(Matrix(rows: x.count, cols: x.dimension, storage: x.values))
    }
    return out
  }

  /// x = g(z) in data space (the inverse preprocessing applied), for `z` of `dimension`
  /// values a row.
  package func decode(_ z: [Float]) -> Dataset {
    let count = z.count / dimension
    var values = inverse(Matrix(rows: count, cols: dimension, storage: z))
    preprocessing.invert(&values)
    return Dataset(values: values, count: count, dimension: dimension, shape: graph.graph.shape?.value.map(\.value),
                   source: "decoded")
  }

  /// `count` draws z from the prior at `temperature` (what `sample` maps to data space).
  package func priorSample(count: Int, temperature: Double = 1, seed: UInt64) -> [Float] {
    var rng = Xoshiro256(seed: seed, stream: "prior")
    return priorDraw(count: count, temperature: temperature, rng: &rng)
  }
}
