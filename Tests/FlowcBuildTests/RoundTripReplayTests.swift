import FlowData
import FlowRandom
import FlowRuntime
import FlowcBuild
import FlowcIR
import FlowcTestSupport
import Testing

/// The runner's round trip judges a float32 flow by what its weights do in Float64 on
/// the rows float32 cannot invert: rounding amplified to infinity is not a failed flow,
/// a flow that loses its input in Float64 too is.
@Suite struct RoundTripReplayTests {
  static let yaml = """
    dim: 2
    prior: standard_normal
    flow:
      - kind: actnorm
    data: {source: moons, noise: 0.1}
    train: {steps: 10}
    """

  /// A float32 ActNorm whose log-scale is `logScale` (already initialised), its
  /// evaluator with no Float64 replay, and the Float64 replay of the same weights (for
  /// the test to hand to the evaluator).
  static func actNorm(logScale: Double) throws -> (FlowEvaluator, () -> AnyFlow?) {
    let v = try graph(yaml)
    let flow = AnyFlow.float32(buildFlow(flowDescription(v, seed: 1), as: Float.self))
    var tensors = flow.namedTensors()
    for i in tensors.indices where tensors[i].name.hasSuffix("log_scale") || tensors[i].name.hasSuffix("initialized") {
      tensors[i].values = tensors[i].values.map { _ in tensors[i].name.hasSuffix("initialized") ? 1 : logScale }
    }
    try flow.load(tensors)
    var evaluator = try FlowEvaluator(v, flow: flow)
    evaluator.float64Replay = nil
    return (evaluator, { float64Replay(of: flow, v, seed: 1) })
  }

  static let data = Dataset(values: [0.5, -0.25, 1, 2, -1.5, 0.75], count: 3, dimension: 2, source: "test")

  @Test func float32RoundingThatFloat64UndoesIsNotAFailure() throws {
    // exp(−120) underflows to 0 in Float32 (0 · exp(120) = 0 · inf = NaN back), not in Float64.
    var (evaluator, replay) = try Self.actNorm(logScale: -120)
    let withoutReplay = evaluator.roundTrip(Self.data, tolerance: 1e-2)
    #expect(withoutReplay.maxError == .infinity && withoutReplay.rowsOverTolerance == 3 && withoutReplay.rowsFailed == 3)
    #expect(withoutReplay.float64ReplayMaxError == nil && withoutReplay.failed)

    evaluator.float64Replay = replay
    let judged = evaluator.roundTrip(Self.data, tolerance: 1e-2)
    #expect(judged.maxError == .infinity && judged.rowsOverTolerance == 3)
    let replayError = try #require(judged.float64ReplayMaxError)
    #expect(replayError < 1e-12)
    #expect(judged.rowsFailed == 0 && !judged.failed)
  }

  @Test func aFlowThatFloat64CannotInvertEitherFails() throws {
    // exp(−800) underflows in Float64 as well: the input is lost.
    var (evaluator, replay) = try Self.actNorm(logScale: -800)
    evaluator.float64Replay = replay
    let judged = evaluator.roundTrip(Self.data, tolerance: 1e-2)
    #expect(judged.rowsOverTolerance == 3 && judged.float64ReplayMaxError == .infinity)
    #expect(judged.rowsFailed == 3 && judged.failed)
  }

  @Test func aHealthyFlowReplaysNothing() throws {
    var built = false
    var (evaluator, replay) = try Self.actNorm(logScale: 0.3)
    evaluator.float64Replay = { built = true; return replay() }
    let judged = evaluator.roundTrip(Self.data, tolerance: 1e-2)
    #expect(judged.maxError < 1e-6 && judged.rowsOverTolerance == 0 && judged.float64ReplayMaxError == nil)
    #expect(!built, "the Float64 copy is built only when a row fails")
    #expect(!judged.failed)
  }

  /// A wrong inverse fails nearly every row; a rare input the trained weights contract
  /// beyond the arithmetic does not make the flow a failure (more than 1 % of rows does).
  @Test func aFlowFailsWhenMoreThanOnePercentOfRowsDoNotInvert() {
    func trip(_ failed: Int, of rows: Int) -> FlowEvaluator.RoundTrip {
      .init(maxError: .infinity, maxMagnitude: 1, rows: rows, rowsOverTolerance: failed, rowsFailed: failed)
    }
    #expect(!trip(2, of: 10_000).failed)
    #expect(!trip(100, of: 10_000).failed)
    #expect(trip(101, of: 10_000).failed)
    #expect(trip(1, of: 3).failed)
    #expect(!trip(0, of: 0).failed)
  }

  /// Two float32 ActNorms, log-scales +80 (data side) and −90: sampling multiplies a
  /// latent by e^90, past Float32's range (inf), then by e^−80; in Float64 the same
  /// weights give z·e^10.
  static func overflowingSampler() throws -> (FlowEvaluator, ValidatedGraph, AnyFlow) {
    let v = try graph(yaml.replacingOccurrences(of: "  - kind: actnorm", with: "  - kind: actnorm\n  - kind: actnorm"))
    let flow = AnyFlow.float32(buildFlow(flowDescription(v, seed: 1), as: Float.self))
    var tensors = flow.namedTensors()
    for i in tensors.indices {
      let name = tensors[i].name
      if name.hasSuffix("initialized") { tensors[i].values = [1] }
      if name.hasSuffix("log_scale") { tensors[i].values = tensors[i].values.map { _ in name.hasPrefix("layers.0.") ? 80 : -90 } }
    }
    try flow.load(tensors)
    return (try FlowEvaluator(v, flow: flow), v, flow)
  }

  @Test func samplesThatOverflowInFloat32AreMadeAgainInFloat64FromTheSameLatents() throws {
    let (sampler, v, flow) = try Self.overflowingSampler()
    var evaluator = sampler
    var values: [Float] = []
    var regenerated = evaluator.sample(count: 5, temperature: 1, seed: 3) { values += $0.values }
    #expect(regenerated == 5)
    #expect(values.count == 10 && values.allSatisfy(\.isFinite), "\(values)")
    // The same draws through the Float64 copy: the samples equal its own.
    let replay = try #require(float64Replay(of: flow, v, seed: 1))
    let expected = try FlowEvaluator(v, flow: replay).samples(count: 5, temperature: 1, seed: 3).values
    for (a, b) in zip(values, expected) { #expect(abs(a - b) <= 1e-4 * max(1, abs(b)), "\(a) vs \(b)") }
    // Without the replay they are what Float32 makes of them.
    evaluator.float64Replay = nil
    values = []
    regenerated = evaluator.sample(count: 5, temperature: 1, seed: 3) { values += $0.values }
    #expect(regenerated == 0 && !values.allSatisfy(\.isFinite))
  }

  @Test func samplesOfAHealthyFlowAreNotReplayed() throws {
    let (evaluator, _) = try Self.actNorm(logScale: 0.3)
    var built = false
    var e = evaluator
    let replay = e.float64Replay
    e.float64Replay = { built = true; return replay?() }
    var finite = true
    let regenerated = e.sample(count: 7, temperature: 0.7, seed: 2) { finite = finite && $0.values.allSatisfy(\.isFinite) }
    #expect(regenerated == 0 && finite)
    #expect(!built)
  }
}
