import FlowData
import Foundation
import Testing

/// A fresh temporary directory per test, removed when the value is released, so tests can
/// run in parallel without sharing files.
final class TempDir {
  /// The directory's path.
  let path: String

  init() {
    path = FileManager.default.temporaryDirectory.path + "/flowdata-tests-" + UUID().uuidString
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(atPath: path) }

  /// Writes `bytes` (gzipped when `gzipped`) to `name` inside the directory; returns the path.
  @discardableResult
  func write(_ name: String, _ bytes: [UInt8], gzipped: Bool = false) throws -> String {
    let p = path + "/" + name
    try writeFileBytes(gzipped ? gzip(bytes) : bytes, to: p)
    return p
  }

  /// Writes text to `name`; returns the path.
  @discardableResult
  func write(_ name: String, text: String, gzipped: Bool = false) throws -> String {
    try write(name, Array(text.utf8), gzipped: gzipped)
  }
}

/// Runs `body`, expecting a `DataError` with the given problem id; returns it for further
/// checks of its message.
@discardableResult
func expectDataError(
  _ id: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) -> DataError? {
  do {
    try body()
    Issue.record("expected a \(id) error, but nothing was thrown", sourceLocation: sourceLocation)
  } catch let e as DataError {
    #expect(e.id == id, "message: \(e)", sourceLocation: sourceLocation)
    return e
  } catch {
    Issue.record("expected a DataError, got \(error)", sourceLocation: sourceLocation)
  }
  return nil
}

/// Big-endian bytes of a 32-bit value (IDX headers).
func bigEndian32(_ v: UInt32) -> [UInt8] {
  [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
}

/// An IDX file: magic (0, 0, type, dims.count), the dims, then `payload`.
func idxBytes(type: UInt8, dims: [UInt32], payload: [UInt8]) -> [UInt8] {
  [0, 0, type, UInt8(dims.count)] + dims.flatMap(bigEndian32) + payload
}

/// A `.npy` file with the given header dict text and payload, in format `version`
/// (1, 2 or 3), padded to a multiple of 64 bytes as numpy does.
func npyBytes(dict: String, payload: [UInt8], version: UInt8 = 1) -> [UInt8] {
  let lengthBytes = version == 1 ? 2 : 4
  var text = dict
  let unpadded = 8 + lengthBytes + text.utf8.count + 1
  text += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
  let n = text.utf8.count
  var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
  out += lengthBytes == 2 ? [UInt8(n & 0xFF), UInt8(n >> 8)] : [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24)]
  return out + Array(text.utf8) + payload
}

/// Little-endian bytes of each value.
func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
  values.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
}

/// Little-endian bytes of floats.
func littleEndianBytes(_ values: [Float]) -> [UInt8] { littleEndianBytes(values.map(\.bitPattern)) }

/// Little-endian bytes of doubles.
func littleEndianBytes(_ values: [Double]) -> [UInt8] { littleEndianBytes(values.map(\.bitPattern)) }

/// True when |a − b| ≤ atol + rtol·|b|.
func close(_ a: Double, _ b: Double, rtol: Double = 1e-6, atol: Double = 1e-9) -> Bool {
  abs(a - b) <= atol + rtol * abs(b)
}
