import Foundation
import SafeTensors
import Testing

/// `SafeTensorsReader`, the on-demand reader checkpoints are loaded through: the header is
/// checked when the file is opened, each tensor is read when asked for, and a file that
/// changes under an open reader gives an error naming it, never short or stale bytes.
@Suite struct SafeTensorsReaderTests {
  @Test func readsTheSameTensorsAsTheWholeFileReadInAnyOrder() throws {
    let dir = TempDir()
    let file = try sampleFile()
    let path = dir.file("sample.safetensors")
    try file.write(to: path)

    let reader = try SafeTensorsReader(path: path)
    #expect(reader.layouts == file.tensors.map { SafeTensorLayout(name: $0.name, dtype: $0.dtype, shape: $0.shape) })
    #expect(reader.metadata == file.metadata)
    // Backwards, then one tensor twice: each read stands alone.
    for i in reader.layouts.indices.reversed() {
      #expect(try reader.tensor(at: i) == file.tensors[i])
    }
    #expect(try reader.tensor(at: 0) == file.tensors[0])
  }

  @Test func aFileCutShortAfterOpeningIsATruncatedErrorNamingIt() throws {
    let dir = TempDir()
    let file = try sampleFile()
    let path = dir.file("cut.safetensors")
    try file.write(to: path)
    let reader = try SafeTensorsReader(path: path)

    // Keep the length and the header, drop every tensor's bytes.
    let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    let headerLength = bytes[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    try handle.truncate(atOffset: UInt64(8 + headerLength))
    try handle.close()

    for (i, layout) in reader.layouts.enumerated() {
      let elementCount = layout.shape.reduce(1, *)
      if elementCount == 0 {
        // No bytes to read: still the right empty tensor.
        #expect(try reader.tensor(at: i) == file.tensors[i])
        continue
      }
      let e = expectSafeTensorsError("safetensors-truncated") { _ = try reader.tensor(at: i) }
      #expect(e?.description.hasPrefix(path + ": ") == true, "message: \(e.map { "\($0)" } ?? "none")")
    }
  }

  @Test func aCorruptHeaderIsRefusedWhenOpening() throws {
    let dir = TempDir()
    let path = try dir.write("bad.safetensors", craftedFile(header: "{\"w\": 1}", data: []))
    let e = expectSafeTensorsError("safetensors-invalid-entry") { _ = try SafeTensorsReader(path: path) }
    #expect(e?.description.hasPrefix(path + ": ") == true, "message: \(e.map { "\($0)" } ?? "none")")
  }
}
