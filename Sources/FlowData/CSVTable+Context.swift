extension CSVTable {
  /// The header positions of `columns`, in their order.
  ///
  /// - Throws: `DataError` with `noHeader` when the file has no header line, or
  ///   `contextColumnNotFound` naming the first column the header lacks and the names it has.
  func indices(of columns: [String]) throws -> [Int] {
    guard let header else { throw DataError(path: data.source, .noHeader(columns: columns)) }
    return try columns.map { name in
      guard let j = header.firstIndex(of: name) else {
        throw DataError(path: data.source, .contextColumnNotFound(name: name, header: header))
      }
      return j
    }
  }

  /// The rows with the named `columns` split off as their real-valued context (in the
  /// order `columns` lists them) and the other columns, in file order, as the features:
  /// the data of a flow conditioned on those columns (`data.context.columns`).
  ///
  /// - Throws: `DataError` with `noHeader` when the file has no header line,
  ///   `contextColumnNotFound` naming the first column the header lacks and the names it
  ///   has, or `noFeatures` when every column is a context column.
  public func splittingContext(columns: [String]) throws -> Dataset {
    let contextIndex = try indices(of: columns)
    let taken = Set(contextIndex)
    let featureIndex = (0..<data.dimension).filter { !taken.contains($0) }
    guard !featureIndex.isEmpty else { throw DataError(path: data.source, .noFeatures(columns: columns)) }
    let n = data.count, d = data.dimension
    var features = [Float]()
    features.reserveCapacity(n * featureIndex.count)
    data.values.withUnsafeBufferPointer { v in
      for r in 0..<n { for j in featureIndex { features.append(v[r * d + j]) } }
    }
    return Dataset(values: features, count: n, dimension: featureIndex.count, labels: data.labels,
                   context: try contextValues(columns: columns), contextColumns: columns, source: data.source)
  }

  /// The values of the named `columns` of every row, in the order `columns` lists them,
  /// row after row (other columns are ignored): contexts to sample at.
  ///
  /// - Throws: `DataError` with `noHeader` or `contextColumnNotFound`, as
  ///   `splittingContext(columns:)`.
  public func contextValues(columns: [String]) throws -> [Float] {
    let contextIndex = try indices(of: columns)
    let n = data.count, d = data.dimension
    var context = [Float]()
    context.reserveCapacity(n * contextIndex.count)
    data.values.withUnsafeBufferPointer { v in
      for r in 0..<n { for j in contextIndex { context.append(v[r * d + j]) } }
    }
    return context
  }
}
