// Typed constructors and accessors: Swift arrays in and out, converted to and from the
// little-endian bytes the file holds.

extension SafeTensor {
  // MARK: - Constructors

  /// Creates an `F32` tensor.
  ///
  /// - Throws: `SafeTensorsError` with `sizeMismatch` when `values.count` is not the product of
  ///   `shape`, `negativeDimension`, `shapeOverflow` or `reservedName`.
  public init(name: String, shape: [Int], values: [Float]) throws {
    try self.init(name: name, dtype: .f32, shape: shape, bytes: littleEndianBytes(values.map(\.bitPattern)))
  }

  /// Creates an `F64` tensor.
  ///
  /// - Throws: as `init(name:shape:values:)` for `[Float]`.
  public init(name: String, shape: [Int], values: [Double]) throws {
    try self.init(name: name, dtype: .f64, shape: shape, bytes: littleEndianBytes(values.map(\.bitPattern)))
  }

  /// Creates an `I64` tensor.
  ///
  /// - Throws: as `init(name:shape:values:)` for `[Float]`.
  public init(name: String, shape: [Int], values: [Int64]) throws {
    try self.init(name: name, dtype: .i64, shape: shape, bytes: littleEndianBytes(values))
  }

  /// Creates an `I32` tensor.
  ///
  /// - Throws: as `init(name:shape:values:)` for `[Float]`.
  public init(name: String, shape: [Int], values: [Int32]) throws {
    try self.init(name: name, dtype: .i32, shape: shape, bytes: littleEndianBytes(values))
  }

  /// Creates a `U8` tensor.
  ///
  /// - Throws: as `init(name:shape:values:)` for `[Float]`.
  public init(name: String, shape: [Int], values: [UInt8]) throws {
    try self.init(name: name, dtype: .u8, shape: shape, bytes: values)
  }

  /// Creates a `BOOL` tensor (one byte per element, 0 or 1).
  ///
  /// - Throws: as `init(name:shape:values:)` for `[Float]`.
  public init(name: String, shape: [Int], values: [Bool]) throws {
    try self.init(name: name, dtype: .bool, shape: shape, bytes: values.map { $0 ? 1 : 0 })
  }

  // MARK: - Accessors

  /// The elements of an `F32` tensor.
  ///
  /// - Throws: `SafeTensorsError` with `wrongDType` for any other dtype.
  public func floats() throws -> [Float] {
    try requireDType(.f32)
    return decodeLittleEndian(bytes, as: UInt32.self).map(Float.init(bitPattern:))
  }

  /// The elements of an `F64` tensor.
  ///
  /// - Throws: `SafeTensorsError` with `wrongDType` for any other dtype.
  public func doubles() throws -> [Double] {
    try requireDType(.f64)
    return decodeLittleEndian(bytes, as: UInt64.self).map(Double.init(bitPattern:))
  }

  /// The elements of an `I64` tensor.
  ///
  /// - Throws: `SafeTensorsError` with `wrongDType` for any other dtype.
  public func int64s() throws -> [Int64] {
    try requireDType(.i64)
    return decodeLittleEndian(bytes, as: Int64.self)
  }

  /// The elements of an `I32` tensor.
  ///
  /// - Throws: `SafeTensorsError` with `wrongDType` for any other dtype.
  public func int32s() throws -> [Int32] {
    try requireDType(.i32)
    return decodeLittleEndian(bytes, as: Int32.self)
  }

  /// The elements of a `U8` tensor.
  ///
  /// - Throws: `SafeTensorsError` with `wrongDType` for any other dtype.
  public func uint8s() throws -> [UInt8] {
    try requireDType(.u8)
    return bytes
  }

  /// The elements of a `BOOL` tensor; any non-zero byte reads as `true`.
  ///
  /// - Throws: `SafeTensorsError` with `wrongDType` for any other dtype.
  public func bools() throws -> [Bool] {
    try requireDType(.bool)
    return bytes.map { $0 != 0 }
  }

  /// Throws `wrongDType` unless the tensor is of `wanted`.
  private func requireDType(_ wanted: SafeTensorDType) throws {
    guard dtype == wanted else {
      throw SafeTensorsError(path: nil, .wrongDType(name: name, dtype: dtype, requested: wanted))
    }
  }
}

/// The little-endian bytes of each value, in order.
func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
  let size = MemoryLayout<T>.size
  return [UInt8](unsafeUninitializedCapacity: values.count * size) { buffer, initialized in
    for (i, v) in values.enumerated() {
      withUnsafeBytes(of: v.littleEndian) { raw in
        for j in 0..<size { buffer[i * size + j] = raw[j] }
      }
    }
    initialized = values.count * size
  }
}

/// The values stored little-endian in `bytes`; `bytes.count` must be a multiple of the size.
func decodeLittleEndian<T: FixedWidthInteger>(_ bytes: [UInt8], as _: T.Type) -> [T] {
  let size = MemoryLayout<T>.size
  let count = bytes.count / size
  return bytes.withUnsafeBytes { raw in
    (0..<count).map { i in T(littleEndian: raw.loadUnaligned(fromByteOffset: i * size, as: T.self)) }
  }
}
