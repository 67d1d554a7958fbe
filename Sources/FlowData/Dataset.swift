/// A table of examples: `count` rows of `dimension` values each, stored row-major in one
/// contiguous `[Float]` so a batch can be handed to the engine's matrices without reshaping.
///
/// Images are flattened: a 28×28 image is a row of 784 values with `shape == [28, 28]`
/// (row-major, so value `r * 28 + c` is pixel (r, c)). Labels, when the source has them
/// (IDX label files, the toy sources' components), are kept beside the rows but never fed
/// to the flow.
public struct Dataset: Sendable, Equatable {
  /// The number of examples (rows).
  public let count: Int
  /// The number of values in each row.
  public let dimension: Int
  /// The per-example shape for image data (e.g. `[28, 28]`), whose product is `dimension`;
  /// nil for plain vectors.
  public let shape: [Int]?
  /// `count * dimension` values, row after row.
  public var values: [Float]
  /// One label per row, or nil when the source has none.
  public var labels: [Int]?
  /// A conditional flow's real-valued context, `contextWidth` values per row, row after
  /// row (the named CSV columns split off the features), or nil.
  public var context: [Float]?
  /// Values per context row (0 without a context).
  public let contextWidth: Int
  /// The names of the context's columns, in their order, or nil.
  public let contextColumns: [String]?
  /// Where the rows came from: a file path or a toy source name such as `moons (toy data)`;
  /// error messages start with it.
  public let source: String

  /// Creates a dataset; the sizes must agree (a programming error otherwise, so it traps).
  ///
  /// - Parameters:
  ///   - values: `count * dimension` values, row-major.
  ///   - count: the number of rows.
  ///   - dimension: the number of values per row.
  ///   - shape: the per-row image shape, whose product must equal `dimension`.
  ///   - labels: nil or exactly `count` labels.
  ///   - context: nil or `count × contextColumns.count` real context values, row-major.
  ///   - contextColumns: the names of the context's columns (with `context`).
  ///   - source: the file path or toy source name.
  public init(
    values: [Float], count: Int, dimension: Int, shape: [Int]? = nil,
    labels: [Int]? = nil, context: [Float]? = nil, contextColumns: [String]? = nil, source: String
  ) {
    precondition(count >= 0 && dimension >= 0, "a dataset needs non-negative sizes")
    precondition(values.count == count * dimension, "values do not fill count × dimension")
    precondition(labels == nil || labels!.count == count, "one label per row")
    precondition(shape == nil || shape!.reduce(1, *) == dimension, "shape must multiply to dimension")
    precondition((context == nil) == (contextColumns == nil), "context values come with their column names")
    let width = contextColumns?.count ?? 0
    precondition(context == nil || context!.count == count * width, "context values do not fill count × columns")
    self.values = values
    self.context = context
    self.contextWidth = width
    self.contextColumns = contextColumns
    self.count = count
    self.dimension = dimension
    self.shape = shape
    self.labels = labels
    self.source = source
  }

  /// The values of row `i`, as a copy.
  public func row(_ i: Int) -> [Float] {
    precondition(i >= 0 && i < count, "row index out of range")
    return Array(values[i * dimension..<(i + 1) * dimension])
  }

  /// The value at row `i`, column `j`.
  public subscript(i: Int, j: Int) -> Float {
    values[i * dimension + j]
  }

  /// A new dataset made of the given rows, in the given order (a batch, or one part of a
  /// split). Indices may repeat.
  public func rows(_ indices: some Collection<Int>) -> Dataset {
    var out = [Float]()
    out.reserveCapacity(indices.count * dimension)
    values.withUnsafeBufferPointer { src in
      for i in indices {
        precondition(i >= 0 && i < count, "row index out of range")
        out.append(contentsOf: src[i * dimension..<(i + 1) * dimension])
      }
    }
    let (outLabels, outContext) = labelsAndContext(ofRows: indices)
    return Dataset(
      values: out, count: indices.count, dimension: dimension, shape: shape,
      labels: outLabels, context: outContext, contextColumns: contextColumns, source: source)
  }

  /// The labels and context rows of the given rows, in the given order (what `rows(_:)`
  /// carries beside the values), for a reader that takes the values its own way.
  public func labelsAndContext(ofRows indices: some Collection<Int>) -> (labels: [Int]?, context: [Float]?) {
    let w = contextWidth
    return (
      labels.map { l in indices.map { l[$0] } },
      context.map { c in
        var o = [Float]()
        o.reserveCapacity(indices.count * w)
        for i in indices { o.append(contentsOf: c[i * w..<(i + 1) * w]) }
        return o
      })
  }

  /// The mean of each column, in `Double` so a 60,000-row sum keeps its digits.
  public func columnMeans() -> [Double] {
    var sums = [Double](repeating: 0, count: dimension)
    guard count > 0 else { return sums }
    values.withUnsafeBufferPointer { v in
      for i in 0..<count {
        for j in 0..<dimension { sums[j] += Double(v[i * dimension + j]) }
      }
    }
    return sums.map { $0 / Double(count) }
  }

  /// The population standard deviation of each column (divides by `count`).
  public func columnStandardDeviations() -> [Double] {
    let means = columnMeans()
    var sums = [Double](repeating: 0, count: dimension)
    guard count > 0 else { return sums }
    values.withUnsafeBufferPointer { v in
      for i in 0..<count {
        for j in 0..<dimension {
          let d = Double(v[i * dimension + j]) - means[j]
          sums[j] += d * d
        }
      }
    }
    return sums.map { ($0 / Double(count)).squareRoot() }
  }
}
