import Foundation
@testable import SafeTensors
import Testing

/// The streaming writer (tensors made one at a time after the header) and the reader that
/// skips tensors by name: what checkpoints of large flows use to stay within the memory of
/// the weights themselves.
@Suite struct SafeTensorsStreamingTests {
  @Test func streamedFileIsByteForByteTheWholeFile() throws {
    let dir = TempDir()
    let file = try sampleFile()
    var made: [Int] = []
    let path = dir.file("streamed.safetensors")
    try SafeTensorsFile.write(to: path, layouts: file.tensors.map(\.layout), metadata: file.metadata) { i in
      made.append(i)
      return file.tensors[i]
    }
    // Each tensor is asked for once, in order, so only one is alive at a time.
    #expect(made == Array(file.tensors.indices))
    let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    #expect(bytes == file.serialized())
    #expect(try SafeTensorsFile.read(from: path) == file)
  }

  @Test func aTensorThatDoesNotMatchItsLayoutLeavesNoFile() throws {
    let dir = TempDir()
    let path = dir.file("bad.safetensors")
    let layouts = [SafeTensorLayout(name: "w", dtype: .f32, shape: [2])]
    #expect {
      try SafeTensorsFile.write(to: path, layouts: layouts, metadata: [:]) { _ in
        try SafeTensor(name: "w", shape: [3], values: [Float(1), 2, 3])
      }
    } throws: { error in
      guard let e = error as? SafeTensorsError, case .invalidEntry(let name, let reason) = e.problem else { return false }
      return name == "w" && reason.contains("[3]") && reason.contains("[2]")
    }
    // Neither the file nor its temporary is left behind.
    #expect(try dir.listing().isEmpty)
  }

  @Test func duplicateOrReservedLayoutNamesAreRefusedBeforeWriting() throws {
    let dir = TempDir()
    let twice = [SafeTensorLayout(name: "a", dtype: .u8, shape: [1]), SafeTensorLayout(name: "a", dtype: .u8, shape: [1])]
    #expect(throws: SafeTensorsError.self) {
      try SafeTensorsFile.write(to: dir.file("x.safetensors"), layouts: twice, metadata: [:]) { _ in
        try SafeTensor(name: "a", shape: [1], values: [UInt8(1)])
      }
    }
    let reserved = [SafeTensorLayout(name: "__metadata__", dtype: .u8, shape: [1])]
    #expect(throws: SafeTensorsError.self) {
      try SafeTensorsFile.write(to: dir.file("y.safetensors"), layouts: reserved, metadata: [:]) { _ in
        try SafeTensor(name: "b", shape: [1], values: [UInt8(1)])
      }
    }
    #expect(try dir.listing().isEmpty)
  }

  @Test func readerSkipsTheTensorsItIsNotAskedFor() throws {
    let dir = TempDir()
    let file = try sampleFile()
    let path = dir.file("all.safetensors")
    try file.write(to: path)
    let some = try SafeTensorsFile.read(from: path, including: { $0 == "bias" || $0 == "mask" })
    #expect(some.names == ["bias", "mask"])
    #expect(some.metadata == file.metadata)
    #expect(try some.tensor(named: "bias") == file.tensor(named: "bias"))
    // The header is still checked whole: a truncated file fails even when the missing
    // bytes belong to a skipped tensor.
    let bytes = file.serialized()
    let cut = try dir.write("cut.safetensors", Array(bytes.dropLast(1)))
    #expect(throws: SafeTensorsError.self) { try SafeTensorsFile.read(from: cut, including: { $0 == "weights" }) }
  }
}
