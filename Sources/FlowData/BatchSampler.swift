import FlowRandom

/// Takes training batches from a dataset epoch by epoch: each epoch visits every row once,
/// in a fresh seeded order, so a run is reproducible from its seed.
///
/// The last batch of an epoch holds whatever rows remain (it may be smaller than asked);
/// the next call starts a new epoch with a new permutation. Nothing is dropped, so the
/// epoch-average loss weights every row equally.
public struct BatchSampler: Sendable {
  /// The rows batches are taken from.
  public let data: Dataset
  /// Draws each epoch's permutation.
  var generator: Xoshiro256
  /// This epoch's row order.
  var order: [Int]
  /// How many rows of `order` have been handed out.
  public internal(set) var position: Int
  /// The number of epochs started so far (1 after the first batch).
  public internal(set) var epoch: Int

  /// Creates a sampler over a non-empty dataset; the first epoch's order is drawn on the
  /// first batch.
  public init(data: Dataset, generator: Xoshiro256) {
    precondition(data.count > 0, "batches need at least one row")
    self.data = data
    self.generator = generator
    self.order = []
    self.position = 0
    self.epoch = 0
  }

  /// The next batch of up to `size` rows.
  public mutating func nextBatch(_ size: Int) -> Dataset {
    precondition(size > 0, "a batch needs at least one row")
    if position >= order.count {
      order = generator.permutation(data.count)
      position = 0
      epoch += 1
    }
    let end = min(position + size, order.count)
    defer { position = end }
    return data.rows(order[position..<end])
  }

  /// The next batch copied into `values` (resized only when the batch's shape changes,
  /// e.g. for the short last batch of an epoch), so that a training loop reusing one buffer
  /// allocates nothing per batch. Returns the number of rows; the same rows, in the same
  /// order, as `nextBatch(_:)` would return.
  public mutating func nextBatch(_ size: Int, into values: inout [Float]) -> Int {
    precondition(size > 0, "a batch needs at least one row")
    if position >= order.count {
      order = generator.permutation(data.count)
      position = 0
      epoch += 1
    }
    let end = min(position + size, order.count)
    let rows = end - position
    let d = data.dimension
    if values.count != rows * d { values = [Float](repeating: 0, count: rows * d) }
    data.values.withUnsafeBufferPointer { src in
      values.withUnsafeMutableBufferPointer { dst in
        for r in 0..<rows {
          let from = order[position + r] * d
          for j in 0..<d { dst[r * d + j] = src[from + j] }
        }
      }
    }
    position = end
    return rows
  }

  /// Like `nextBatch(_:into:)`, also copying the batch's labels into `labels` (the
  /// rows must carry labels): the context of a conditional flow's training step.
  public mutating func nextBatch(_ size: Int, into values: inout [Float], labels: inout [Int]) -> Int {
    let n = nextBatch(size, into: &values)
    // Whether or not a new epoch started, the batch is order[position − n ..< position].
    let end = position
    guard let all = data.labels else { preconditionFailure("a labelled batch from rows without labels") }
    if labels.count != n { labels = [Int](repeating: 0, count: n) }
    for r in 0..<n { labels[r] = all[order[end - n + r]] }
    return n
  }

  /// Like `nextBatch(_:into:)`, also copying the batch's real-valued context rows into
  /// `context` (the rows must carry a context): a column-conditioned flow's training step.
  public mutating func nextBatch(_ size: Int, into values: inout [Float], context: inout [Float]) -> Int {
    let n = nextBatch(size, into: &values)
    let end = position
    guard let all = data.context else { preconditionFailure("a context batch from rows without a context") }
    let w = data.contextWidth
    if context.count != n * w { context = [Float](repeating: 0, count: n * w) }
    for r in 0..<n {
      let from = order[end - n + r] * w
      for j in 0..<w { context[r * w + j] = all[from + j] }
    }
    return n
  }

  /// The number of batches of `size` rows in one epoch (the last may be partial).
  public func batchesPerEpoch(_ size: Int) -> Int {
    (data.count + size - 1) / size
  }
}

extension Dataset {
  /// The row ranges of consecutive batches of up to `size` rows, in order: for evaluation,
  /// where every row is scored exactly once and order does not matter.
  public func batchRanges(of size: Int) -> [Range<Int>] {
    precondition(size > 0, "a batch needs at least one row")
    return stride(from: 0, to: count, by: size).map { $0..<Swift.min($0 + size, count) }
  }
}
