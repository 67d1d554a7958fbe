import Foundation
import SafeTensors
import Testing

/// Hand-crafted corrupt files: each must give its own error, with a message naming the file.
@Suite struct SafeTensorsReaderErrorTests {
  /// The header of one F32 tensor `w` of `shape` at `offsets`.
  func header(_ name: String = "w", dtype: String = "F32", shape: String = "[2]", offsets: String = "[0, 8]") -> String {
    #"{"\#(name)": {"dtype": "\#(dtype)", "shape": \#(shape), "data_offsets": \#(offsets)}}"#
  }

  // MARK: - The file as a whole

  @Test func emptyFile() throws {
    let dir = TempDir()
    let e = try expectReadError("safetensors-too-short", [], in: dir)
    #expect(e?.description == "\(dir.file("bad.safetensors")): the file is empty; the checkpoint was not written completely")
  }

  @Test func shorterThanTheHeaderLength() throws {
    let dir = TempDir()
    let e = try expectReadError("safetensors-too-short", [1, 0, 0, 0, 0], in: dir)
    #expect(e?.description.hasSuffix(": the file is 5 bytes, too short for the 8-byte header length; the checkpoint was not written completely") == true)
  }

  @Test func headerLengthBeyondTheFile() throws {
    let dir = TempDir()
    let bytes = craftedFile(header: header(), data: [UInt8](repeating: 0, count: 8), declaredLength: 4096)
    let e = try expectReadError("safetensors-header-length", bytes, in: dir)
    #expect(e?.description == "\(dir.file("bad.safetensors")): the first 8 bytes give a header length of 4,096 bytes, but the file holds only \(bytes.count - 8) after the length; this is not a safetensors file, or it was not written completely")
  }

  @Test func headerLengthOverTheCap() throws {
    let dir = TempDir()
    let e = try expectReadError("safetensors-header-length", craftedFile(header: "{}", data: [], declaredLength: 100_000_001), in: dir)
    #expect(e?.description.contains("header length of 100,000,001 bytes, more than the format's limit of 100,000,000") == true)
    // A text file read by mistake: its first 8 bytes make an absurd length.
    try expectReadError("safetensors-header-length", Array("name,value\n1,2\n".utf8), in: dir)
  }

  @Test func fileOverTheCallersLimit() throws {
    let dir = TempDir()
    let path = try dir.write("big.safetensors", try sampleFile().serialized())
    let e = expectSafeTensorsError("safetensors-file-too-large") { _ = try SafeTensorsFile.read(from: path, maxFileBytes: 100) }
    #expect(e?.description.hasSuffix("more than the reader's limit of 100 bytes; raise the limit if the file is genuine") == true)
  }

  @Test func missingFileAndDirectory() throws {
    let dir = TempDir()
    let e = expectSafeTensorsError("safetensors-unreadable") { _ = try SafeTensorsFile.read(from: dir.file("none")) }
    #expect(e?.description == "\(dir.file("none")): cannot read the file: No such file or directory")
    expectSafeTensorsError("safetensors-unreadable") { _ = try SafeTensorsFile.read(from: dir.path) }
  }

  @Test func aFIFOIsRefusedWithoutWaitingForAWriter() throws {
    let dir = TempDir()
    let path = dir.file("last.safetensors")
    #expect(mkfifo(path, 0o600) == 0)
    let e = expectSafeTensorsError("safetensors-unreadable") { _ = try SafeTensorsFile.read(from: path) }
    #expect(e?.description == "\(path): cannot read the file: it is not a regular file")
  }

  @Test func truncatedData() throws {
    let dir = TempDir()
    let bytes = craftedFile(
      header: header(shape: "[804888]", offsets: "[0, 3219552]"), data: [UInt8](repeating: 0, count: 1024))
    let e = try expectReadError("safetensors-truncated", bytes, in: dir)
    #expect(e?.description == "\(dir.file("bad.safetensors")): truncated: the header says the data is 3,219,552 bytes but the file holds 1,024 after the header; the checkpoint was not written completely")

    // A real file cut short anywhere in its data.
    let whole = try sampleFile().serialized()
    try expectReadError("safetensors-truncated", Array(whole.dropLast(1)), in: dir)
    try expectReadError("safetensors-truncated", Array(whole.dropLast(40)), in: dir)
  }

