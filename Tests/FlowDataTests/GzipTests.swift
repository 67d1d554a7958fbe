import FlowData
import Testing

@Suite struct GzipTests {
  @Test func roundTripThroughZlib() throws {
    let bytes = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 7) }
    let packed = gzip(bytes)
    #expect(packed[0] == 0x1F && packed[1] == 0x8B)
    #expect(try gunzip(packed, limit: 1 << 20, path: "x") == bytes)
  }

  /// `printf '1,2\n3,4\n' | gzip -9n`: a stream written by gzip(1), not by our own deflate.
  @Test func readsWhatGzipToolWrites() throws {
    let fromTool: [UInt8] = [
      0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x33, 0xd4, 0x31, 0xe2,
      0x32, 0xd6, 0x31, 0xe1, 0x02, 0x00, 0x47, 0x93, 0x6c, 0xaf, 0x08, 0x00, 0x00, 0x00,
    ]
    #expect(try gunzip(fromTool, limit: 100, path: "x") == Array("1,2\n3,4\n".utf8))
    let dir = TempDir()
    let path = try dir.write("tool.csv.gz", fromTool)
    let data = try readCSV(path)
    #expect(data.values == [1, 2, 3, 4])
  }

  @Test func concatenatedMembers() throws {
    let a = Array("1,2\n".utf8)
    let b = Array("3,4\n".utf8)
    #expect(try gunzip(gzip(a) + gzip(b), limit: 100, path: "x") == a + b)
  }

  @Test func emptyPayload() throws {
    #expect(try gunzip(gzip([]), limit: 100, path: "x") == [])
  }

  @Test func bombIsCappedNotAllocated() throws {
    // 64 MB of zeros compress to about 64 KB; the cap of 1 MB must stop inflation early.
    let bomb = gzip([UInt8](repeating: 0, count: 64 << 20), level: 9)
    #expect(bomb.count < 200_000)
    let dir = TempDir()
    let path = try dir.write("bomb.npy", bomb)
    let e = expectDataError("data-decompressed-too-large") {
      _ = try readNPY(path, limits: ReadLimits(maxDataBytes: 1 << 20))
    }
    #expect(e?.description.contains("decompresses to more than the limit of 1048576 bytes") == true)
  }

  @Test func lyingSizeTrailerIsOnlyAHint() throws {
    var packed = gzip(Array("1,2\n".utf8))
    // Claim 4 GB - 1 in ISIZE: must neither allocate that nor fail, since the data is fine
    // except for the trailer (zlib then reports the length mismatch).
    let n = packed.count
    packed[n - 4] = 0xFF; packed[n - 3] = 0xFF; packed[n - 2] = 0xFF; packed[n - 1] = 0xFF
    expectDataError("data-corrupt-gzip") { _ = try gunzip(packed, limit: 1 << 20, path: "x") }
  }

  @Test func truncatedGzip() throws {
    let packed = gzip((0..<10_000).map { UInt8(truncatingIfNeeded: $0 * 7) })
    let dir = TempDir()
    let path = try dir.write("cut.csv", Array(packed.prefix(packed.count / 2)))
    let e = expectDataError("data-corrupt-gzip") { _ = try readCSV(path) }
    #expect(e?.description.contains("cut.csv: starts like a gzip file but cannot be decompressed") == true)
  }

  @Test func corruptGzip() throws {
    var packed = gzip(Array(repeating: UInt8(ascii: "7"), count: 1000))
    for i in 12..<min(20, packed.count - 8) { packed[i] ^= 0xA5 }
    expectDataError("data-corrupt-gzip") { _ = try gunzip(packed, limit: 1 << 20, path: "x") }
  }

  @Test func fileTooLargeOnDisk() throws {
    let dir = TempDir()
    let path = try dir.write("big.csv", text: String(repeating: "1,2\n", count: 1000))
    expectDataError("data-file-too-large") { _ = try readCSV(path, limits: ReadLimits(maxFileBytes: 100)) }
  }

  @Test func missingFile() throws {
    let e = expectDataError("data-unreadable") { _ = try readCSV("/nonexistent/flowc/x.csv") }
    #expect(e?.description == "/nonexistent/flowc/x.csv: cannot read the file: No such file or directory")
  }
}
