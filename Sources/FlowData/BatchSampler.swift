import FlowRandom

/// Takes training batches from a dataset epoch by epoch: each epoch visits every row once,
/// in a fresh seeded order, so a run is reproducible from its seed.
///
/// The last batch of an epoch holds whatever rows remain (it may be smaller than asked);
/// the next call starts a new epoch with a new permutation. Nothing is dropped, so the
/// epoch-average loss weights every row equally.
public struct BatchSampler: Sendable {
  /// The rows as bytes when every value is an integer in 0...255 (image pixels before
  /// dequantization, 60,000 Fashion-MNIST images: 47 MB instead of 188 MB as Float32),
  /// converted to Float per batch; nil otherwise, and `floats` holds them.
  let bytes: [UInt8]?
  /// The rows as given, when they are not all bytes; empty otherwise.
  let floats: [Float]
  /// Everything of the dataset but its values (shape, labels, context, source).
  let count: Int
  let dimension: Int
  let shape: [Int]?
  let labels: [Int]?
  let context: [Float]?
  let contextWidth: Int
  let contextColumns: [String]?
  let source: String
  /// Draws each epoch's permutation.
  var generator: Xoshiro256
  /// This epoch's row order.
  var order: [Int]
  /// How many rows of `order` have been handed out.
  public internal(set) var position: Int
  /// The number of epochs started so far (1 after the first batch).
  public internal(set) var epoch: Int

  /// Creates a sampler over a non-empty dataset; the first epoch's order is drawn on the
  /// first batch. Rows that are all bytes are kept as bytes (exactly: each value is one of
  /// 0, 1, ..., 255), so the dataset passed in can be released.
  public init(data: Dataset, generator: Xoshiro256) {
    precondition(data.count > 0, "batches need at least one row")
    let allBytes = Self.areBytes(data.values[...])
    self.init(bytes: allBytes ? data.values.map { UInt8($0) } : nil, floats: allBytes ? [] : data.values,
              count: data.count, labels: data.labels, context: data.context, of: data, generator: generator)
  }

  /// Creates a sampler over the given rows of `data`, in that order, as if over
  /// `data.rows(rows)`, but rows that are all bytes are gathered straight into bytes,
  /// without that Float copy (for the training part of a split: 41 MiB for 55,000
  /// Fashion-MNIST images, instead of 164 MiB of Float32 next to the file's own rows).
  public init(rows: some Collection<Int>, of data: Dataset, generator: Xoshiro256) {
    precondition(!rows.isEmpty, "batches need at least one row")
    precondition(rows.allSatisfy { $0 >= 0 && $0 < data.count }, "row index out of range")
    let d = data.dimension
    let allBytes = data.values.withUnsafeBufferPointer { v in rows.allSatisfy { Self.areBytes(v[$0 * d..<($0 + 1) * d]) } }
    guard allBytes else {
      self.init(data: data.rows(rows), generator: generator)
      return
    }
    var bytes = [UInt8]()
    bytes.reserveCapacity(rows.count * d)
    data.values.withUnsafeBufferPointer { v in
      for i in rows { bytes.append(contentsOf: v[i * d..<(i + 1) * d].lazy.map { UInt8($0) }) }
    }
    let (labels, context) = data.labelsAndContext(ofRows: rows)
    self.init(bytes: bytes, floats: [], count: rows.count, labels: labels, context: context, of: data, generator: generator)
  }

  /// Whether every value is one of 0, 1, ..., 255. `sign == .plus` keeps -0.0 out (a Float
  /// row); NaN fails `<= 255`.
  private static func areBytes(_ values: some Collection<Float>) -> Bool {
    values.allSatisfy { $0.sign == .plus && $0 <= 255 && $0 == $0.rounded(.towardZero) }
  }

  /// The sampler over rows already taken: `bytes` or `floats`, `count` rows with their
  /// labels and context, and the rest (dimension, shape, names, source) from `data`.
  private init(bytes: [UInt8]?, floats: [Float], count: Int, labels: [Int]?, context: [Float]?, of data: Dataset,
               generator: Xoshiro256) {
    self.bytes = bytes
    self.floats = floats
    self.count = count
    dimension = data.dimension
    shape = data.shape
    self.labels = labels
    self.context = context
    contextWidth = data.contextWidth
    contextColumns = data.contextColumns
    source = data.source
    self.generator = generator
    self.order = []
    self.position = 0
    self.epoch = 0
  }

