import FlowData
import Foundation
import Testing

/// `OutputFile` and `NPYStreamWriter`: files written in pieces appear whole or not at all.
@Suite struct OutputFileTests {
  /// The names in `dir` other than `keep`.
  static func others(_ dir: TempDir, keep: Set<String> = []) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !keep.contains($0) }
  }

  @Test func appearsOnlyWhenFinished() throws {
    let dir = TempDir()
    let path = dir.path + "/out.bin"
    let file = try OutputFile(path)
    try file.write([1, 2, 3])
    #expect(!FileManager.default.fileExists(atPath: path))
    try file.finish()
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data([1, 2, 3]))
    #expect(try Self.others(dir, keep: ["out.bin"]).isEmpty, "a temporary file was left behind")
  }

  @Test func anAbandonedFileLeavesNothingAndKeepsTheOldOne() throws {
    let dir = TempDir()
    let path = try dir.write("out.bin", [9])
    do {
      let file = try OutputFile(path)
      try file.write([1, 2, 3])
    }
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data([9]))
    #expect(try Self.others(dir, keep: ["out.bin"]).isEmpty)
  }

  @Test func anUnwritablePlaceIsNamedInWords() throws {
    let e = expectDataError("data-unwritable") { _ = try OutputFile("/nonexistent-folder/x.npy") }
    #expect(e?.description == "/nonexistent-folder/x.npy: cannot write the file: no such file or directory")
    let full = expectDataError("data-unwritable") {
      let f = try OutputFile("/dev/full/x")
      try f.finish()
    }
    #expect(full?.description.hasPrefix("/dev/full/x: cannot write the file: ") == true)
  }

  /// Rows streamed batch by batch give the bytes `encodeNPY` gives for them at once.
  @Test func streamedNPYEqualsTheWholeEncoding() throws {
    let dir = TempDir()
    let rows = 1_001, width = 3
    let values = (0..<(rows * width)).map { Float($0) * 0.25 - 7 }
    let whole = encodeNPY(Dataset(values: values, count: rows, dimension: width, source: "t"))
    let path = dir.path + "/s.npy"
    let writer = try NPYStreamWriter(path: path, count: rows, rowShape: [width])
    for start in stride(from: 0, to: rows, by: 64) {
      let end = min(rows, start + 64)
      try writer.append(Array(values[(start * width)..<(end * width)]))
    }
    try writer.finish()
    #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) == whole)
    #expect(NPYStreamWriter.byteCount(count: rows, rowShape: [width]) == whole.count)
    #expect(try readNPY(path).values == values)
  }

  /// A size no file can have is nil, not an overflow trap.
  @Test func impossibleSizesAreNil() {
    #expect(NPYStreamWriter.byteCount(count: 4_611_686_018_427_387_904, rowShape: [2]) == nil)
    #expect(NPYStreamWriter.byteCount(count: Int.max, rowShape: [1]) == nil)
    #expect(NPYStreamWriter.byteCount(count: 1 << 40, rowShape: [1 << 30]) == nil)
    #expect(NPYStreamWriter.byteCount(count: 10, rowShape: [28, 28]) == 128 + 10 * 784 * 4)
  }

  @Test func freeSpaceIsKnownForAWritableFolder() throws {
    let dir = TempDir()
    let free = try #require(availableBytes(forFileAt: dir.path + "/x.npy"))
    #expect(free > 0)
  }
}
