/// The `.npy` element types flowc reads, all little-endian (or byte-sized), as numpy
/// writes them on every common machine.
enum NPYElementType: String, CaseIterable {
  /// 32-bit float, flowc's working type: read as is.
  case float32 = "<f4"
  /// 64-bit float, rounded to the nearest `Float`.
  case float64 = "<f8"
  /// Unsigned byte (images saved from uint8 arrays).
  case uint8 = "|u1"
  /// 32-bit signed integer.
  case int32 = "<i4"
  /// 64-bit signed integer (exact up to 2^24 as a `Float`).
  case int64 = "<i8"

  /// Bytes per element.
  var size: Int {
    switch self {
    case .uint8: 1
    case .float32, .int32: 4
    case .float64, .int64: 8
    }
  }

  /// The dtype strings accepted, for error messages.
  static var names: [String] { allCases.map(\.rawValue) }
}

/// Reads a NumPy `.npy` file (plain or gzipped) into a dataset.
///
/// Shapes: `(n,)` is n rows of one value; `(n, d)` is n rows of d; `(n, a, b, ...)` is n
/// rows of a·b·… values with `shape == [a, b, ...]` (so an `(n, 28, 28)` array of images
/// keeps its image shape). Only C order is read: a Fortran-ordered array would need a
/// transpose, and saying so is clearer than silently reading columns as rows.
///
/// - Throws: `DataError` with `wrongMagic`, `malformedHeader`, `unsupportedDType`,
///   `fortranOrder`, `implausibleSize`, `truncated`, `trailingBytes`, `empty` or
///   `nonFiniteValue`; the sizes are checked before the values are allocated.
public func readNPY(_ path: String, limits: ReadLimits = .standard) throws -> Dataset {
  try decodeNPY(readFileBytes(path, limits: limits), path: path, limits: limits)
}

/// `readNPY` on bytes already read (and inflated); `path` names them in errors.
public func decodeNPY(_ bytes: [UInt8], path: String, limits: ReadLimits = .standard) throws -> Dataset {
  let header = try NPYHeader(parsing: bytes, path: path)
  guard let type = NPYElementType(rawValue: header.descr) else {
    throw DataError(path: path, .unsupportedDType(dtype: header.descr, supported: NPYElementType.names))
  }
  guard !header.fortranOrder else { throw DataError(path: path, .fortranOrder) }
  guard !header.shape.isEmpty else {
    throw DataError(path: path, .malformedHeader(reason: "a 0-d array (shape ()) holds a single number, not rows"))
  }
  let n = try checkedPayload(
    shape: header.shape, elementSize: type.size, available: bytes.count - header.dataOffset,
    limits: limits, path: path)
  let rows = header.shape[0]
  let inner = Array(header.shape.dropFirst())
  let d = inner.reduce(1, *)
  guard rows > 0, d > 0 else { throw DataError(path: path, .empty) }
  let values = try convertLittleEndian(bytes, offset: header.dataOffset, count: n, type: type, rowSize: d, path: path)
  return Dataset(
    values: values, count: rows, dimension: d, shape: inner.count > 1 ? inner : nil, source: path)
}

/// Converts `count` little-endian elements starting at `offset` to `Float`, reporting the
/// first non-finite value (NaN, infinity, or a double too large for a `Float`).
private func convertLittleEndian(
  _ bytes: [UInt8], offset: Int, count: Int, type: NPYElementType, rowSize: Int, path: String
) throws -> [Float] {
  var bad: Int?
  let values = bytes.withUnsafeBytes { raw in
    let p = raw.baseAddress! + offset
    return [Float](unsafeUninitializedCapacity: count) { out, initialized in
      switch type {
      case .uint8:
        let src = p.assumingMemoryBound(to: UInt8.self)
        for i in 0..<count { out[i] = Float(src[i]) }
      case .int32:
        for i in 0..<count { out[i] = Float(Int32(littleEndian: p.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))) }
      case .int64:
        for i in 0..<count { out[i] = Float(Int64(littleEndian: p.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self))) }
      case .float32:
        for i in 0..<count {
          out[i] = Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
          if bad == nil && !out[i].isFinite { bad = i }
        }
      case .float64:
        for i in 0..<count {
          out[i] = Float(Double(bitPattern: UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
          if bad == nil && !out[i].isFinite { bad = i }
        }
      }
      initialized = count
    }
  }
  if let bad { throw DataError(path: path, .nonFiniteValue(row: bad / rowSize, column: bad % rowSize)) }
  return values
}

/// Encodes rows as a version 1.0 `.npy` file (`<f4`, C order, shape `(count, dimension)`
/// or `(count, shape...)`): what `np.save` writes for the same array, so samples can be
/// loaded back in Python.
public func encodeNPY(_ data: Dataset) -> [UInt8] {
  var out = npyHeader(descr: "<f4", dims: [data.count] + (data.shape ?? [data.dimension]))
  out.reserveCapacity(out.count + 4 * data.values.count)
  for v in data.values {
    let b = v.bitPattern.littleEndian
    out += [UInt8(b & 0xFF), UInt8(b >> 8 & 0xFF), UInt8(b >> 16 & 0xFF), UInt8(b >> 24)]
  }
  return out
}

/// Encodes one float64 value per row (`<f8`, shape `(count,)`), e.g. log-densities.
public func encodeNPY(doubles values: [Double]) -> [UInt8] {
  var out = npyHeader(descr: "<f8", dims: [values.count])
  out.reserveCapacity(out.count + 8 * values.count)
  for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { out += $0 } }
  return out
}

/// Magic, version 1.0, header length and the header dict, padded with spaces so that the
/// data start on a 64-byte boundary, as numpy writes it.
func npyHeader(descr: String, dims: [Int]) -> [UInt8] {
  let shape = dims.count == 1 ? "(\(dims[0]),)" : "(" + dims.map(String.init).joined(separator: ", ") + ")"
  var dict = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
  let unpadded = 10 + dict.utf8.count + 1
  dict += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
  var out = NPYHeader.magic + [1, 0]
  let length = dict.utf8.count
  out += [UInt8(length & 0xFF), UInt8(length >> 8)]
  out += Array(dict.utf8)
  return out
}
