import Foundation
import SafeTensors
import Testing

/// A fresh temporary directory per test, removed when the value is released, so tests can
/// run in parallel without sharing files.
final class TempDir {
  /// The directory's path.
  let path: String

  init() {
    path = FileManager.default.temporaryDirectory.path + "/safetensors-tests-" + UUID().uuidString
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(atPath: path) }

  /// The path of `name` inside the directory.
  func file(_ name: String) -> String { path + "/" + name }

  /// Writes `bytes` to `name` inside the directory (plainly, not atomically); returns the path.
  @discardableResult
  func write(_ name: String, _ bytes: [UInt8]) throws -> String {
    let p = file(name)
    try Data(bytes).write(to: URL(fileURLWithPath: p))
    return p
  }

  /// The names of the files in the directory, sorted (hidden ones included).
  func listing() throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: path).sorted()
  }
}

/// A safetensors file built by hand: the header text, padded with spaces to a multiple of 8
/// bytes (unless `pad` is false), its length (or `declaredLength` instead), then `data`.
func craftedFile(header: String, data: [UInt8], declaredLength: UInt64? = nil, pad: Bool = true) -> [UInt8] {
  var text = Array(header.utf8)
  if pad { text += [UInt8](repeating: 0x20, count: (8 - text.count % 8) % 8) }
  let length = declaredLength ?? UInt64(text.count)
  return (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) } + text + data
}

/// Runs `body`, expecting a `SafeTensorsError` with the given problem id; returns it for
/// further checks of its message.
@discardableResult
func expectSafeTensorsError(
  _ id: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) -> SafeTensorsError? {
  do {
    try body()
    Issue.record("expected a \(id) error, but nothing was thrown", sourceLocation: sourceLocation)
  } catch let e as SafeTensorsError {
    #expect(e.id == id, "message: \(e)", sourceLocation: sourceLocation)
    return e
  } catch {
    Issue.record("expected a SafeTensorsError, got \(error)", sourceLocation: sourceLocation)
  }
  return nil
}

/// Writes `bytes` to a file in `dir` and reads it back, expecting error `id`; returns the error.
@discardableResult
func expectReadError(
  _ id: String, _ bytes: [UInt8], in dir: TempDir, sourceLocation: SourceLocation = #_sourceLocation
) throws -> SafeTensorsError? {
  let path = try dir.write("bad.safetensors", bytes)
  return expectSafeTensorsError(id, sourceLocation: sourceLocation) { _ = try SafeTensorsFile.read(from: path) }
}

/// SplitMix64: a small seeded generator so the junk and mutation tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
  var state: UInt64

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// A small file with one tensor of each typed constructor and some metadata.
func sampleFile() throws -> SafeTensorsFile {
  try SafeTensorsFile(
    tensors: [
      SafeTensor(name: "weights", shape: [2, 3], values: [Float(0.5), -1, 2, 3.25, .infinity, -0.0]),
      SafeTensor(name: "bias", shape: [3], values: [1.0e-300, -2.5, .pi]),
      SafeTensor(name: "step", shape: [], values: [Int64(-(1 << 62))]),
      SafeTensor(name: "mask", shape: [2, 2], values: [UInt8(0), 1, 255, 7]),
      SafeTensor(name: "perm", shape: [4], values: [Int32(3), 0, -2, .max]),
      SafeTensor(name: "flags", shape: [3], values: [true, false, true]),
      SafeTensor(name: "empty", shape: [0, 5], values: [Float]()),
    ],
    metadata: ["format": "flowc", "seed": "42", "spec": "flows/moons.yaml", "ünïcode \"q\"\n": "✓ \\ \u{1}"])
}
