/// Everything that can go wrong while reading, generating or checking data.
///
/// One type for the whole module so the driver needs one `catch` and can turn any data
/// problem into a diagnostic. The message always starts with the file (or the toy source)
/// and says what is wrong and, where there is one, what to do about it:
///
///     data/x.idx.gz: wrong magic number 0x00000000 (expected 0x00000803 for an IDX image file); is this an MNIST-format file?
///     data/moons.csv: line 17, column 3: 'nan' is not a finite number
public struct DataError: Error, CustomStringConvertible, Equatable, Sendable {
  /// The file the problem is in, or a name such as `moons (toy data)` when there is no file.
  public let path: String
  /// What went wrong, with the numbers the message needs; tests and the driver match on it.
  public let problem: Problem

  /// Creates an error about `path`.
  public init(path: String, _ problem: Problem) {
    self.path = path
    self.problem = problem
  }

  /// The full message: `path: what is wrong; what to do`.
  public var description: String { "\(path): \(problem.message)" }

  /// A stable kebab-case identifier (e.g. `data-wrong-magic`) for diagnostics and tests.
  public var id: String { problem.id }
}

extension DataError {
  /// The kinds of data problem, each carrying what its message needs.
  public enum Problem: Equatable, Sendable {
    /// The file could not be opened or read; `reason` is the system's `strerror` text.
    case unreadable(reason: String)
    /// An output file could not be created or written (a full disk, no permission).
    case unwritable(reason: String)
    /// The file (before decompression) is larger than the reader's limit.
    case fileTooLarge(bytes: Int, limit: Int)
    /// The gzip stream inflates to more than the limit: a corrupt file or a gzip bomb.
    case decompressedTooLarge(limit: Int)
    /// The file starts with the gzip magic bytes but zlib cannot inflate it.
    case corruptGzip(reason: String)
    /// The file holds no data rows.
    case empty
    /// The format could not be told from the file name.
    case unknownFormat
    /// The first bytes are not the format's magic number.
    case wrongMagic(found: UInt32, expected: UInt32, format: String)
    /// A header could not be parsed; `reason` says which part.
    case malformedHeader(reason: String)
    /// The declared element type is not one this reader understands.
    case unsupportedDType(dtype: String, supported: [String])
    /// A `.npy` array stored column-major (`fortran_order: True`).
    case fortranOrder
    /// The header's shape describes more elements than can exist (overflow or over the limit).
    case implausibleSize(shape: [Int], limit: Int)
    /// The header declares more payload bytes than the file holds.
    case truncated(shape: [Int], declaredBytes: Int, actualBytes: Int)
    /// The file holds more payload bytes than the header declares.
    case trailingBytes(declaredBytes: Int, actualBytes: Int)
    /// A CSV field that does not parse as a number.
    case notANumber(line: Int, column: Int, text: String)
    /// A CSV field that parses as NaN or infinity, or overflows a 32-bit float.
    case notFinite(line: Int, column: Int, text: String)
    /// A binary value (npy, IDX) that is NaN or infinite after conversion to `Float`.
    case nonFiniteValue(row: Int, column: Int)
    /// A CSV row whose width differs from the first data row's.
    case raggedRow(line: Int, columns: Int, expected: Int, firstLine: Int)
    /// The rows have `found` values each but the flow expects `expected`.
    case dimensionMismatch(found: Int, expected: Int, shape: [Int]?)
    /// The images have shape `found` but the spec declares `expected`.
    case shapeMismatch(found: [Int], expected: [Int])
    /// An images file and its labels file disagree on the number of examples.
    case labelCountMismatch(images: Int, labels: Int, labelsPath: String)
    /// Classes were asked for but the rows carry no labels.
    case unlabelled
    /// A class asked for labels no row; `present` lists the labels that occur.
    case classNotFound(label: Int, present: [Int])
    /// A label a conditional flow's context cannot encode (outside 0 ..< classes); `row`
    /// is the example's index in the label file, from 0.
    case labelOutOfRange(label: Int, row: Int, classes: Int)
    /// A context column the CSV header does not have; `header` lists the names it has.
    case contextColumnNotFound(name: String, header: [String])
    /// Context columns were asked for, but the CSV file's first line is data, not names.
    case noHeader(columns: [String])
    /// Every column of the file is a context column: no feature is left for the flow.
    case noFeatures(columns: [String])
    /// The features left after the context columns are not the flow's dimension.
    case contextDimensionMismatch(features: Int, context: [String], expected: Int)
    /// An option of a toy source, split or preprocessing step is out of range.
    case invalidOption(name: String, value: String, expected: String)
    /// The file's content is in another format than the one it is read as (the spec's
    /// `source:`), e.g. a `.npy` array read as CSV.
    case formatMismatch(declared: String, found: String)
    /// The file has too few rows for the splits the spec asks for.
    case tooFewRows(rows: Int, needed: String)

