/// The file formats flowc reads.
public enum DataFormat: String, Sendable, CaseIterable {
  /// Numeric text, comma or whitespace separated.
  case csv
  /// A NumPy `.npy` array.
  case npy
  /// An IDX (MNIST-format) image file.
  case idx

  /// The format a file name suggests, looking past a final `.gz`: `.csv`, `.txt`, `.tsv`
  /// and `.dat` are CSV, `.npy` is npy, and `.idx`, `.idx3`, or a name containing `-idx`
  /// or ending in `-ubyte` (`train-images-idx3-ubyte`) is IDX. Nil when nothing matches.
  public init?(fileName path: String) {
    var name = Substring(path.split(separator: "/").last ?? Substring(path)).lowercased()
    if name.hasSuffix(".gz") { name.removeLast(3) }
    if name.hasSuffix(".csv") || name.hasSuffix(".txt") || name.hasSuffix(".tsv") || name.hasSuffix(".dat") {
      self = .csv
    } else if name.hasSuffix(".npy") {
      self = .npy
    } else if name.hasSuffix(".idx") || name.hasSuffix(".idx3") || name.hasSuffix("-ubyte") || name.contains("-idx") {
      self = .idx
    } else {
      return nil
    }
  }
}

/// Reads a data file in the format its name suggests (or `format` when given). Gzip is
/// detected from the content, so `x.csv.gz` and a gzipped `x.csv` both work.
///
/// - Parameters:
///   - path: the file.
///   - format: the format, or nil to infer it from the name.
///   - labels: an optional IDX label file to attach (one label per row), for any format.
///   - contextColumns: header names of a CSV file whose values become the rows' context
///     (`CSVTable.splittingContext(columns:)`); the other columns are the features.
///   - limits: the memory bounds.
/// - Throws: `DataError` (`unknownFormat` when the name gives no clue), or any reader error.
public func readDataset(
  _ path: String, format: DataFormat? = nil, labels: String? = nil, contextColumns: [String]? = nil,
  limits: ReadLimits = .standard
) throws -> Dataset {
  guard let format = format ?? DataFormat(fileName: path) else {
    throw DataError(path: path, .unknownFormat)
  }
  let data: Dataset
  switch format {
  case .csv:
    let table = try readCSVTable(path, limits: limits)
    data = try contextColumns.map { try table.splittingContext(columns: $0) } ?? table.data
  case _ where contextColumns != nil:
    // Only a CSV header names columns (the validator refuses the spec first).
    throw DataError(path: path, .noHeader(columns: contextColumns!))
  case .npy: data = try readNPY(path, limits: limits)
  case .idx: data = try readIDXImages(path, limits: limits)
  }
  return try labels.map { try data.attachingLabels(from: $0, limits: limits) } ?? data
}

/// `readDataset` on a file's bytes as stored (gzip is inflated within `limits`), in
/// `format`; `path` names them in errors. The data-reader fuzz target's entry point.
public func decodeDataset(_ stored: [UInt8], format: DataFormat, path: String, limits: ReadLimits = .standard) throws -> Dataset {
  guard stored.count <= limits.maxFileBytes else {
    throw DataError(path: path, .fileTooLarge(bytes: stored.count, limit: limits.maxFileBytes))
  }
  let bytes = isGzip(stored) ? try gunzip(stored, limit: limits.maxDataBytes, path: path) : stored
  switch format {
  case .csv: return try decodeCSV(bytes, path: path)
  case .npy: return try decodeNPY(bytes, path: path, limits: limits)
  case .idx: return try decodeIDXImages(bytes, path: path, limits: limits)
  }
}
