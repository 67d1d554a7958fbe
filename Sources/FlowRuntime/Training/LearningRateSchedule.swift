import RealModule

/// The learning rate as a function of the update index: an optional linear warm-up, then
/// either constant or a cosine decay to a floor.
///
/// With base rate η, warm-up W and (for cosine) total steps N including warm-up, the
/// rate of update s (0-based) is
/// - s < W:  η·(s + 1)/W   (never 0, so the first update moves)
/// - constant: η
/// - cosine: floor + (η − floor)·½(1 + cos(π·p)), p = min(1, (s − W)/(N − W))
/// - linear: floor + (η − floor)·(1 − p)
/// which is the warm-up-then-cosine schedule of Hugging Face's
/// `get_cosine_schedule_with_warmup` (with a floor) and of `CosineAnnealingLR` after warm-up.
public struct LearningRateSchedule: Sendable, Hashable, Codable {
  /// What follows the warm-up.
  public enum Decay: Sendable, Hashable, Codable {
    /// Stay at the base rate.
    case constant
    /// Cosine from the base rate to `floor`, reached at update `totalSteps` (counted from 0,
    /// warm-up included), then held.
    case cosine(totalSteps: Int, floor: Double)
    /// Straight line from the base rate to `floor`, reached at update `totalSteps`, then held.
    case linear(totalSteps: Int, floor: Double)
  }

  /// The base (peak) learning rate η.
  public var base: Double
  /// Number of linear warm-up updates W (0 for none).
  public var warmupSteps: Int
  /// The shape after warm-up.
  public var decay: Decay

  /// A schedule; rates and step counts must be non-negative.
  public init(base: Double, warmupSteps: Int = 0, decay: Decay = .constant) {
    precondition(base >= 0 && warmupSteps >= 0, "learning rate and warm-up must be non-negative")
    switch decay {
    case .constant: break
    case .cosine(let total, let floor), .linear(let total, let floor):
      precondition(total > warmupSteps, "a decaying schedule needs more total steps than warm-up steps")
      precondition(floor >= 0 && floor <= base, "the schedule's floor must lie between 0 and the base rate")
    }
    self.base = base
    self.warmupSteps = warmupSteps
    self.decay = decay
  }

  /// A constant rate.
  public static func constant(_ rate: Double) -> LearningRateSchedule { LearningRateSchedule(base: rate) }

  /// The rate of update `step` (0-based).
  public func learningRate(atStep step: Int) -> Double {
    if step < warmupSteps { return base * Double(step + 1) / Double(warmupSteps) }
    switch decay {
    case .constant:
      return base
    case .cosine(let total, let floor):
      let progress = min(1, Double(step - warmupSteps) / Double(total - warmupSteps))
      return floor + (base - floor) * (1 + Double.cos(Double.pi * progress)) / 2
    case .linear(let total, let floor):
      let progress = min(1, Double(step - warmupSteps) / Double(total - warmupSteps))
      return floor + (base - floor) * (1 - progress)
    }
  }
}
