import FlowRuntime
import FlowcIR
import FlowcSpec

/// The build stage: a validated graph becomes the runtime's plain description, each node
/// through its kind's `BuildableLayer` conformance (`Kinds/`). The validator has already
/// enforced every rule (0/1 masks of the right length, square LU linears, positive
/// scales, monotone elementwise functions), so this is a direct translation;
/// `FlowRuntime` restates the rules as preconditions.
package func flowDescription(_ v: ValidatedGraph, seed: Int) -> FlowDescription {
  let g = v.graph
  let layers: [any LayerDescription] = g.nodes.map { node in
    guard let op = node.op as? any BuildableLayer else {
      preconditionFailure("layer kind '\(node.op.kind)' has no runtime layer: add Sources/FlowcBuild/Kinds/ for it")
    }
    return op.layerDescription(node)
  }
  let prior: PriorDescription
  switch g.prior.kind.value {
  case .standardNormal: prior = .standardNormal
  case .diagonalNormal: prior = .diagonalNormal
  case .logistic: prior = .standardLogistic
  case .conditionalNormal: prior = .conditionalDiagonalNormal
  }
  // After a split the flow goes on with fewer features: each layer acts on its input's.
  let widths = g.nodes.map { $0.inputShape.count }
  let multiScale = widths.contains { $0 != g.dimension.value }
  return FlowDescription(dimension: g.dimension.value, dtype: g.dtype == .float64 ? .float64 : .float32,
                         prior: prior, layers: layers, widths: multiScale ? widths : nil, seed: UInt64(bitPattern: Int64(seed)),
                         context: g.settings.data.context.map(contextEncoding))
}

/// The runtime encoding of a validated `data.context`.
package func contextEncoding(_ c: ContextSettings) -> ContextEncoding {
  if c.isColumns { return c.standardize.value ? .standardized(width: c.width) : .identity(width: c.width) }
  switch c.encoding.value {
  case .oneHot: return .oneHot(classes: c.numClasses.value)
  case .embedding: return .embedding(classes: c.numClasses.value, width: c.width)
  case .identity: return .identity(width: c.width)
  }
}

/// The optimizer the spec's `train:` section asks for.
package func optimizerDescription(_ t: TrainSettings) -> OptimizerDescription {
  let betas = t.betas.value
  let adam = AdamOptions(beta1: betas[0], beta2: betas[1], epsilon: t.epsilon.value, weightDecay: t.weightDecay.value)
  switch t.optimizer.value {
  case .adam: return .adam(adam)
  case .adamw: return .adamW(adam)
  case .sgd: return .sgd(SGDOptions(momentum: t.momentum.value, weightDecay: t.weightDecay.value))
  }
}

/// The learning-rate schedule over `totalSteps` steps.
package func learningRateSchedule(_ t: TrainSettings, totalSteps: Int) -> LearningRateSchedule {
  let decay: LearningRateSchedule.Decay
  switch t.schedule.value {
  case .constant: decay = .constant
  case .cosine: decay = .cosine(totalSteps: max(1, totalSteps), floor: t.minLearningRate.value)
  case .linear: decay = .linear(totalSteps: max(1, totalSteps), floor: t.minLearningRate.value)
  }
  return LearningRateSchedule(base: t.learningRate.value, warmupSteps: t.warmupSteps.value, decay: decay)
}