  /// The rows batches are taken from, as a dataset: a new copy of all of them (in Float),
  /// for the few readers that need the whole set (an OOD score of the training rows).
  public var data: Dataset {
    Dataset(values: bytes.map { $0.map(Float.init) } ?? floats, count: count, dimension: dimension, shape: shape,
            labels: labels, context: context, contextColumns: contextColumns, source: source)
  }

  /// Whether the rows are held as bytes.
  public var holdsBytes: Bool { bytes != nil }

  /// The next batch of up to `size` rows.
  public mutating func nextBatch(_ size: Int) -> Dataset {
    var values: [Float] = []
    let n = nextBatch(size, into: &values)
    let picked = order[(position - n)..<position]
    let w = contextWidth
    return Dataset(values: values, count: n, dimension: dimension, shape: shape,
                   labels: labels.map { l in picked.map { l[$0] } },
                   context: context.map { c in picked.flatMap { c[($0 * w)..<(($0 + 1) * w)] } },
                   contextColumns: contextColumns, source: source)
  }

  /// The next batch copied into `values` (resized only when the batch's shape changes,
  /// e.g. for the short last batch of an epoch), so that a training loop reusing one buffer
  /// allocates nothing per batch. Returns the number of rows; the same rows, in the same
  /// order, as `nextBatch(_:)` would return.
  public mutating func nextBatch(_ size: Int, into values: inout [Float]) -> Int {
    precondition(size > 0, "a batch needs at least one row")
    if position >= order.count {
      order = generator.permutation(count)
      position = 0
      epoch += 1
    }
    let end = min(position + size, order.count)
    let rows = end - position
    let d = dimension
    if values.count != rows * d { values = [Float](repeating: 0, count: rows * d) }
    values.withUnsafeMutableBufferPointer { dst in
      if let bytes {
        bytes.withUnsafeBufferPointer { src in copyRows(src, into: dst, rows: rows, dimension: d) { Float($0) } }
      } else {
        floats.withUnsafeBufferPointer { src in copyRows(src, into: dst, rows: rows, dimension: d) { $0 } }
      }
    }
    position = end
    return rows
  }

  /// Copies the rows `order[position ..< position + rows]` of `src` into `dst`, converted.
  @inline(__always)
  private func copyRows<S>(_ src: UnsafeBufferPointer<S>, into dst: UnsafeMutableBufferPointer<Float>, rows: Int,
                           dimension d: Int, _ convert: (S) -> Float) {
    for r in 0..<rows {
      let from = order[position + r] * d
      for j in 0..<d { dst[r * d + j] = convert(src[from + j]) }
    }
  }

  /// Like `nextBatch(_:into:)`, also copying the batch's labels into `labels` (the
  /// rows must carry labels): the context of a conditional flow's training step.
  public mutating func nextBatch(_ size: Int, into values: inout [Float], labels batchLabels: inout [Int]) -> Int {
    let n = nextBatch(size, into: &values)
    // Whether or not a new epoch started, the batch is order[position − n ..< position].
    let end = position
    guard let all = labels else { preconditionFailure("a labelled batch from rows without labels") }
    if batchLabels.count != n { batchLabels = [Int](repeating: 0, count: n) }
    for r in 0..<n { batchLabels[r] = all[order[end - n + r]] }
    return n
  }

  /// Like `nextBatch(_:into:)`, also copying the batch's real-valued context rows into
  /// `context` (the rows must carry a context): a column-conditioned flow's training step.
  public mutating func nextBatch(_ size: Int, into values: inout [Float], context batchContext: inout [Float]) -> Int {
    let n = nextBatch(size, into: &values)
    let end = position
    guard let all = context else { preconditionFailure("a context batch from rows without a context") }
    let w = contextWidth
    if batchContext.count != n * w { batchContext = [Float](repeating: 0, count: n * w) }
    for r in 0..<n {
      let from = order[end - n + r] * w
      for j in 0..<w { batchContext[r * w + j] = all[from + j] }
    }
    return n
  }

  /// The number of batches of `size` rows in one epoch (the last may be partial).
  public func batchesPerEpoch(_ size: Int) -> Int {
    (count + size - 1) / size
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
