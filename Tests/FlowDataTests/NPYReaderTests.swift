import FlowData
import Testing

@Suite struct NPYReaderTests {
  @Test(arguments: [(UInt8(1), false), (2, false), (3, false), (1, true), (3, true)])
  func versionsAndGzip(version: UInt8, gzipped: Bool) throws {
    let dir = TempDir()
    let values: [Float] = [0.5, -1, 2, 3.25, 4, 5]
    let bytes = npyBytes(dict: "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", payload: littleEndianBytes(values), version: version)
    let path = try dir.write("a.npy", bytes, gzipped: gzipped)
    let data = try readNPY(path)
    #expect(data.count == 3 && data.dimension == 2 && data.shape == nil && data.values == values)
  }

  @Test func elementTypes() throws {
    let dir = TempDir()
    func read(_ descr: String, _ payload: [UInt8], shape: String = "(2,)") throws -> [Float] {
      let p = try dir.write("t.npy", npyBytes(dict: "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }", payload: payload))
      return try readNPY(p).values
    }
    #expect(try read("<f8", littleEndianBytes([1.5, -0.25] as [Double])) == [1.5, -0.25])
    #expect(try read("|u1", [0, 255]) == [0, 255])
    #expect(try read("<i4", littleEndianBytes([Int32(-7), 123456])) == [-7, 123456])
    #expect(try read("<i8", littleEndianBytes([Int64(-9), 1 << 40])) == [-9, Float(1 << 40)])
  }

  @Test func oneDimensionalIsAColumn() throws {
    let dir = TempDir()
    let p = try dir.write("v.npy", npyBytes(dict: "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", payload: littleEndianBytes([Float(1), 2, 3, 4])))
    let d = try readNPY(p)
    #expect(d.count == 4 && d.dimension == 1)
  }

  @Test func higherDimensionsAreFlattenedToRows() throws {
    let dir = TempDir()
    let values = (0..<24).map(Float.init)
    let p = try dir.write("img.npy", npyBytes(dict: "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 4), }", payload: littleEndianBytes(values)))
    let d = try readNPY(p)
    #expect(d.count == 2 && d.dimension == 12 && d.shape == [3, 4] && d.values == values)
  }

  @Test func encodeThenRead() throws {
    let dir = TempDir()
    let data = Dataset(values: [1, 2, 3, 4, 5, 6], count: 3, dimension: 2, source: "mem")
    let p = try dir.write("e.npy", encodeNPY(data))
    let back = try readNPY(p)
    #expect(back.values == data.values && back.count == 3 && back.dimension == 2)
    // numpy pads the preamble and header to a multiple of 64 bytes.
    #expect((encodeNPY(data).count - 24) % 64 == 0)
  }

  @Test func python2StyleLongsAndDoubleQuotes() throws {
    let dir = TempDir()
    let p = try dir.write("py2.npy", npyBytes(dict: "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (1L, 2L)}", payload: littleEndianBytes([Float(1), 2])))
    #expect(try readNPY(p).values == [1, 2])
  }

  @Test func fortranOrderIsRefused() throws {
    let dir = TempDir()
    let p = try dir.write("f.npy", npyBytes(dict: "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", payload: littleEndianBytes([Float](repeating: 0, count: 4))))
    let e = expectDataError("data-fortran-order") { _ = try readNPY(p) }
    #expect(e?.description.contains("Fortran (column-major) order, which is not supported") == true)
  }

  @Test(arguments: [">f4", "<f2", "|b1", "<c8", "|S3"]) func unsupportedDType(descr: String) throws {
    let dir = TempDir()
    let p = try dir.write("u.npy", npyBytes(dict: "{'descr': '\(descr)', 'fortran_order': False, 'shape': (1,), }", payload: [0, 0, 0, 0]))
    let e = expectDataError("data-unsupported-dtype") { _ = try readNPY(p) }
    #expect(e?.description == "\(p): unsupported element type '\(descr)'; supported: <f4, <f8, |u1, <i4, <i8")
  }

