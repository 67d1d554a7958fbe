import FlowRandom

/// How a conditional flow turns a sample's raw context (a class label, or real values)
/// into the values its networks and prior read.
public enum ContextEncoding: Sendable, Hashable, Codable {
  /// Class k of `classes` becomes the unit vector e_k (width `classes`).
  case oneHot(classes: Int)
  /// Class k becomes row k of a learned table [classes, width], shared by every layer
  /// (`context.embedding`, starting N(0, 1) like PyTorch's `nn.Embedding`).
  case embedding(classes: Int, width: Int)
  /// `width` real values a sample (named data columns), fed as they are.
  case identity(width: Int)
  /// `width` real values a sample, each z-scored, (v − mean)/std, with statistics held
  /// as buffers (`context.mean`, `context.std`) that the trainer sets from the training
  /// rows and checkpoints keep, so a sample's raw values are what callers give.
  case standardized(width: Int)

  /// The number of classes a raw context value must lie in (0 ..< classes); 0 for a
  /// real-valued context.
  public var classes: Int {
    switch self {
    case .oneHot(let k), .embedding(let k, _): k
    case .identity, .standardized: 0
    }
  }

  /// Whether the raw context is a class label (else `width` real values).
  public var isClassLabel: Bool {
    switch self {
    case .oneHot, .embedding: true
    case .identity, .standardized: false
    }
  }

  /// The width of an encoded row.
  public var width: Int {
    switch self {
    case .oneHot(let k): k
    case .embedding(_, let w): w
    case .identity(let w), .standardized(let w): w
    }
  }
}

/// The raw context of a pass, one entry per row: what `Flow.setContext` encodes.
public enum ContextRows: Sendable, Equatable {
  /// One class label per row (a one-hot or embedded context).
  case labels([Int])
  /// The encoding's `width` real values per row, row after row (an identity context).
  case values([Float])

  /// The number of rows, for a context of `width` values a row.
  public func count(width: Int) -> Int {
    switch self {
    case .labels(let l): l.count
    case .values(let v): width > 0 ? v.count / width : 0
    }
  }

  /// Rows `range` of a context of `width` values a row.
  public func rows(_ range: Range<Int>, width: Int) -> ContextRows {
    switch self {
    case .labels(let l): .labels(Array(l[range]))
    case .values(let v): .values(Array(v[(range.lowerBound * width)..<(range.upperBound * width)]))
    }
  }

  /// Row `i` repeated `count` times (a fixed context for many probes of one point).
  public func repeating(row i: Int, count: Int, width: Int) -> ContextRows {
    switch self {
    case .labels(let l): .labels([Int](repeating: l[i], count: count))
    case .values(let v):
      .values((0..<count).flatMap { _ in v[(i * width)..<((i + 1) * width)] })
    }
  }

  /// The labels of a class context (nil for real values).
  public var labels: [Int]? {
    if case .labels(let l) = self { return l }
    return nil
  }
}

/// The flow's context encoder: fills the `ContextSlot` from each batch's class labels (or
/// real values) and, for an embedding, turns the slot's gradient into the table's.
public final class ContextEncoder<T: FlowScalar> {
  /// The encoding.
  public let encoding: ContextEncoding
  /// What the layers read.
  public let slot: ContextSlot<T>
  /// The embedding table [classes, width], or nil for one-hot.
  public let embedding: Parameter<T>?
  /// A standardized context's per-column mean and standard deviation, [width] each
  /// (nil otherwise); 0 and 1 until `setStandardization` or a checkpoint sets them.
  public let statistics: (mean: Buffer<T>, std: Buffer<T>)?
  /// The labels of the current batch (empty for a real-valued context).
  public private(set) var labels: [Int] = []
  /// The number of rows of the current context.
  public private(set) var rows = 0

