import FlowRandom
import FlowRuntime
import Testing

/// Named state: ActNorm's initialisation survives a save and load (PEERS.md item 1),
/// and a resumed optimizer continues exactly where it stopped.
@Suite struct StateTests {
  static func actNormFlow() -> Flow<Double> {
    buildFlow(
      FlowDescription(
        dimension: 2, dtype: .float64, prior: .standardNormal,
        layers: [
          ActNormDescription(),
          AffineCouplingDescription(
            keep: [true, false], io: .split,
            nets: .shared(MLPDescription(inputs: 1, hidden: [8], outputs: 2, activation: .tanh))),
          BatchNormDescription(momentum: 0.1, epsilon: 1e-5),
        ], seed: 4),
      as: Double.self)
  }

  @Test func actNormIsNotReinitialisedAfterLoading() throws {
    var rng = Xoshiro256(seed: 8)
    let flow = Self.actNormFlow()
    let first = randomMatrix(rows: 16, cols: 2, in: 5...9, rng: &rng)
    let trainer = TrainingStep(flow: flow, optimizer: .adam(AdamOptions()), schedule: .constant(1e-2))
    _ = trainer.step(first)
    let saved = flow.namedTensors()
    #expect(saved.first { $0.name == "layers.0.initialized" }?.values == [1])

    let restored = Self.actNormFlow()
    try restored.load(saved)
    let actNorm = restored.transform.layers[0] as! ActNorm<Double>
    #expect(actNorm.isInitialized)
    let bias = actNorm.bias.value, logScale = actNorm.logScale.value
    // A batch with very different statistics must not re-initialise the layer.
    restored.isTraining = true
    _ = restored.transform.forwardRecording(randomMatrix(rows: 16, cols: 2, in: -30 ... -20, rng: &rng))
    #expect(actNorm.bias.value == bias && actNorm.logScale.value == logScale)
    // An uninitialised copy does initialise on that batch.
    let fresh = Self.actNormFlow()
    _ = fresh.transform.forwardRecording(randomMatrix(rows: 16, cols: 2, in: -30 ... -20, rng: &rng))
    #expect((fresh.transform.layers[0] as! ActNorm<Double>).bias.value[0] > 19)
  }

  @Test func loadRejectsMissingAndMisshapenTensors() {
    let flow = Self.actNormFlow()
    var tensors = flow.namedTensors()
    tensors.removeLast()
    #expect(throws: StateLoadError.self) { try flow.load(tensors) }
    var wrong = flow.namedTensors()
    wrong[0] = NamedTensor(name: wrong[0].name, shape: [1], role: .parameter, values: [0])
    #expect(throws: StateLoadError.shapeMismatch(name: wrong[0].name, expected: flow.namedTensors()[0].shape, found: [1])) {
      try flow.load(wrong)
    }
  }

  @Test(arguments: [
    OptimizerDescription.adam(AdamOptions(weightDecay: 0.01)), .adamW(AdamOptions(weightDecay: 0.1)),
    .sgd(SGDOptions(momentum: 0.9, nesterov: true, weightDecay: 0.01)),
  ])
  func resumedTrainingContinuesExactly(_ optimizer: OptimizerDescription) throws {
    var rng = Xoshiro256(seed: 21)
    let batches = (0..<5).map { _ in randomMatrix(rows: 8, cols: 2, in: -2...2, rng: &rng) }
    let schedule = LearningRateSchedule(base: 1e-2, warmupSteps: 2, decay: .cosine(totalSteps: 10, floor: 0))
    let a = TrainingStep(flow: Self.actNormFlow(), optimizer: optimizer, schedule: schedule, clipNorm: 1)
    for b in batches.prefix(3) { _ = a.step(b) }
    let flowState = a.flow.namedTensors(), optimizerState = a.optimizer.namedTensors()
    #expect(optimizerState.first { $0.name == "step" }?.values == [3])
    for b in batches.suffix(2) { _ = a.step(b) }

    let b = TrainingStep(flow: Self.actNormFlow(), optimizer: optimizer, schedule: schedule, clipNorm: 1)
    try b.flow.load(flowState)
    try b.optimizer.load(optimizerState)
    #expect(b.optimizer.namedTensors() == optimizerState)
    for batch in batches.suffix(2) { _ = b.step(batch) }
    #expect(b.flow.namedTensors() == a.flow.namedTensors())
    #expect(b.optimizer.namedTensors() == a.optimizer.namedTensors())
  }
}
