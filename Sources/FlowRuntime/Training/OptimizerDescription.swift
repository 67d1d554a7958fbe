/// Which optimizer updates the parameters, with PyTorch's hyperparameter names and defaults.
public enum OptimizerDescription: Sendable, Hashable, Codable {
  /// `torch.optim.Adam`; `weightDecay` is added to the gradient (L2 regularisation).
  case adam(AdamOptions)
  /// `torch.optim.AdamW`; `weightDecay` shrinks the parameters directly (decoupled).
  case adamW(AdamOptions)
  /// `torch.optim.SGD` with optional momentum, dampening, Nesterov and weight decay.
  case sgd(SGDOptions)
}

/// Adam's hyperparameters (PyTorch defaults).
public struct AdamOptions: Sendable, Hashable, Codable {
  /// Decay of the first-moment average.
  public var beta1: Double
  /// Decay of the second-moment average.
  public var beta2: Double
  /// Added to √v̂ in the denominator.
  public var epsilon: Double
  /// L2 penalty (Adam) or decoupled decay rate (AdamW).
  public var weightDecay: Double

  /// Options with PyTorch's defaults unless given (AdamW's default decay is 0.01, Adam's 0).
  public init(beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 0) {
    precondition(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1, "Adam betas must lie in [0, 1)")
    precondition(epsilon >= 0 && weightDecay >= 0, "Adam epsilon and weight decay must be non-negative")
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.weightDecay = weightDecay
  }
}

/// SGD's hyperparameters (PyTorch defaults).
public struct SGDOptions: Sendable, Hashable, Codable {
  /// Momentum factor μ (0 for plain SGD).
  public var momentum: Double
  /// Dampening of the gradient's contribution to the momentum buffer.
  public var dampening: Double
  /// Nesterov momentum (needs momentum > 0 and no dampening).
  public var nesterov: Bool
  /// L2 penalty added to the gradient.
  public var weightDecay: Double

  /// Options with PyTorch's defaults unless given.
  public init(momentum: Double = 0, dampening: Double = 0, nesterov: Bool = false, weightDecay: Double = 0) {
    precondition(momentum >= 0 && dampening >= 0 && weightDecay >= 0, "SGD options must be non-negative")
    precondition(!nesterov || (momentum > 0 && dampening == 0), "Nesterov momentum needs momentum > 0 and zero dampening")
    self.momentum = momentum
    self.dampening = dampening
    self.nesterov = nesterov
    self.weightDecay = weightDecay
  }
}