  /// An encoder; an embedding table's initial values come from `rng`.
  public init(_ encoding: ContextEncoding, rng: inout Xoshiro256) {
    precondition((!encoding.isClassLabel || encoding.classes > 0) && encoding.width > 0, "a context encoding needs classes and a width")
    self.encoding = encoding
    if case .standardized(let w) = encoding {
      statistics = (Buffer(name: "mean", shape: [w], value: [T](repeating: 0, count: w)),
                    Buffer(name: "std", shape: [w], value: [T](repeating: 1, count: w)))
    } else {
      statistics = nil
    }
    switch encoding {
    case .identity, .standardized:
      embedding = nil
      slot = ContextSlot(width: encoding.width, tracksGradient: false)
    case .oneHot:
      embedding = nil
      slot = ContextSlot(width: encoding.width, tracksGradient: false)
    case .embedding(let k, let w):
      var v = [T](repeating: 0, count: k * w)
      for i in v.indices { v[i] = T(rng.nextNormal()) }
      embedding = Parameter(name: "embedding", shape: [k, w], value: v)
      slot = ContextSlot(width: w, tracksGradient: true)
    }
  }

  /// Trainable tensors (the embedding table), names local to the encoder.
  public var parameters: [Parameter<T>] { embedding.map { [$0] } ?? [] }

  /// Buffers (a standardized context's statistics), names local to the encoder.
  public var buffers: [Buffer<T>] { statistics.map { [$0.mean, $0.std] } ?? [] }

  /// Sets a standardized context's statistics: the mean and standard deviation of each
  /// column over the training rows. A deviation that is zero or not finite (a constant
  /// column) becomes 1, so the column is centred but not blown up.
  public func setStandardization(mean: [Double], std: [Double]) {
    guard let statistics else { preconditionFailure("statistics for a context that is not standardized") }
    let w = encoding.width
    precondition(mean.count == w && std.count == w, "one mean and one deviation per context column")
    statistics.mean.value = mean.map { T($0) }
    statistics.std.value = std.map { $0 > 0 && $0.isFinite ? T($0) : 1 }
  }

  /// Sets the context of the next pass to the encodings of `labels`, one per row.
  /// Labels must lie in 0 ..< classes: the data reader and the command line check them
  /// with messages first, so one out of range here is a bug.
  public func encode(_ labels: [Int]) {
    precondition(encoding.isClassLabel, "a real-valued context encoded from class labels")
    let k = encoding.classes, w = encoding.width, n = labels.count
    self.labels = labels
    rows = n
    slot.value.resize(rows: n)
    slot.value.zero()
    slot.value.storage.withUnsafeMutableBufferPointer { c in
      for r in 0..<n {
        let label = labels[r]
        precondition(label >= 0 && label < k, "context label \(label) outside 0..<\(k)")
        if let embedding {
          embedding.value.withUnsafeBufferPointer { e in
            for j in 0..<w { c[r * w + j] = e[label * w + j] }
          }
        } else {
          c[r * w + label] = 1
        }
      }
    }
  }

  /// Sets the context of the next pass to `values`, `width` of them a row, as they are
  /// (an identity encoding) or z-scored with the statistics (a standardized one).
  public func encode(values: [Float]) {
    precondition(!encoding.isClassLabel, "a class context encoded from real values")
    let w = encoding.width
    precondition(values.count % w == 0, "\(values.count) context values do not fill rows of \(w)")
    let n = values.count / w
    labels = []
    rows = n
    slot.value.resize(rows: n)
    slot.value.storage.withUnsafeMutableBufferPointer { c in
      if let statistics {
        let mean = statistics.mean.value, std = statistics.std.value
        for r in 0..<n { for j in 0..<w { c[r * w + j] = (T(values[r * w + j]) - mean[j]) / std[j] } }
      } else {
        for i in 0..<(n * w) { c[i] = T(values[i]) }
      }
    }
  }

  /// Sets the context of the next pass from raw rows of either kind.
  public func encode(_ rows: ContextRows) {
    switch rows {
    case .labels(let l): encode(l)
    case .values(let v): encode(values: v)
    }
  }

  /// Zeroes the slot's gradient before a backward pass.
  func beginBackward() { slot.beginBackward() }

  /// Adds the slot's dL/dc into the embedding's gradient (row by row of the batch's labels).
  func finishBackward() {
    guard let embedding else { return }
    let w = encoding.width
    slot.gradient.storage.withUnsafeBufferPointer { g in
      embedding.gradient.withUnsafeMutableBufferPointer { de in
        for (r, label) in labels.enumerated() {
          for j in 0..<w { de[label * w + j] += g[r * w + j] }
        }
      }
    }
  }
}
