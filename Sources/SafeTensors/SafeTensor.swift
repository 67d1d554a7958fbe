/// One named tensor: dtype, shape and the raw little-endian, row-major (C order) bytes.
///
/// The initializer checks that the shape and dtype account for exactly the bytes given, so a
/// `SafeTensor` that exists is always consistent and writing it cannot fail on its account.
public struct SafeTensor: Equatable, Sendable {
  /// The tensor's name, the key in the file's header.
  public let name: String
  /// The element type.
  public let dtype: SafeTensorDType
  /// The dimensions, outermost first; `[]` is a scalar (one element).
  public let shape: [Int]
  /// The elements, little-endian, row-major; `elementCount * dtype.byteSize` bytes.
  public let bytes: [UInt8]

  /// Creates a tensor from raw little-endian bytes.
  ///
  /// - Throws: `SafeTensorsError` (with no path) with `reservedName` for `__metadata__`,
  ///   `negativeDimension`, `shapeOverflow`, or `sizeMismatch` when the shape and dtype do not
  ///   call for exactly `bytes.count` bytes.
  public init(name: String, dtype: SafeTensorDType, shape: [Int], bytes: [UInt8]) throws {
    guard name != reservedMetadataKey else { throw SafeTensorsError(path: nil, .reservedName) }
    let expected = try byteCount(name: name, shape: shape, dtype: dtype, path: nil)
    guard expected == bytes.count else {
      throw SafeTensorsError(
        path: nil,
        .sizeMismatch(name: name, shape: shape, dtype: dtype, expectedBytes: expected, actualBytes: bytes.count))
    }
    self.name = name
    self.dtype = dtype
    self.shape = shape
    self.bytes = bytes
  }

  /// Creates a tensor whose bytes were already checked against its shape (the reader).
  init(unchecked name: String, dtype: SafeTensorDType, shape: [Int], bytes: [UInt8]) {
    self.name = name
    self.dtype = dtype
    self.shape = shape
    self.bytes = bytes
  }

  /// The number of elements: the product of `shape` (1 for a scalar).
  public var elementCount: Int { bytes.count / dtype.byteSize }
}

/// What a file's header says of a tensor: its name, dtype and shape, without the data
/// (`SafeTensorsFile.write(to:layouts:metadata:tensor:)` writes a header from these before
/// the tensors are made).
public struct SafeTensorLayout: Equatable, Sendable {
  /// The tensor's name.
  public let name: String
  /// The element type.
  public let dtype: SafeTensorDType
  /// The dimensions, outermost first.
  public let shape: [Int]

  /// A layout; the shape is checked when a header is written from it.
  public init(name: String, dtype: SafeTensorDType, shape: [Int]) {
    self.name = name
    self.dtype = dtype
    self.shape = shape
  }
}

extension SafeTensor {
  /// The tensor's name, dtype and shape.
  public var layout: SafeTensorLayout { SafeTensorLayout(name: name, dtype: dtype, shape: shape) }
}

/// The header key that holds the file's string-to-string metadata.
let reservedMetadataKey = "__metadata__"

/// The bytes a tensor of `shape` and `dtype` occupies, with every multiplication checked.
///
/// - Throws: `SafeTensorsError` at `path` with `negativeDimension` or `shapeOverflow`.
func byteCount(name: String, shape: [Int], dtype: SafeTensorDType, path: String?) throws -> Int {
  guard shape.allSatisfy({ $0 >= 0 }) else {
    throw SafeTensorsError(path: path, .negativeDimension(name: name, shape: shape))
  }
  // A zero dimension makes the product 0, but the other dimensions must still fit together:
  // code that computes strides multiplies the trailing ones and must not overflow either.
  var bytes = dtype.byteSize
  var nonZeroBytes = dtype.byteSize
  for d in shape {
    let (p, o1) = bytes.multipliedReportingOverflow(by: d)
    let (q, o2) = nonZeroBytes.multipliedReportingOverflow(by: max(d, 1))
    guard !o1, !o2 else {
      throw SafeTensorsError(path: path, .shapeOverflow(name: name, shape: shape.map(String.init), dtype: dtype))
    }
    bytes = p
    nonZeroBytes = q
  }
  return bytes
}
