/// The element types of the IDX format (LeCun's MNIST files): the third byte of the magic
/// number. All multi-byte values are big-endian.
public enum IDXElementType: UInt8, Sendable, CaseIterable {
  /// Unsigned byte (MNIST pixels and labels).
  case ubyte = 0x08
  /// Signed byte.
  case byte = 0x09
  /// 16-bit signed integer.
  case short = 0x0B
  /// 32-bit signed integer.
  case int = 0x0C
  /// 32-bit float.
  case float = 0x0D
  /// 64-bit float.
  case double = 0x0E

  /// Bytes per element.
  public var size: Int {
    switch self {
    case .ubyte, .byte: 1
    case .short: 2
    case .int, .float: 4
    case .double: 8
    }
  }

  /// True for the integer types, the only ones a labels file may use.
  var isInteger: Bool { self != .float && self != .double }
}

/// An IDX file as stored: its dimensions and its values converted to `Float`.
public struct IDXArray: Sendable, Equatable {
  /// The element type the file declares.
  public var elementType: IDXElementType
  /// The dimensions, outermost first (60000, 28, 28 for MNIST training images).
  public var dims: [Int]
  /// The values in file order (row-major), converted to `Float`.
  public var values: [Float]
}

/// What the caller expects the file to be, for the magic-number message.
enum IDXExpectation {
  /// Any element type and number of dimensions.
  case any
  /// count × rows × columns.
  case images
  /// One integer per example.
  case labels
}

/// Reads any IDX file, plain or gzipped: checks the magic number, then the declared size
/// against the bytes present (before allocating), then converts the values to `Float`.
///
/// - Throws: `DataError` with `wrongMagic`, `truncated`, `trailingBytes`,
///   `implausibleSize`, `nonFiniteValue` (NaN or infinity in a float file) or a read error.
public func readIDX(_ path: String, limits: ReadLimits = .standard) throws -> IDXArray {
  try readIDX(path, expecting: .any, limits: limits)
}

/// Reads an IDX image file (magic 0x00000803 for bytes: count × rows × columns) into a
/// dataset with a row of rows·columns values per image and `shape == [rows, columns]`.
/// Pixels keep their stored values (0...255 for bytes); scaling is a preprocessing step.
public func readIDXImages(_ path: String, limits: ReadLimits = .standard) throws -> Dataset {
  try decodeIDXImages(readFileBytes(path, limits: limits), path: path, limits: limits)
}

/// `readIDXImages` on bytes already read (and inflated); `path` names them in errors.
public func decodeIDXImages(_ bytes: [UInt8], path: String, limits: ReadLimits = .standard) throws -> Dataset {
  let a = try decodeIDX(bytes, path: path, expecting: .images, limits: limits)
  let n = a.dims[0]
  let shape = Array(a.dims.dropFirst())
  let d = shape.reduce(1, *)
  guard n > 0, d > 0 else { throw DataError(path: path, .empty) }
  return Dataset(values: a.values, count: n, dimension: d, shape: shape, source: path)
}

/// Reads an IDX label file (magic 0x00000801: one integer per example).
public func readIDXLabels(_ path: String, limits: ReadLimits = .standard) throws -> [Int] {
  try decodeIDXLabels(readFileBytes(path, limits: limits), path: path, limits: limits)
}

/// `readIDXLabels` on bytes already read (and inflated).
public func decodeIDXLabels(_ bytes: [UInt8], path: String, limits: ReadLimits = .standard) throws -> [Int] {
  let a = try decodeIDX(bytes, path: path, expecting: .labels, limits: limits)
  return a.values.map { Int($0) }
}

/// Reads an MNIST-style pair, images and (optionally) labels, into one labelled dataset.
///
/// - Throws: `DataError` with `labelCountMismatch` when the two files disagree on the
///   number of examples, or any error of the two readers.
public func readIDXDataset(images: String, labels: String?, limits: ReadLimits = .standard) throws -> Dataset {
  let data = try readIDXImages(images, limits: limits)
  return try labels.map { try data.attachingLabels(from: $0, limits: limits) } ?? data
}

