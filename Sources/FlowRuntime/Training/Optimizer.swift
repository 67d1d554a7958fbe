/// Updates a fixed list of named parameters from their gradients, with PyTorch's update
/// rules (so a run can be compared step for step with `torch.optim`).
///
/// One class for every algorithm, switching on `description` outside the element loops:
/// the loops are then plain specialised code with no protocol dispatch inside.
///
/// State (named for checkpoints): `step`, and per parameter `<name>.exp_avg` and
/// `<name>.exp_avg_sq` (Adam, AdamW) or `<name>.momentum_buffer` (SGD with momentum).
public final class Optimizer<T: FlowScalar> {
  /// The algorithm and its hyperparameters.
  public let description: OptimizerDescription
  /// The parameters updated, with their full names.
  public let parameters: [(name: String, parameter: Parameter<T>)]
  /// Number of updates applied so far.
  public private(set) var step = 0

  /// First moments (Adam) or momentum buffers (SGD), one per parameter.
  var firstMoment: [[T]]
  /// Second moments (Adam only).
  var secondMoment: [[T]]

  /// An optimizer over `parameters` with zero-initialised state.
  public init(_ description: OptimizerDescription, parameters: [(name: String, parameter: Parameter<T>)]) {
    self.description = description
    self.parameters = parameters
    let zeros = parameters.map { [T](repeating: 0, count: $0.parameter.count) }
    switch description {
    case .adam, .adamW:
      firstMoment = zeros
      secondMoment = zeros
    case .sgd(let o):
      firstMoment = o.momentum > 0 ? zeros : []
      secondMoment = []
    }
  }

  /// Applies one update with learning rate `learningRate` to every parameter.
  @_specialize(exported: true, where T == Float)
  @_specialize(exported: true, where T == Double)
  public func update(learningRate: Double) {
    step += 1
    switch description {
    case .adam(let o): adamStep(o, lr: learningRate, decoupled: false)
    case .adamW(let o): adamStep(o, lr: learningRate, decoupled: true)
    case .sgd(let o): sgdStep(o, lr: learningRate)
    }
  }

  /// Adam (Kingma and Ba, 2015) as `torch.optim.Adam`/`AdamW` compute it:
  /// m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g²,
  /// p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε).
  /// AdamW first shrinks p by (1 − lr·λ); Adam instead adds λp to g.
  func adamStep(_ o: AdamOptions, lr: Double, decoupled: Bool) {
    let b1 = T(o.beta1), b2 = T(o.beta2), eps = T(o.epsilon)
    let stepSize = T(lr / (1 - _pow(o.beta1, step)))
    let correction2 = T((1 - _pow(o.beta2, step)).squareRoot())
    let l2 = decoupled ? 0 : T(o.weightDecay)
    let shrink = decoupled ? T(1 - lr * o.weightDecay) : 1
    // One flat kernel per tensor (FlowKernels: AVX2 where the CPU has it; Swift's own loop
    // here ran four floats at a time and was 9 % of a moons step). The update streams
    // seven numbers per parameter through memory; with two cores, two runs of tensors go
    // side by side (each tensor's update is the same either way).
    let parameters = self.parameters
    firstMoment.withUnsafeMutableBufferPointer { firstMoments in
      secondMoment.withUnsafeMutableBufferPointer { secondMoments in
        let moments = UncheckedBox((firstMoments, secondMoments))
        ConcurrentWork.performOverRuns(items: parameters.count, size: { parameters[$0].parameter.count }) { run in
          for k in run {
            let p = parameters[k].parameter
            let count = p.count
            guard count > 0 else { continue }
            p.value.withUnsafeMutableBufferPointer { vp in
              p.gradient.withUnsafeBufferPointer { gp in
                moments.value.0[k].withUnsafeMutableBufferPointer { mp in
                  moments.value.1[k].withUnsafeMutableBufferPointer { sp in
                    T.adamUpdate(vp.baseAddress!, gradient: gp.baseAddress!, firstMoment: mp.baseAddress!, secondMoment: sp.baseAddress!,
                                 count: count, beta1: b1, beta2: b2, stepSize: stepSize, correction2: correction2, epsilon: eps,
                                 shrink: shrink, l2: l2)
                  }
                }
              }
            }
          }
        }
      }
    }
  }

  /// SGD as `torch.optim.SGD` computes it: d = g + λp; with momentum μ the buffer starts
  /// as d and then b ← μb + (1 − dampening)d; the step uses b (or d + μb with Nesterov);
  /// p ← p − lr·step.
  func sgdStep(_ o: SGDOptions, lr: Double) {
    let rate = T(lr), wd = T(o.weightDecay), mu = T(o.momentum), damp = T(o.dampening)
    let first = step == 1
    for k in parameters.indices {
      let p = parameters[k].parameter
      let count = p.count
      p.value.withUnsafeMutableBufferPointer { vp in
        p.gradient.withUnsafeBufferPointer { gp in
          if o.momentum == 0 {
            for i in 0..<count { vp[i] -= rate * (gp[i] + wd * vp[i]) }
            return
          }
          firstMoment[k].withUnsafeMutableBufferPointer { bp in
            for i in 0..<count {
              let d = gp[i] + wd * vp[i]
              let b = first ? d : mu * bp[i] + (1 - damp) * d
              bp[i] = b
              vp[i] -= rate * (o.nesterov ? d + mu * b : b)
            }
          }
        }
      }
    }
  }

  // MARK: - Named state

  /// Handles on the optimizer's state: `step` and the per-parameter moment buffers.
  public func stateSlots() -> [StateSlot<T>] {
    var slots: [StateSlot<T>] = [
      StateSlot(name: "step", shape: [], role: .optimizer, get: { [T(self.step)] }, set: { self.step = Int($0[0]) })
    ]
    let (firstName, secondName): (String, String?)
    switch description {
    case .adam, .adamW: (firstName, secondName) = ("exp_avg", "exp_avg_sq")
    case .sgd: (firstName, secondName) = ("momentum_buffer", nil)
    }
    for (k, entry) in parameters.enumerated() {
      if !firstMoment.isEmpty {
        slots.append(StateSlot(
          name: "\(entry.name).\(firstName)", shape: entry.parameter.shape, role: .optimizer,
          get: { self.firstMoment[k] }, set: { self.firstMoment[k] = $0 }))
      }
      if let secondName {
        slots.append(StateSlot(
          name: "\(entry.name).\(secondName)", shape: entry.parameter.shape, role: .optimizer,
          get: { self.secondMoment[k] }, set: { self.secondMoment[k] = $0 }))
      }
    }
    return slots
  }

  /// A snapshot of the optimizer's state.
  public func namedTensors() -> [NamedTensor] { snapshot(stateSlots()) }

  /// Restores the optimizer's state (every tensor must be present with its shape).
  public func load(_ tensors: some TensorSource, strict: Bool = true) throws {
    try FlowRuntime.load(tensors, into: stateSlots(), strict: strict)
  }
}

/// xⁿ for a non-negative integer n by repeated squaring (exact for the small powers of
/// Adam's bias corrections, and no libm dependency in this file).
func _pow(_ x: Double, _ n: Int) -> Double {
  var result = 1.0, base = x, e = n
  while e > 0 {
    if e & 1 == 1 { result *= base }
    base *= base
    e >>= 1
  }
  return result
}
