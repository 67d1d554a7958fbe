import FlowcSpec

/// What training a graph costs, computed from the graph alone before anything is
/// allocated: the numbers `check` prints and the budget rule compares.
///
/// All arithmetic saturates, so an absurd spec gives Int.max (and a budget error)
/// rather than an overflow trap.
package struct ResourceEstimate: Sendable, Equatable {
  package var parameters: Int
  /// Parameters × element size.
  package var parameterBytes: Int
  /// Gradients plus the optimizer's moments (Adam: 2 per parameter; SGD with momentum: 1).
  package var optimizerBytes: Int
  /// What one training batch keeps for the backward pass: each layer's input and each
  /// network layer's pre- and post-activation values.
  package var activationBytes: Int
  /// Forward FLOPs for one sample (2 per multiply-add of the networks and linear layers).
  package var flopsPerSample: Int
  /// A training step is about 3 forward passes (forward, then backward for inputs and
  /// weights), more for layers whose density direction is sequential (`iaf`).
  package var trainingFlopsPerStep: Int
  /// FLOPs of drawing one sample (every layer's inverse); equal to `flopsPerSample` but
  /// for autoregressive layers, whose sampling and density directions differ.
  package var samplingFlopsPerSample: Int

  package var totalBytes: Int {
    parameterBytes.addingSaturating(optimizerBytes).addingSaturating(activationBytes)
  }

  package init(_ g: FlowGraph) {
    let size = g.dtype.size
    let params = g.parameterCount
    parameters = params
    parameterBytes = params.multipliedSaturating(by: size)
    let t = g.settings.train
    let moments: Int
    switch t.optimizer.value {
    case .adam, .adamw: moments = 2
    case .sgd: moments = t.momentum.value > 0 ? 1 : 0
    }
    optimizerBytes = params.multipliedSaturating(by: (1 + moments) * size)

    var perSampleValues = 0
    var flops = 0, sampling = 0, training = 0
    for node in g.nodes {
      perSampleValues = perSampleValues.addingSaturating(node.inputDim.multipliedSaturating(by: 2))
        .addingSaturating(node.op.activationValuesPerSample(input: node.inputShape))
      flops = flops.addingSaturating(node.op.flopsPerSample(input: node.inputShape))
      sampling = sampling.addingSaturating(node.op.samplingFlopsPerSample(input: node.inputShape))
      training = training.addingSaturating(node.op.trainingFlopsPerSample(input: node.inputShape))
    }
    activationBytes = perSampleValues.multipliedSaturating(by: max(1, t.batchSize.value)).multipliedSaturating(by: size)
    flopsPerSample = flops
    samplingFlopsPerSample = sampling
    trainingFlopsPerStep = training.multipliedSaturating(by: max(1, t.batchSize.value))
  }
}
