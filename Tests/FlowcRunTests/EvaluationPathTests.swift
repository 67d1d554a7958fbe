import FlowData
import FlowRandom
import FlowcBuild
import FlowcIR
import FlowcRun
import Foundation
import Testing

/// A run's own numbers (final.json, samples.npy) equal what the checkpoint gives back
/// through `TrainedModel`, on data that are dequantized (so the noise stream matters):
/// there is one evaluation and one sampling path.
@Suite(.serialized) struct EvaluationPathTests {
  /// 4×4 "images" of 16 intensity levels in an .npy file, in a fresh temporary folder.
  static func imageRun() throws -> (RunDirectory, Runner.FinalMetrics) {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flowc-run-tests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    var g = Xoshiro256(seed: 5, stream: "images")
    let count = 400
    var values: [Float] = []
    for _ in 0..<count {
      let bright = g.nextUniform() < 0.5
      for p in 0..<16 { values.append(Float(min(15, max(0, (bright ? 11 : 4) + (p % 4) - 2 + g.nextInt(below: 3))))) }
    }
    try writeFileBytes(encodeNPY(Dataset(values: values, count: count, dimension: 16, shape: [4, 4], source: "test")),
                       to: "\(dir)/images.npy")
    let spec = """
      dim: 16
      shape: [4, 4]
      prior: standard_normal
      templates: {net: {hidden: [16], activation: tanh, init: zero_last}}
      flow:
        - {kind: actnorm}
        - {kind: affine_coupling, keep: checkerboard, net: net}
        - {kind: affine_coupling, keep: flip, net: net}
      data: {source: npy, path: \(dir)/images.npy, preprocess: {dequantize: true, levels: 16, logit_alpha: 0.05}}
      train: {lr: 3e-3, batch_size: 32, steps: 40, eval_every: 20}
      eval: {samples: 30, batch_size: 7}
      """
    try spec.write(toFile: "\(dir)/spec.yaml", atomically: true, encoding: .utf8)
    let outcome = try Runner.run(Runner.Request(specPath: "\(dir)/spec.yaml", outputRoot: "\(dir)/runs", threads: 1), log: { _ in })
    guard case .completed(let run, let metrics) = outcome else {
      throw RunFileError(path: dir, problem: "the run did not complete: \(outcome)", writing: false)
    }
    return (run, metrics)
  }

  @Test func checkpointGivesBackTheRunsNumbers() throws {
    let (run, final) = try Self.imageRun()
    let model = try TrainedModel(checkpoint: run.lastCheckpoint)
    let test = try DataPlan.make(model.graph.graph).test
    #expect(test.count == final.testPoints)
    let nll = -model.logDensity(test).reduce(0, +) / Double(test.count)
    let testNLL = try #require(final.testNLL)
    #expect(abs(nll - testNLL) <= 1e-9 * abs(testNLL), "\(nll) vs final.json \(testNLL)")
    let bpd = try #require(final.testBitsPerDim)
    #expect(abs(bitsPerDimension(nats: nll, dimension: 16) - bpd) < 1e-9)

    // samples.npy is what the checkpoint samples with the spec's eval seed and temperature.
    let written = try readNPY(run.samples)
    let again = model.sample(count: written.count, temperature: 1, seed: UInt64(model.graph.graph.settings.eval.seed.value))
    #expect(written.values == again.values)
  }

  @Test func evaluationDoesNotDependOnTheBatchSize() throws {
    let (run, _) = try Self.imageRun()
    let model = try TrainedModel(checkpoint: run.lastCheckpoint)
    let test = try DataPlan.make(model.graph.graph).test
    let wide = FlowEvaluator(flow: model.evaluator.flow, preprocessing: model.preprocessing, batchSize: 1_000,
                             shape: model.evaluator.shape, scoringSeed: model.evaluator.scoringSeed)
    let narrow = model.evaluator  // the spec's eval batch size, 7
    #expect(narrow.batchSize == 7)
    let a = wide.logDensities(test), b = narrow.logDensities(test)
    #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($0)) })
    #expect(wide.samples(count: 20, temperature: 0.7, seed: 3).values.count == 20 * 16)
    let s1 = wide.samples(count: 20, temperature: 0.7, seed: 3), s2 = narrow.samples(count: 20, temperature: 0.7, seed: 3)
    #expect(zip(s1.values, s2.values).allSatisfy { abs($0 - $1) <= 1e-4 })
  }
}
