/// A tensor's element type, named as the safetensors header spells it.
///
/// Only the byte-sized types are listed; the sub-byte ones (`F4`, `F6_*`) are refused as
/// unknown. Elements are little-endian in the file whatever the host.
public enum SafeTensorDType: String, CaseIterable, Sendable {
  /// One byte per element, 0 or 1.
  case bool = "BOOL"
  /// Unsigned 8-bit integer.
  case u8 = "U8"
  /// Signed 8-bit integer.
  case i8 = "I8"
  /// 8-bit float with 5 exponent and 2 mantissa bits.
  case f8e5m2 = "F8_E5M2"
  /// 8-bit float with 4 exponent and 3 mantissa bits.
  case f8e4m3 = "F8_E4M3"
  /// Signed 16-bit integer.
  case i16 = "I16"
  /// Unsigned 16-bit integer.
  case u16 = "U16"
  /// IEEE 754 half-precision float.
  case f16 = "F16"
  /// bfloat16: the top half of an IEEE single.
  case bf16 = "BF16"
  /// Signed 32-bit integer.
  case i32 = "I32"
  /// Unsigned 32-bit integer.
  case u32 = "U32"
  /// IEEE 754 single-precision float.
  case f32 = "F32"
  /// IEEE 754 double-precision float.
  case f64 = "F64"
  /// Signed 64-bit integer.
  case i64 = "I64"
  /// Unsigned 64-bit integer.
  case u64 = "U64"

  /// Bytes per element.
  public var byteSize: Int {
    switch self {
    case .bool, .u8, .i8, .f8e5m2, .f8e4m3: 1
    case .i16, .u16, .f16, .bf16: 2
    case .i32, .u32, .f32: 4
    case .f64, .i64, .u64: 8
    }
  }
}
