import FlowData
import FlowRuntime
import FlowcBuild
import FlowcDiagnostics
import FlowcIR
import Foundation

/// A trained flow loaded from a checkpoint, for `flowc sample`, `flowc eval` and the
/// figures.
///
/// The checkpoint carries its spec (text and overrides), so the graph is rebuilt through
/// the same pipeline as `check` and the weights, ActNorm flags and BatchNorm statistics
/// are loaded into it: nothing is re-initialised, and no spec file is needed. Every
/// number it gives comes from the same `FlowEvaluator` as the trainer's.
package final class TrainedModel {
  package let graph: ValidatedGraph
  package let evaluator: FlowEvaluator

  /// Loads `path`.
  /// - Throws: `CheckpointError` (unreadable, not a flowc checkpoint, weights that do
  ///   not fit the spec) naming the file.
  /// - Parameter float64: evaluate in Float64 whatever the spec's dtype (the stored
  ///   Float32 weights convert exactly), for log-densities free of Float32 rounding.
  package init(checkpoint path: String, float64: Bool = false) throws {
    // Only the flow's tensors are read (not the optimizer's moments, two thirds of an
    // Adam checkpoint), one at a time, straight into the flow.
    let c = try CheckpointFile(path: path)
    // The data files are not needed to rebuild the flow (sampling needs none); relative
    // paths resolve against the folder the run read them from.
    let check = Pipeline.check(source: SourceFile(path: "\(path) (embedded spec)", text: c.spec.text),
                               options: Pipeline.Options(overrides: c.spec.overrides,
                                                         dataDirectory: c.spec.dataDirectory ?? FileManager.default.currentDirectoryPath,
                                                         checkDataFiles: false))
    guard let v = check.validated else {
      let first = check.diagnostics.sorted.first.map(\.description) ?? "unknown problem"
      throw CheckpointError(path: path, message: "its embedded spec no longer checks: \(first)")
    }
    graph = v
    let description = flowDescription(v, seed: v.graph.settings.train.seed.value)
    let flow: AnyFlow = float64 || v.graph.dtype == .float64
      ? .float64(buildFlow(description, as: Double.self)) : .float32(buildFlow(description, as: Float.self))
    do {
      try flow.load(c.flow)
    } catch let e as StateLoadError {
      throw CheckpointError(path: path, message: "its tensors do not fit the flow of its spec: \(e.description)")
    }
    flow.isTraining = false
    evaluator = try FlowEvaluator(v, flow: flow)
  }

  /// The flow's number of features.
  package var dimension: Int { graph.graph.dimension.value }
  /// The spec's preprocessing chain.
  package var preprocessing: Preprocessing { evaluator.preprocessing }

  /// log p(x) of data-space rows (the preprocessing's Jacobian included); dequantization
  /// noise from the spec's eval seed unless `seed` is given.
  package func logDensity(_ data: Dataset, seed: UInt64? = nil) -> [Double] {
    evaluator.logDensities(data, seed: seed)
  }

  /// The number of classes a conditional flow's context encodes (nil: unconditional, or
  /// a context of columns).
  package var contextClasses: Int? {
    guard let c = graph.graph.settings.data.context, !c.isColumns else { return nil }
    return c.numClasses.value
  }

  /// The names of a column context's columns, in the order the flow reads them (nil:
  /// unconditional, or a class context).
  package var contextColumns: [String]? {
    guard let c = graph.graph.settings.data.context, c.isColumns else { return nil }
    return c.columnNames
  }

  /// Whether the flow conditions on a context (classes or columns).
  package var isConditional: Bool { graph.graph.settings.data.context != nil }

  /// The class of each of `count` samples of a conditional flow (nil for an unconditional
  /// one): the classes of `classes` (default: every class, 0 ..< K) in equal consecutive
  /// blocks, so that sample i has class classes[i·m / count] for m classes.
  package func sampleLabels(count: Int, classes: [Int]? = nil) -> [Int]? {
    guard let k = contextClasses else { return nil }
    let list = classes ?? Array(0..<k)
    guard !list.isEmpty else { return nil }
    return (0..<count).map { list[$0 * list.count / max(1, count)] }
  }

  /// `count` samples in data space, the prior's scale multiplied by `temperature`; a
  /// conditional flow's samples take the context of `context`, one row per sample
  /// (default for a class context: `sampleLabels`; a column context must be given).
  package func sample(count: Int, temperature: Double, seed: UInt64, context: ContextRows? = nil) -> Dataset {
    evaluator.samples(count: count, temperature: temperature, seed: seed, context: context ?? sampleLabels(count: count).map(ContextRows.labels))
  }

  /// `sample` with the classes of `labels`.
  package func sample(count: Int, temperature: Double, seed: UInt64, labels: [Int]?) -> Dataset {
    sample(count: count, temperature: temperature, seed: seed, context: labels.map(ContextRows.labels))
  }

  /// The same samples as `sample`, handed to `body` one evaluation batch at a time, so
  /// any count takes bounded memory.
  /// Returns how many samples were made again in Float64 (`FlowEvaluator.sample`).
  @discardableResult
  package func sample(count: Int, temperature: Double, seed: UInt64, context: ContextRows? = nil,
                      _ body: (Dataset) throws -> Void) rethrows -> Int {
    try evaluator.sample(count: count, temperature: temperature, seed: seed,
                         context: context ?? sampleLabels(count: count).map(ContextRows.labels), body)
  }

  /// The shape of one sample row (the image shape, or `[dimension]`).
  package var rowShape: [Int] { evaluator.shape ?? [dimension] }

  /// z = f(x) for data-space rows (see `FlowEvaluator.encode`).
  package func encode(_ data: Dataset, seed: UInt64 = 0) -> [Float] { evaluator.encode(data, seed: seed) }

  /// x = g(z) in data space (see `FlowEvaluator.decode`).
  /// A conditional flow decodes with the context of each row in `context`.
  package func decode(_ z: [Float], context: ContextRows? = nil) -> Dataset { evaluator.decode(z, context: context) }

  /// `count` draws z from the prior at `temperature` (what `sample` maps to data space).
  /// A conditional prior draws with the context of each row in `context`.
  package func priorSample(count: Int, temperature: Double = 1, seed: UInt64, context: ContextRows? = nil) -> [Float] {
    evaluator.priorSample(count: count, temperature: temperature, seed: seed, context: context)
  }
}