  @Test func trailingBytes() throws {
    let dir = TempDir()
    let e = try expectReadError("safetensors-trailing-bytes", craftedFile(header: header(), data: [UInt8](repeating: 0, count: 12)), in: dir)
    #expect(e?.description.hasSuffix(": the header says the data is 8 bytes but the file holds 12 after the header; the header or the file is corrupt") == true)
  }

  // MARK: - JSON

  @Test(arguments: [
    ("not json at all", "expected a value but found 'n' at byte 0"),
    (#"{"w": {"dtype": "F32""#, "expected ',' or '}' but found end of header at byte 24"),
    (#"{"__metadata__": {},}"#, "expected a quoted key but found '}' at byte 20"),
    (#"{'w': 1}"#, "expected a quoted key but found ''' at byte 1"),
    (#"{"w": tru}"#, "expected a value but found 't' at byte 6"),
    (#"{"w": [01]}"#, "expected ',' or ']' but found '1' at byte 8"),
    (#"{"w": "\x"}"#, "invalid escape '\\'x'' at byte 8"),
    (#"{"w": "\ud800"}"#, "unpaired surrogate in a \\u escape at byte 13"),
    ("{\"w\": \"a\u{1}b\"}", "control character byte 0x1 in a string (it must be escaped) at byte 8"),
    (#"{} {}"#, "unexpected '{' after the end of the header object at byte 3"),
    (#"{"w": "open"#, "unterminated string at byte 16"),
    ("", "expected a value but found the end of header at byte 0"),
  ])
  func nonJSONHeader(text: String, detail: String) throws {
    let dir = TempDir()
    let e = try expectReadError("safetensors-malformed-json", craftedFile(header: text, data: []), in: dir)
    #expect(e?.description == "\(dir.file("bad.safetensors")): the header is not valid JSON: \(detail) of the header; this is not a safetensors file, or it is corrupt")
  }

  @Test func deepNestingIsAnErrorNotACrash() throws {
    let dir = TempDir()
    let deep = String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000)
    let e = try expectReadError("safetensors-malformed-json", craftedFile(header: deep, data: []), in: dir)
    #expect(e?.description.contains("nesting deeper than 64 levels") == true)
  }

  @Test func headerThatIsNotUTF8() throws {
    let dir = TempDir()
    var bytes = craftedFile(header: #"{"w?": {}}"#, data: [])
    bytes[8 + 3] = 0xFF
    try expectReadError("safetensors-header-not-utf8", bytes, in: dir)
  }

  // MARK: - The header's shape

  @Test(arguments: [
    (#"[]"#, "safetensors-invalid-header", "invalid header: the header is a list, not an object of tensors"),
    (#"{"w": 3}"#, "safetensors-invalid-entry", "tensor 'w': the entry is the number 3, not an object"),
    (#"{"w": {"shape": [], "data_offsets": [0, 0]}}"#, "safetensors-invalid-entry", "tensor 'w': no 'dtype'"),
    (#"{"w": {"dtype": 4, "shape": [], "data_offsets": [0, 4]}}"#, "safetensors-invalid-entry", "tensor 'w': 'dtype' is the number 4, not a string"),
    (#"{"w": {"dtype": "F32", "data_offsets": [0, 4]}}"#, "safetensors-invalid-entry", "tensor 'w': no 'shape'"),
    (#"{"w": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}}"#, "safetensors-invalid-entry", "tensor 'w': 'shape' holds the number 1.5, not an integer"),
    (#"{"w": {"dtype": "F32", "shape": "2", "data_offsets": [0, 4]}}"#, "safetensors-invalid-entry", "tensor 'w': 'shape' is a string, not a list"),
    (#"{"w": {"dtype": "F32", "shape": []}}"#, "safetensors-invalid-entry", "tensor 'w': no 'data_offsets'"),
    (#"{"w": {"dtype": "F32", "shape": [], "data_offsets": [0]}}"#, "safetensors-invalid-entry", "tensor 'w': 'data_offsets' is a list, not a list [begin, end]"),
    (#"{"w": {"dtype": "F32", "shape": [], "data_offsets": [-4, 0]}}"#, "safetensors-invalid-entry", "tensor 'w': 'data_offsets' holds the number -4, not a non-negative integer"),
    (#"{"w": {"dtype": "F32", "shape": [], "data_offsets": [0, 99999999999999999999]}}"#, "safetensors-invalid-entry", "tensor 'w': 'data_offsets' holds the number 99999999999999999999, too large for a file offset"),
    (#"{"w": {"dtype": "F32", "shape": [], "data_offsets": [8, 4]}}"#, "safetensors-invalid-entry", "tensor 'w': 'data_offsets' [8, 4] ends before it begins"),
    (#"{"w": {"dtype": "F32", "dtype": "F32", "shape": [], "data_offsets": [0, 4]}}"#, "safetensors-invalid-entry", "tensor 'w': 'dtype' appears twice"),
    (#"{"__metadata__": [], "w": {"dtype": "F32", "shape": [], "data_offsets": [0, 4]}}"#, "safetensors-invalid-header", "invalid header: '__metadata__' is a list, not an object of strings"),
    (#"{"__metadata__": {"epoch": 3}}"#, "safetensors-invalid-header", "invalid header: metadata 'epoch' is the number 3, not a string"),
    (#"{"__metadata__": {"a": "1", "a": "2"}}"#, "safetensors-invalid-header", "invalid header: metadata key 'a' appears twice"),
    (#"{"__metadata__": {}, "__metadata__": {}}"#, "safetensors-invalid-header", "invalid header: '__metadata__' appears twice"),
  ])
  func headerOfTheWrongShape(text: String, id: String, detail: String) throws {
    let dir = TempDir()
    let e = try expectReadError(id, craftedFile(header: text, data: [0, 0, 0, 0]), in: dir)
    #expect(e?.description == "\(dir.file("bad.safetensors")): \(detail)")
  }

  @Test func unknownDType() throws {
    let dir = TempDir()
    let e = try expectReadError("safetensors-unknown-dtype", craftedFile(header: header(dtype: "float32"), data: [UInt8](repeating: 0, count: 8)), in: dir)
    #expect(e?.description == "\(dir.file("bad.safetensors")): tensor 'w': unknown dtype 'float32'; supported: BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64")
    try expectReadError("safetensors-unknown-dtype", craftedFile(header: header(dtype: "F4"), data: [UInt8](repeating: 0, count: 8)), in: dir)
  }

  @Test func shapeAndBytesDisagree() throws {
    let dir = TempDir()
    let e = try expectReadError("safetensors-size-mismatch", craftedFile(header: header(shape: "[2, 3]", offsets: "[0, 20]"), data: [UInt8](repeating: 0, count: 20)), in: dir)
    #expect(e?.description == "\(dir.file("bad.safetensors")): tensor 'w': shape [2, 3] of F32 needs 24 bytes but 20 are given")
  }

  @Test func overflowingShape() throws {
    let dir = TempDir()
    let e = try expectReadError("safetensors-shape-overflow", craftedFile(header: header(shape: "[4294967296, 4294967296]", offsets: "[0, 0]"), data: []), in: dir)
    #expect(e?.description == "\(dir.file("bad.safetensors")): tensor 'w': shape [4294967296, 4294967296] of F32 is too large (its byte count overflows a 64-bit integer)")
    // Products that wrap to exactly the stated size must not slip through: 2^62 × 4 bytes = 2^64 ≡ 0.
    try expectReadError("safetensors-shape-overflow", craftedFile(header: header(shape: "[4611686018427387904]", offsets: "[0, 0]"), data: []), in: dir)
    try expectReadError("safetensors-shape-overflow", craftedFile(header: header(shape: "[123456789012345678901234567890]", offsets: "[0, 0]"), data: []), in: dir)
    try expectReadError("safetensors-shape-overflow", craftedFile(header: header(shape: "[0, 4294967296, 4294967296]", offsets: "[0, 0]"), data: []), in: dir)
  }

  @Test func negativeDimension() throws {
    let dir = TempDir()
    let e = try expectReadError("safetensors-negative-dimension", craftedFile(header: header(shape: "[-2, -4]", offsets: "[0, 32]"), data: [UInt8](repeating: 0, count: 32)), in: dir)
    #expect(e?.description.hasSuffix("tensor 'w': shape [-2, -4] has a negative dimension") == true)
  }

  // MARK: - Coverage of the data buffer

  @Test func overlappingOffsets() throws {
    let dir = TempDir()
    let text = #"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}"#
    let e = try expectReadError("safetensors-overlap", craftedFile(header: text, data: [UInt8](repeating: 0, count: 12)), in: dir)
    #expect(e?.description == "\(dir.file("bad.safetensors")): tensors 'a' (bytes 0..<8) and 'b' (bytes 4..<12) overlap; each byte of the data must belong to one tensor")
    // The same range twice (the classic aliasing attack), listed in either order.
    let twice = #"{"b": {"dtype": "U8", "shape": [4], "data_offsets": [0, 4]}, "a": {"dtype": "U8", "shape": [4], "data_offsets": [0, 4]}}"#
    try expectReadError("safetensors-overlap", craftedFile(header: twice, data: [1, 2, 3, 4]), in: dir)
  }

  @Test func gapBetweenTensors() throws {
    let dir = TempDir()
    let text = #"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [1], "data_offsets": [12, 16]}}"#
    let e = try expectReadError("safetensors-gap", craftedFile(header: text, data: [UInt8](repeating: 0, count: 16)), in: dir)
    #expect(e?.description == "\(dir.file("bad.safetensors")): no tensor covers bytes 8..<12 of the data (after 'a'); the data must be covered with no gaps")
    let leading = #"{"b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}"#
    let e2 = try expectReadError("safetensors-gap", craftedFile(header: leading, data: [UInt8](repeating: 0, count: 8)), in: dir)
    #expect(e2?.description.contains("bytes 0..<4 of the data (before the first tensor)") == true)
  }

  @Test func offsetsAreCheckedInDataOrderNotHeaderOrder() throws {
    // Listed out of order but tiling the buffer: valid, and read back in header order.
    let text = #"{"b": {"dtype": "U8", "shape": [2], "data_offsets": [2, 4]}, "e": {"dtype": "F64", "shape": [0], "data_offsets": [2, 2]}, "a": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]}}"#
    let file = try SafeTensorsFile(decoding: craftedFile(header: text, data: [1, 2, 3, 4]))
    #expect(file.names == ["b", "e", "a"])
    #expect(try file.tensor(named: "a").uint8s() == [1, 2])
    #expect(try file.tensor(named: "b").uint8s() == [3, 4])
  }

  @Test func duplicateNames() throws {
    let dir = TempDir()
    let text = #"{"w": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]}, "w": {"dtype": "U8", "shape": [2], "data_offsets": [2, 4]}}"#
    let e = try expectReadError("safetensors-duplicate-name", craftedFile(header: text, data: [1, 2, 3, 4]), in: dir)
    #expect(e?.description == "\(dir.file("bad.safetensors")): two tensors are named 'w'; tensor names must be unique")
  }

  @Test func hostileNamesAreEscapedInMessages() throws {
    let dir = TempDir()
    let name = "\\u001b[31m" + String(repeating: "x", count: 500)
    let e = try expectReadError("safetensors-unknown-dtype", craftedFile(header: header(name, dtype: "?"), data: [UInt8](repeating: 0, count: 8)), in: dir)
    let text = e?.description ?? ""
    #expect(!text.contains("\u{1B}"))
    #expect(text.contains("'\\u{1B}[31mxxx"))
    #expect(text.count < 400)
  }

  // MARK: - Junk

  /// Random bytes of many lengths, some with a plausible length prefix: always an error, never a crash.
  @Test func randomJunk() throws {
    var rng = SplitMix64(state: 2024)
    for trial in 0..<300 {
      let count = Int.random(in: 0..<300, using: &rng)
      var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
      if trial % 2 == 0, count >= 8 {
        let length = UInt64.random(in: 0...UInt64(count - 8), using: &rng)
        for i in 0..<8 { bytes[i] = UInt8(truncatingIfNeeded: length >> (8 * i)) }
      }
      #expect(throws: SafeTensorsError.self) { _ = try SafeTensorsFile(decoding: bytes, source: "junk") }
    }
  }

  /// Every single-byte corruption of a real file is either read (a change inside the data or
  /// padding) or refused with a `SafeTensorsError`; never a crash.
  @Test func singleByteCorruptionsNeverCrash() throws {
    let good = try SafeTensorsFile(
      tensors: [
        SafeTensor(name: "w", shape: [2, 2], values: [Float(1), 2, 3, 4]),
        SafeTensor(name: "n", shape: [1], values: [Int64(5)]),
      ],
      metadata: ["k": "v"]
    ).serialized()
    var rng = SplitMix64(state: 7)
    var refused = 0
    for index in good.indices {
      for value in [UInt8(0), 0xFF, UInt8.random(in: 0...255, using: &rng), good[index] ^ 0x20] {
        var bad = good
        bad[index] = value
        do {
          _ = try SafeTensorsFile(decoding: bad, source: "mutant")
        } catch is SafeTensorsError {
          refused += 1
        }
      }
    }
    #expect(refused > good.count)
  }
}