  @Test func structuredDTypeIsUnsupported() throws {
    let dir = TempDir()
    let p = try dir.write("s.npy", npyBytes(dict: "{'descr': [('a', '<f4'), ('b', '<f4')], 'fortran_order': False, 'shape': (1,), }", payload: [0, 0, 0, 0, 0, 0, 0, 0]))
    expectDataError("data-unsupported-dtype") { _ = try readNPY(p) }
  }

  @Test func truncatedAndTrailing() throws {
    let dir = TempDir()
    let dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (10, 2), }"
    let short = try dir.write("s.npy", npyBytes(dict: dict, payload: [UInt8](repeating: 0, count: 40)))
    let e = expectDataError("data-truncated") { _ = try readNPY(short) }
    #expect(e?.description.hasSuffix("truncated: the header declares 10×2 values (80 bytes) but the file holds 40 bytes of data") == true)
    let long = try dir.write("l.npy", npyBytes(dict: dict, payload: [UInt8](repeating: 0, count: 84)))
    expectDataError("data-trailing-bytes") { _ = try readNPY(long) }
  }

  @Test func headerClaimingAHugeSizeIsNotAllocated() throws {
    let dir = TempDir()
    let p = try dir.write("h.npy", npyBytes(dict: "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }", payload: [0, 0]), gzipped: true)
    let e = expectDataError("data-implausible-size") { _ = try readNPY(p) }
    #expect(e?.description.contains("declares a 1000000×1000000 array") == true)
    let overflow = try dir.write("o.npy", npyBytes(dict: "{'descr': '<f8', 'fortran_order': False, 'shape': (9223372036854775807, 4), }", payload: []))
    expectDataError("data-implausible-size") { _ = try readNPY(overflow) }
  }

  @Test func malformedHeaders() throws {
    let dir = TempDir()
    let cases = [
      "{'descr': '<f4', 'fortran_order': False}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 'x'), }",
      "{'descr': '<f4', 'fortran_order': maybe, 'shape': (2,), }",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}",
      "['descr']",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (), }",
    ]
    for (k, dict) in cases.enumerated() {
      let p = try dir.write("m\(k).npy", npyBytes(dict: dict, payload: littleEndianBytes([Float(1), 2])))
      expectDataError("data-malformed-header") { _ = try readNPY(p) }
    }
    let badVersion = try dir.write("v.npy", npyBytes(dict: "{}", payload: [], version: 9))
    expectDataError("data-malformed-header") { _ = try readNPY(badVersion) }
    let lying = try dir.write("l.npy", [0x93] + Array("NUMPY".utf8) + [1, 0, 0xFF, 0xFF, 0x7B])
    expectDataError("data-malformed-header") { _ = try readNPY(lying) }
  }

  @Test func wrongMagicAndEmpty() throws {
    let dir = TempDir()
    let p = try dir.write("x.npy", text: "1,2\n3,4\n")
    let e = expectDataError("data-wrong-magic") { _ = try readNPY(p) }
    #expect(e?.description.contains("for a NumPy .npy file") == true)
    let empty = try dir.write("e.npy", npyBytes(dict: "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 2), }", payload: []))
    expectDataError("data-empty") { _ = try readNPY(empty) }
  }

  @Test func nonFiniteValues() throws {
    let dir = TempDir()
    let p = try dir.write("n.npy", npyBytes(dict: "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", payload: littleEndianBytes([1, 2, 1e300, 4] as [Double])))
    let e = expectDataError("data-non-finite-value") { _ = try readNPY(p) }
    #expect(e?.description.contains("[1, 0]") == true)
  }
}

extension NPYReaderTests {
  /// A zero row count must not hide an overflowing row width (0 × 2^40 × 2^40).
  @Test func zeroRowsWithAnOverflowingWidth() throws {
    let dir = TempDir()
    let p = try dir.write("z.npy", npyBytes(dict: "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 1099511627776, 1099511627776), }", payload: []))
    expectDataError("data-implausible-size") { _ = try readNPY(p) }
  }
}
