import FlowRandom

/// How a conditional flow turns a sample's raw context (a class label) into the values
/// its networks and prior read.
public enum ContextEncoding: Sendable, Hashable, Codable {
  /// Class k of `classes` becomes the unit vector e_k (width `classes`).
  case oneHot(classes: Int)
  /// Class k becomes row k of a learned table [classes, width], shared by every layer
  /// (`context.embedding`, starting N(0, 1) like PyTorch's `nn.Embedding`).
  case embedding(classes: Int, width: Int)

  /// The number of classes a raw context value must lie in (0 ..< classes).
  public var classes: Int {
    switch self {
    case .oneHot(let k), .embedding(let k, _): k
    }
  }

  /// The width of an encoded row.
  public var width: Int {
    switch self {
    case .oneHot(let k): k
    case .embedding(_, let w): w
    }
  }
}

/// The flow's context encoder: fills the `ContextSlot` from each batch's class labels and,
/// for an embedding, turns the slot's gradient into the table's.
public final class ContextEncoder<T: FlowScalar> {
  /// The encoding.
  public let encoding: ContextEncoding
  /// What the layers read.
  public let slot: ContextSlot<T>
  /// The embedding table [classes, width], or nil for one-hot.
  public let embedding: Parameter<T>?
  /// The labels of the current batch.
  public private(set) var labels: [Int] = []

  /// An encoder; an embedding table's initial values come from `rng`.
  public init(_ encoding: ContextEncoding, rng: inout Xoshiro256) {
    precondition(encoding.classes > 0 && encoding.width > 0, "a context encoding needs classes and a width")
    self.encoding = encoding
    switch encoding {
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

  /// Sets the context of the next pass to the encodings of `labels`, one per row.
  /// Labels must lie in 0 ..< classes: the data reader and the command line check them
  /// with messages first, so one out of range here is a bug.
  public func encode(_ labels: [Int]) {
    let k = encoding.classes, w = encoding.width, n = labels.count
    self.labels = labels
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
