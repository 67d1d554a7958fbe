import FlowRandom

/// Everything a batch sampler needs to continue exactly where it stopped, for
/// checkpoints: a resumed run draws the same batches as an uninterrupted one.
public struct SamplerState: Sendable, Equatable, Codable {
  /// The generator's four words.
  public var generator: [UInt64]
  /// The current epoch's order (empty for fresh toy draws).
  public var order: [Int]
  public var position: Int
  public var epoch: Int

  public init(generator: [UInt64], order: [Int], position: Int, epoch: Int) {
    self.generator = generator
    self.order = order
    self.position = position
    self.epoch = epoch
  }
}

extension BatchSampler {
  /// The sampler's position in its stream; assigning a state saved from a sampler over
  /// the same data continues that stream.
  public var state: SamplerState {
    get { SamplerState(generator: generator.state, order: order, position: position, epoch: epoch) }
    set {
      if let g = Xoshiro256(state: newValue.generator) { generator = g }
      // An order from elsewhere (a checkpoint's JSON) must index these rows, or a batch
      // would read past them.
      if newValue.order.isEmpty || (newValue.order.count == count && newValue.order.allSatisfy { $0 >= 0 && $0 < count }) {
        order = newValue.order
      }
      position = max(0, min(newValue.position, order.count))
      epoch = newValue.epoch
    }
  }
}

extension ToySampler {
  /// As `BatchSampler.state`; fresh samplers only carry their generator.
  public var state: SamplerState {
    get { batches?.state ?? SamplerState(generator: generator.state, order: [], position: 0, epoch: 0) }
    set {
      if batches != nil {
        batches!.state = newValue
      } else if let g = Xoshiro256(state: newValue.generator) {
        generator = g
      }
    }
  }
}
