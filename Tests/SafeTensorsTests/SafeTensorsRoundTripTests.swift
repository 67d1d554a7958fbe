import Foundation
@testable import SafeTensors
import Testing

@Suite struct SafeTensorsRoundTripTests {
  @Test func typedValuesAndMetadataSurviveAFile() throws {
    let dir = TempDir()
    let original = try sampleFile()
    let path = dir.file("run.safetensors")
    try original.write(to: path)
    let back = try SafeTensorsFile.read(from: path)
    #expect(back == original)
    #expect(back.names == ["weights", "bias", "step", "mask", "perm", "flags", "empty"])
    #expect(back.metadata == original.metadata)
    #expect(try back.tensor(named: "weights").floats().map(\.bitPattern)
      == [Float(0.5), -1, 2, 3.25, .infinity, -0.0].map(\.bitPattern))
    #expect(try back.tensor(named: "bias").doubles() == [1.0e-300, -2.5, .pi])
    #expect(try back.tensor(named: "step").int64s() == [-(1 << 62)])
    #expect(try back.tensor(named: "step").shape == [])
    #expect(try back.tensor(named: "mask").uint8s() == [0, 1, 255, 7])
    #expect(try back.tensor(named: "perm").int32s() == [3, 0, -2, .max])
    #expect(try back.tensor(named: "flags").bools() == [true, false, true])
    #expect(try back.tensor(named: "empty").shape == [0, 5])
    #expect(back["empty"]?.elementCount == 0)
  }

  /// Every dtype, through raw bytes: the reader must give back the same bytes, shape and dtype.
  @Test(arguments: SafeTensorDType.allCases)
  func everyDTypeRoundTrips(dtype: SafeTensorDType) throws {
    let shape = [2, 3]
    let bytes = (0..<(6 * dtype.byteSize)).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
    let file = try SafeTensorsFile(
      tensors: [SafeTensor(name: "t.\(dtype.rawValue)", dtype: dtype, shape: shape, bytes: bytes)],
      metadata: ["dtype": dtype.rawValue])
    let back = try SafeTensorsFile(decoding: file.serialized())
    #expect(back == file)
    #expect(back["t.\(dtype.rawValue)"]?.dtype == dtype)
  }

  @Test func floatBytesAreLittleEndianRowMajor() throws {
    let t = try SafeTensor(name: "x", shape: [1, 2], values: [Float(1), -2])
    #expect(t.bytes == [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0])
    let d = try SafeTensor(name: "y", shape: [1], values: [Int64(0x0102_0304_0506_0708)])
    #expect(d.bytes == [8, 7, 6, 5, 4, 3, 2, 1])
  }

  /// The exact layout, pinned: length, compact header with metadata first and sorted,
  /// space padding to 8 bytes, then the data in order.
  @Test func headerLayoutIsPinned() throws {
    let file = try SafeTensorsFile(
      tensors: [
        SafeTensor(name: "b", shape: [2], values: [Float(1), 2]),
        SafeTensor(name: "a", shape: [1], values: [UInt8(9)]),
      ],
      metadata: ["z": "last", "a": "first"])
    let bytes = file.serialized()
    let json =
      #"{"__metadata__":{"a":"first","z":"last"},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"#
      + #""a":{"dtype":"U8","shape":[1],"data_offsets":[8,9]}}"#
    let padded = json + String(repeating: " ", count: (8 - json.utf8.count % 8) % 8)
    #expect(bytes == craftedFile(header: json, data: [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40, 9]))
    #expect(bytes.count == 8 + padded.utf8.count + 9)
    #expect((bytes.count - 9) % 8 == 0)
  }

  @Test func sameContentGivesSameBytes() throws {
    // Metadata built in different orders, tensors equal: the files must match byte for byte.
    var forward: [String: String] = [:]
    var backward: [String: String] = [:]
    let keys = (0..<50).map { "key\($0)" }
    for k in keys { forward[k] = "v" + k }
    for k in keys.reversed() { backward[k] = "v" + k }
    let a = try SafeTensorsFile(tensors: [SafeTensor(name: "w", shape: [3], values: [1.0, 2, 3])], metadata: forward)
    let b = try SafeTensorsFile(tensors: [SafeTensor(name: "w", shape: [3], values: [1.0, 2, 3])], metadata: backward)
    #expect(a.serialized() == b.serialized())

    let dir = TempDir()
    try a.write(to: dir.file("a.safetensors"))
    try b.write(to: dir.file("b.safetensors"))
    let onDisk = try [dir.file("a.safetensors"), dir.file("b.safetensors")].map {
      try Data(contentsOf: URL(fileURLWithPath: $0))
    }
    #expect(onDisk[0] == onDisk[1])
    #expect([UInt8](onDisk[0]) == a.serialized())
  }

  @Test func emptyFileRoundTrips() throws {
    let file = try SafeTensorsFile()
    let bytes = file.serialized()
    #expect(bytes == craftedFile(header: "{}", data: []))
    #expect(try SafeTensorsFile(decoding: bytes) == file)
  }

  // MARK: - Atomic writing

  @Test func writeReplacesAnExistingFileAndLeavesNoTemporaries() throws {
    let dir = TempDir()
    let path = dir.file("best.safetensors")
    try dir.write("best.safetensors", Array("an old checkpoint".utf8))
    try dir.write("other.txt", [1, 2, 3])
    let first = try sampleFile()
    try first.write(to: path)
    #expect(try SafeTensorsFile.read(from: path) == first)
    let second = try SafeTensorsFile(tensors: [SafeTensor(name: "only", shape: [1], values: [Float(7)])])
    try second.write(to: path)
    #expect(try SafeTensorsFile.read(from: path) == second)
    #expect(try dir.listing() == ["best.safetensors", "other.txt"])
  }

  @Test func writeIntoAMissingDirectoryFailsCleanly() throws {
    let dir = TempDir()
    let path = dir.file("no/such/dir/best.safetensors")
    let e = expectSafeTensorsError("safetensors-unwritable") { try sampleFile().write(to: path) }
    #expect(e?.description.hasPrefix("\(path): cannot write the file (creating ") == true)
    #expect(e?.description.hasSuffix("No such file or directory; any previous file at this path is unchanged") == true)
    #expect(try dir.listing() == [])
  }

  @Test func writeOverADirectoryFailsAndRemovesTheTemporary() throws {
    let dir = TempDir()
    let target = dir.file("taken")
    try FileManager.default.createDirectory(atPath: target + "/inside", withIntermediateDirectories: true)
    let e = expectSafeTensorsError("safetensors-unwritable") { try sampleFile().write(to: target) }
    #expect(e?.description.contains("(renaming ") == true)
    #expect(try dir.listing() == ["taken"])
    #expect(try FileManager.default.contentsOfDirectory(atPath: target) == ["inside"])
  }

  @Test func temporaryFilesGoBesideTheTarget() {
    #expect(splitPath("best.safetensors") == (".", "best.safetensors"))
    #expect(splitPath("run/a/best.safetensors") == ("run/a", "best.safetensors"))
    #expect(splitPath("/best.safetensors") == ("/", "best.safetensors"))
  }
}
