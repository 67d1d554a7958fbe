extension Dataset {
  /// Checks that the rows fit the flow the spec describes, before any training starts, so a
  /// mismatch is one clear message instead of a shape failure deep in the engine.
  ///
  /// - Parameters:
  ///   - dimension: the flow's input dimension from the spec.
  ///   - shape: the image shape the spec declares (e.g. `[28, 28]`), or nil when the spec
  ///     treats rows as plain vectors. When given, the data must carry the same shape;
  ///     data without a shape (CSV, 2-D npy) is accepted if its width matches. Leading
  ///     axes of size 1 do not count: an IDX file of 28×28 images is `[1, 28, 28]`, one
  ///     channel.
  /// - Throws: `DataError` with `dimensionMismatch` (e.g. `data/x.csv: has 3 columns but the
  ///   spec's flow has dimension 2`) or `shapeMismatch`.
  public func checkFits(dimension expected: Int, shape expectedShape: [Int]? = nil) throws {
    if let expectedShape, let shape, Self.withoutLeadingOnes(shape) != Self.withoutLeadingOnes(expectedShape) {
      throw DataError(path: source, .shapeMismatch(found: shape, expected: expectedShape))
    }
    if let columns = contextColumns, dimension != expected {
      throw DataError(path: source, .contextDimensionMismatch(features: dimension, context: columns, expected: expected))
    }
    guard dimension == expected else {
      throw DataError(path: source, .dimensionMismatch(found: dimension, expected: expected, shape: shape))
    }
  }

  /// The shape with its leading axes of size 1 dropped.
  static func withoutLeadingOnes(_ shape: [Int]) -> ArraySlice<Int> {
    let first = shape.firstIndex { $0 != 1 } ?? shape.endIndex
    return shape[first...]
  }
}