    /// A stable kebab-case identifier for this kind of problem.
    public var id: String {
      switch self {
      case .unreadable: "data-unreadable"
      case .unwritable: "data-unwritable"
      case .fileTooLarge: "data-file-too-large"
      case .decompressedTooLarge: "data-decompressed-too-large"
      case .corruptGzip: "data-corrupt-gzip"
      case .empty: "data-empty"
      case .unknownFormat: "data-unknown-format"
      case .wrongMagic: "data-wrong-magic"
      case .malformedHeader: "data-malformed-header"
      case .unsupportedDType: "data-unsupported-dtype"
      case .fortranOrder: "data-fortran-order"
      case .implausibleSize: "data-implausible-size"
      case .truncated: "data-truncated"
      case .trailingBytes: "data-trailing-bytes"
      case .notANumber: "data-not-a-number"
      case .notFinite: "data-not-finite"
      case .nonFiniteValue: "data-non-finite-value"
      case .raggedRow: "data-ragged-row"
      case .dimensionMismatch: "data-dimension-mismatch"
      case .shapeMismatch: "data-shape-mismatch"
      case .labelCountMismatch: "data-label-count-mismatch"
      case .unlabelled: "data-unlabelled"
      case .classNotFound: "data-class-not-found"
      case .labelOutOfRange: "data-label-range"
      case .contextColumnNotFound: "data-context-column"
      case .noHeader: "data-no-header"
      case .noFeatures: "data-no-features"
      case .contextDimensionMismatch: "data-dimension-mismatch"
      case .invalidOption: "data-invalid-option"
      case .formatMismatch: "data-format-mismatch"
      case .tooFewRows: "data-too-few-rows"
      }
    }