/// The reader behind the public functions; `expecting` picks the magic number demanded.
func readIDX(_ path: String, expecting: IDXExpectation, limits: ReadLimits) throws -> IDXArray {
  try decodeIDX(readFileBytes(path, limits: limits), path: path, expecting: expecting, limits: limits)
}

/// The decoder behind the readers, on bytes already read (and inflated).
func decodeIDX(_ bytes: [UInt8], path: String, expecting: IDXExpectation, limits: ReadLimits) throws -> IDXArray {
  let magic = bytes.count >= 4 ? bytes[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) } : 0
  let type = bytes.count >= 4 ? IDXElementType(rawValue: bytes[2]) : nil
  let ndims = bytes.count >= 4 ? Int(bytes[3]) : 0
  let valid: Bool
  switch expecting {
  case .any: valid = ndims >= 1
  case .images: valid = ndims == 3
  case .labels: valid = ndims == 1 && (type?.isInteger ?? false)
  }
  guard bytes.count >= 4, bytes[0] == 0, bytes[1] == 0, let type, valid else {
    let (expected, what): (UInt32, String) =
      switch expecting {
      case .any: (0x0000_0801, "an IDX file (0x000008nn for bytes, nn = the number of dimensions)")
      case .images: (0x0000_0803, "an IDX image file")
      case .labels: (0x0000_0801, "an IDX label file")
      }
    throw DataError(path: path, .wrongMagic(found: magic, expected: expected, format: what))
  }

  let headerSize = 4 + 4 * ndims
  guard bytes.count >= headerSize else {
    throw DataError(
      path: path,
      .malformedHeader(reason: "the magic number announces \(ndims) dimensions but the file ends after \(bytes.count) bytes"))
  }
  var dims = [Int]()
  for k in 0..<ndims {
    dims.append(bytes[4 + 4 * k..<8 + 4 * k].reduce(0) { $0 << 8 | Int($1) })
  }
  let n = try checkedPayload(
    shape: dims, elementSize: type.size, available: bytes.count - headerSize, limits: limits, path: path)
  let rowSize = dims.dropFirst().reduce(1, *)
  let values = try convertBigEndian(bytes, offset: headerSize, count: n, type: type, rowSize: rowSize, path: path)
  return IDXArray(elementType: type, dims: dims, values: values)
}

/// Converts `count` big-endian elements starting at `offset` to `Float`. Bytes, the common
/// case, take a plain widening loop that the optimiser vectorises.
private func convertBigEndian(
  _ bytes: [UInt8], offset: Int, count: Int, type: IDXElementType, rowSize: Int, path: String
) throws -> [Float] {
  var bad: Int?
  let values = bytes.withUnsafeBytes { raw in
    let p = raw.baseAddress! + offset
    return [Float](unsafeUninitializedCapacity: count) { out, initialized in
      switch type {
      case .ubyte:
        let src = p.assumingMemoryBound(to: UInt8.self)
        for i in 0..<count { out[i] = Float(src[i]) }
      case .byte:
        let src = p.assumingMemoryBound(to: Int8.self)
        for i in 0..<count { out[i] = Float(src[i]) }
      case .short:
        for i in 0..<count { out[i] = Float(Int16(bigEndian: p.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self))) }
      case .int:
        for i in 0..<count { out[i] = Float(Int32(bigEndian: p.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))) }
      case .float:
        for i in 0..<count {
          out[i] = Float(bitPattern: UInt32(bigEndian: p.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
          if bad == nil && !out[i].isFinite { bad = i }
        }
      case .double:
        for i in 0..<count {
          let d = Double(bitPattern: UInt64(bigEndian: p.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)))
          out[i] = Float(d)
          if bad == nil && !out[i].isFinite { bad = i }
        }
      }
      initialized = count
    }
  }
  if let bad {
    let r = max(rowSize, 1)
    throw DataError(path: path, .nonFiniteValue(row: bad / r, column: bad % r))
  }
  return values
}
