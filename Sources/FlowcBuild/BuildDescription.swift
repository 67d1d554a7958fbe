import FlowRuntime
import FlowcIR
import FlowcSpec

/// The build stage: a validated graph becomes the runtime's plain description. The
/// validator has already enforced every rule (0/1 masks of the right length, square LU
/// linears, positive scales, monotone elementwise functions), so this is a direct
/// translation; `FlowRuntime` restates the rules as preconditions.
package func flowDescription(_ v: ValidatedGraph, seed: Int) -> FlowDescription {
  let g = v.graph
  let layers: [LayerDescription] = g.nodes.map { node in
    switch node.op {
    case .affineCoupling(let c):
      let nets: AffineNets
      switch c.nets {
      case .shared(let n): nets = .shared(mlp(n))
      case .separate(let s, let t): nets = .separate(scale: mlp(s!), shift: mlp(t))
      }
      return .affineCoupling(AffineCouplingDescription(
        keep: c.mask.map { $0 == 1 }, io: c.io == .masked ? .masked : .split, nets: nets,
        scaleFunction: c.scaleFunction.value == .sigmoid ? .sigmoid : .exp, clamp: c.scaleClamp?.value))
    case .additiveCoupling(let c):
      return .additiveCoupling(AdditiveCouplingDescription(
        keep: c.mask.map { $0 == 1 }, io: c.io == .masked ? .masked : .split, net: mlp(c.nets.all[0])))
    case .diagonalScaling(let s):
      return .diagonalScaling(initialLogScale: s.value)
    case .permutation(let p):
      return .permutation(indices: p.order)
    case .actnorm:
      return .actNorm
    case .batchNorm(let m, let eps):
      return .batchNorm(momentum: m.value, epsilon: eps.value)
    case .invertibleLinear(let l):
      return .luLinear(LULinearDescription(initialization: l.initialization == .identity ? .identity : .orthogonal,
                                           seed: UInt64(bitPattern: Int64(l.seed))))
    case .elementwise(let f):
      switch f.value {
      case .leakyReLU(let s): return .elementwise(.leakyReLU(slope: s))
      case .sigmoid: return .elementwise(.sigmoid)
      case .logit: return .elementwise(.logit)
      case .tanh: return .elementwise(.tanh)
      case .relu, .abs, .square:
        preconditionFailure("the validator rejects non-monotone elementwise functions")
      }
    }
  }
  let prior: PriorDescription
  switch g.prior.kind.value {
  case .standardNormal: prior = .standardNormal
  case .diagonalNormal: prior = .diagonalNormal
  case .logistic: prior = .standardLogistic
  }
  return FlowDescription(dimension: g.dimension.value, dtype: g.dtype == .float64 ? .float64 : .float32,
                         prior: prior, layers: layers, seed: UInt64(bitPattern: Int64(seed)))
}

private func mlp(_ n: Net) -> MLPDescription {
  MLPDescription(inputs: n.inputs, hidden: n.hidden.map(\.value), outputs: n.outputs,
                 activation: activation(n.activation.value),
                 outputActivation: n.outputActivation.value == .identity ? nil : activation(n.outputActivation.value),
                 zeroInitLast: n.initialization == .zeroLast)
}

private func activation(_ a: FlowcSpec.Activation) -> FlowRuntime.Activation {
  switch a {
  case .relu: .relu
  case .leakyReLU(let s): .leakyReLU(slope: s)
  case .tanh: .tanh
  case .elu(let x): .elu(alpha: x)
  case .gelu: .gelu
  case .sigmoid: .sigmoid
  case .softplus: .softplus
  case .identity: .identity
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