    /// The message after `path: `, lower case, no final period.
    public var message: String {
      switch self {
      case .unreadable(let reason):
        return "cannot read the file: \(reason)"
      case .unwritable(let reason):
        return "cannot write the file: \(reason)"
      case .fileTooLarge(let bytes, let limit):
        return "the file is \(bytes) bytes, more than the reader's limit of \(limit) bytes; "
          + "raise the limit if the file is genuine"
      case .decompressedTooLarge(let limit):
        return "decompresses to more than the limit of \(limit) bytes; "
          + "is the file corrupt (or a gzip bomb)? raise the limit if the file is genuine"
      case .corruptGzip(let reason):
        return "starts like a gzip file but cannot be decompressed (\(reason)); is the download complete?"
      case .empty:
        return "holds no data rows"
      case .unknownFormat:
        return "cannot tell the format from the file name; "
          + "use a .csv, .txt, .npy or IDX (-idx3-ubyte, .idx) file, optionally gzipped (.gz)"
      case .wrongMagic(let found, let expected, let format):
        return "wrong magic number \(hex32(found)) (expected \(hex32(expected)) for \(format)); "
          + (format.contains("IDX") ? "is this an MNIST-format file?" : "is this really that kind of file?")
      case .malformedHeader(let reason):
        return "malformed header: \(reason)"
      case .unsupportedDType(let dtype, let supported):
        return "unsupported element type '\(dtype)'; supported: \(supported.joined(separator: ", "))"
      case .fortranOrder:
        return "the array is stored in Fortran (column-major) order, which is not supported; "
          + "save it with numpy.ascontiguousarray(a) or np.save(path, a) on a C-ordered array"
      case .implausibleSize(let shape, let limit):
        return "the header declares a \(shapeText(shape)) array, more than the limit of \(limit) bytes; "
          + "is the header corrupt?"
      case .truncated(let shape, let declared, let actual):
        return "truncated: the header declares \(shapeText(shape)) values (\(declared) bytes) "
          + "but the file holds \(actual) bytes of data"
      case .trailingBytes(let declared, let actual):
        return "the header declares \(declared) bytes of data but the file holds \(actual); "
          + "is the header or the file corrupt?"
      case .notANumber(let line, let column, let text):
        return "line \(line), column \(column): '\(text)' is not a number"
      case .notFinite(let line, let column, let text):
        return "line \(line), column \(column): '\(text)' is not a finite number"
      case .nonFiniteValue(let row, let column):
        return "the value at [\(row), \(column)] (indices from 0) is not a finite 32-bit number"
      case .raggedRow(let line, let columns, let expected, let firstLine):
        return "line \(line) has \(columns) columns but line \(firstLine) has \(expected); "
          + "every row must have the same number of columns"
      case .dimensionMismatch(let found, let expected, let shape):
        if let shape, shape.count > 1 {
          return "holds \(shapeText(shape)) images (\(found) values each) "
            + "but the spec's flow has dimension \(expected)"
        }
        return "has \(found) \(found == 1 ? "column" : "columns") but the spec's flow has dimension \(expected)"
      case .shapeMismatch(let found, let expected):
        return "holds \(shapeText(found)) images but the spec declares \(shapeText(expected))"
      case .labelCountMismatch(let images, let labels, let labelsPath):
        return "holds \(images) examples but \(labelsPath) holds \(labels) labels; "
          + "are these files from the same split?"
      case .unlabelled:
        return "carries no labels, so classes cannot be selected; give its IDX label file"
      case .classNotFound(let label, let present):
        return "no example is labelled \(label), a class asked for; the labels present are \(labelList(present))"
      case .labelOutOfRange(let label, let row, let classes):
        return "example \(row) (from 0) is labelled \(label), outside the context's 0 ..< \(classes) "
          + "(data.context.num_classes); raise 'num_classes' or give the right label file"
      case .contextColumnNotFound(let name, let header):
        return "has no column '\(name)', a context column (data.context.columns); its header names "
          + header.map { "'\($0)'" }.joined(separator: ", ")
      case .noHeader(let columns):
        return "has no header line, so it has no column named \(columns.map { "'\($0)'" }.joined(separator: ", ")) "
          + "(data.context.columns); add a first line naming every column, e.g. 'x1,x2,\(columns[0])'"
      case .noFeatures(let columns):
        return "has \(columns.count) \(columns.count == 1 ? "column" : "columns"), every one a context column "
          + "(data.context.columns), so no feature is left for the flow; the context conditions the other columns"
      case .contextDimensionMismatch(let features, let context, let expected):
        let total = features + context.count
        return "has \(total) columns, \(context.count) of them the context (\(context.joined(separator: ", "))), "
          + "which leaves \(features) \(features == 1 ? "feature" : "features"), but the spec's flow has dimension \(expected)"
      case .invalidOption(let name, let value, let expected):
        return "invalid \(name) \(value): expected \(expected)"
      case .formatMismatch(let declared, let found):
        return "is read as \(declared) (the spec's 'source'), but its content is a \(found) file; "
          + "set 'source: \(found)' or give the \(declared) file"
      case .tooFewRows(let rows, let needed):
        return "holds \(rows) \(rows == 1 ? "row" : "rows"), too few: \(needed)"
      }
    }
  }
}

/// `0x00000803`: the eight-digit hex form used in magic-number messages.
func hex32(_ v: UInt32) -> String {
  let digits = String(v, radix: 16)
  return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}

/// `0–9`, or `0, 2, 5`: sorted distinct labels as messages and tables print them (runs of
/// three or more shortened, at most 20 entries).
public func labelList(_ labels: [Int]) -> String {
  let labels = Array(Set(labels)).sorted()
  guard !labels.isEmpty else { return "none" }
  var parts: [String] = []
  var i = 0
  while i < labels.count {
    var j = i
    while j + 1 < labels.count && labels[j + 1] == labels[j] + 1 { j += 1 }
    if j - i >= 2 {
      parts.append("\(labels[i])–\(labels[j])")
    } else {
      for k in i...j { parts.append(String(labels[k])) }
    }
    i = j + 1
  }
  return parts.count > 20 ? parts.prefix(20).joined(separator: ", ") + ", …" : parts.joined(separator: ", ")
}

/// `60000×28×28`: a shape as messages print it.
func shapeText(_ shape: [Int]) -> String {
  shape.isEmpty ? "scalar" : shape.map(String.init).joined(separator: "×")
}
