import FlowRandom
import FlowcBuild
import FlowcIR
import FlowcTestSupport
import FlowRuntime
import Testing

/// `DataParallel` (`flowc run --workers`): the slices' combined loss and gradients are the
/// full batch's, in Float64 to rounding, for every layer family (the image flow's
/// squeezes, ActNorms, 1×1 convolutions, conv and resnet couplings, both splits; and
/// every conditioner kind with a learned context embedding), and training with workers
/// follows training without.
@Suite struct DataParallelTests {
  /// The master and `workers − 1` replicas of `v`, the replicas' parameters scrambled
  /// (their values must come from the master, not from their own initialisation).
  static func workers(_ v: ValidatedGraph, _ count: Int) -> DataParallel<Double> {
    let master = buildFlow(flowDescription(v, seed: 1), as: Double.self)
    var rng = Xoshiro256(seed: 9)
    let replicas = (1..<count).map { _ in
      let r = buildFlow(flowDescription(v, seed: 1), as: Double.self)
      for p in r.parameters { for i in p.value.indices { p.value[i] = rng.nextUniform() } }
      return r
    }
    return DataParallel(master: master, replicas: replicas)
  }

  static func batch(rows: Int, dimension: Int, seed: UInt64) -> Matrix<Double> {
    var rng = Xoshiro256(seed: seed)
    return Matrix(rows: rows, cols: dimension, storage: (0..<(rows * dimension)).map { _ in rng.nextUniform() })
  }

  /// Loss and every gradient of `batch` on the master alone, then through the workers.
  static func compare(_ p: DataParallel<Double>, _ batch: Matrix<Double>, context: ContextRows?) {
    let flow = p.master
    flow.isTraining = true
    // A first pass initialises the ActNorms on the whole batch, as TrainingStep's first step does.
    if let context { flow.setContext(context) }
    flow.zeroGradients()
    _ = flow.lossAndGradients(batch)
    flow.zeroGradients()
    let full = flow.lossAndGradients(batch)
    let expected = flow.parameters.map(\.gradient)
    flow.zeroGradients()
    let sliced = p.lossAndGradients(batch, context: context)
    #expect(sliced.nonFinite == nil && full.nonFinite == nil)
    #expect(abs(sliced.loss - full.loss) <= 1e-12 * abs(full.loss), "loss \(sliced.loss) vs \(full.loss)")
    var worst = 0.0, scale = 0.0
    for (p, e) in zip(flow.parameters, expected) {
      for (a, b) in zip(p.gradient, e) {
        worst = max(worst, abs(a - b))
        scale = max(scale, abs(b))
      }
    }
    #expect(scale > 0)
    // The replicas did their slices, with the master's values (theirs were scrambled).
    #expect(p.replicas.allSatisfy { $0.parameters.contains { $0.gradient.contains { $0 != 0 } } })
    #expect(p.replicas.allSatisfy { zip($0.parameters, flow.parameters).allSatisfy { $0.value == $1.value } })
    #expect(worst <= 1e-10 * scale, "largest gradient difference \(worst) (largest gradient \(scale))")
  }

  @Test(arguments: [2, 3])
  func imageFlowSlicesGiveTheFullBatchGradient(workers: Int) throws {
    let v = try graph(try ImageFlowBuildTests.spec(shape: [1, 8, 8], flow: ImageFlowBuildTests.glow))
    let p = Self.workers(v, workers)
    Self.compare(p, Self.batch(rows: 7, dimension: 64, seed: 4), context: nil)
  }

  @Test func conditionalFlowSlicesGiveTheFullBatchGradientWithTheirOwnContextRows() throws {
    let v = try graph(ContextBuildTests.spec)
    let p = Self.workers(v, 2)
    let labels = [0, 3, 1, 4, 2, 2, 0, 1, 3]
    Self.compare(p, Self.batch(rows: labels.count, dimension: 16, seed: 5), context: .labels(labels))
  }

  @Test func sliceBoundsCoverTheBatchInOrder() {
    #expect(DataParallel<Double>.sliceBounds(rows: 7, workers: 3) == [0..<3, 3..<5, 5..<7])
    #expect(DataParallel<Double>.sliceBounds(rows: 8, workers: 2) == [0..<4, 4..<8])
    // Fewer rows than workers: one row each, the rest idle.
    #expect(DataParallel<Double>.sliceBounds(rows: 1, workers: 2) == [0..<1])
  }

  @Test func trainingWithWorkersFollowsTrainingWithout() throws {
    let v = try graph(try ImageFlowBuildTests.spec(shape: [1, 8, 8], flow: ImageFlowBuildTests.glow))
    let schedule = LearningRateSchedule(base: 1e-3)
    let alone = TrainingStep(flow: buildFlow(flowDescription(v, seed: 1), as: Double.self), optimizer: .adam(AdamOptions()),
                             schedule: schedule, clipNorm: 50)
    let p = Self.workers(v, 2)
    let split = TrainingStep(flow: p.master, optimizer: .adam(AdamOptions()), schedule: schedule, clipNorm: 50, parallel: p)
    for s in 0..<6 {
      let batch = Self.batch(rows: 10, dimension: 64, seed: 10 + UInt64(s))
      let a = alone.step(batch), b = split.step(batch)
      #expect(a.applied && b.applied)
      #expect(abs(a.loss - b.loss) <= 1e-9 * abs(a.loss), "step \(s): loss \(a.loss) vs \(b.loss)")
    }
    for (x, y) in zip(alone.flow.parameters, split.flow.parameters) {
      for (u, w) in zip(x.value, y.value) { #expect(abs(u - w) <= 1e-8 * max(1, abs(u)), "\(x.name)") }
    }
  }

  /// A batch whose loss is over the step's bound moves no weight (the trainer's
  /// explosion guard counts such batches).
  @Test func aStepOverItsLossBoundAppliesNoUpdate() throws {
    let v = try graph(try ImageFlowBuildTests.spec(shape: [1, 8, 8], flow: ImageFlowBuildTests.glow))
    let p = Self.workers(v, 2)
    let step = TrainingStep(flow: p.master, optimizer: .adam(AdamOptions()), schedule: LearningRateSchedule(base: 1e-3), parallel: p)
    let batch = Self.batch(rows: 6, dimension: 64, seed: 3)
    #expect(step.step(batch).applied)
    let before = p.master.parameters.map(\.value)
    let r = step.step(batch, context: nil, maxLoss: -1e9)
    #expect(r.overMaxLoss && !r.applied && r.loss.isFinite)
    #expect(p.master.parameters.map(\.value) == before)
    #expect(step.optimizer.step == 1)
    #expect(step.step(batch, context: nil, maxLoss: 1e9).applied)
  }

  @Test func aFlowWithBatchNormIsNotSupported() throws {
    let v = try graph(moonsSpec(flow: "  - {kind: affine_coupling, keep: [1, 0], net: net}\n  - kind: batch_norm\n  - {kind: affine_coupling, keep: flip, net: net}"))
    #expect(!DataParallel<Double>.isSupported(buildFlow(flowDescription(v, seed: 0), as: Double.self)))
    let w = try graph(moonsSpec(flow: "  - {kind: affine_coupling, keep: [1, 0], net: net}\n  - kind: actnorm\n  - {kind: affine_coupling, keep: flip, net: net}"))
    #expect(DataParallel<Double>.isSupported(buildFlow(flowDescription(w, seed: 0), as: Double.self)))
  }
}
