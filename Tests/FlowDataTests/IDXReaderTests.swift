import FlowData
import Testing

@Suite struct IDXReaderTests {
  /// Three 2×3 images with pixel values 0…17.
  let images = idxBytes(type: 0x08, dims: [3, 2, 3], payload: (0..<18).map(UInt8.init))
  let labels = idxBytes(type: 0x08, dims: [3], payload: [7, 0, 9])

  @Test(arguments: [false, true]) func imagesAndLabelsRoundTrip(gzipped: Bool) throws {
    let dir = TempDir()
    let ip = try dir.write("train-images-idx3-ubyte", images, gzipped: gzipped)
    let lp = try dir.write("train-labels-idx1-ubyte", labels, gzipped: gzipped)
    let data = try readIDXDataset(images: ip, labels: lp)
    #expect(data.count == 3 && data.dimension == 6 && data.shape == [2, 3])
    #expect(data.values == (0..<18).map(Float.init))
    #expect(data.labels == [7, 0, 9])
    #expect(data.source == ip)
    // The format is inferred from the name; gzip from the content.
    #expect(try readDataset(ip, labels: lp) == data)
  }

  @Test func otherElementTypes() throws {
    let dir = TempDir()
    let floats: [Float] = [1.5, -2.25, 3, 0]
    let fp = try dir.write("f.idx", idxBytes(type: 0x0D, dims: [2, 2], payload: floats.flatMap { bigEndian32($0.bitPattern) }))
    let f = try readIDX(fp)
    #expect(f.elementType == .float && f.dims == [2, 2] && f.values == floats)

    let shorts: [Int16] = [-300, 5, 32767]
    let sp = try dir.write("s.idx", idxBytes(type: 0x0B, dims: [3], payload: shorts.flatMap { v in
      [UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)] }))
    #expect(try readIDX(sp).values == [-300, 5, 32767])

    let dp = try dir.write("d.idx", idxBytes(type: 0x0E, dims: [1], payload: [0x40, 0x09, 0x21, 0xFB, 0x54, 0x44, 0x2D, 0x18]))
    #expect(try readIDX(dp).values == [Float(Double.pi)])

    let bp = try dir.write("b.idx", idxBytes(type: 0x09, dims: [2], payload: [0xFF, 0x7F]))
    #expect(try readIDX(bp).values == [-1, 127])

    let ip = try dir.write("i.idx", idxBytes(type: 0x0C, dims: [1], payload: bigEndian32(UInt32(bitPattern: -70000))))
    #expect(try readIDX(ip).values == [-70000])
  }

  @Test func wrongMagic() throws {
    let dir = TempDir()
    let path = try dir.write("x.idx.gz", [UInt8](repeating: 0, count: 64), gzipped: true)
    let e = expectDataError("data-wrong-magic") { _ = try readIDXImages(path) }
    #expect(
      e?.description == "\(path): wrong magic number 0x00000000 (expected 0x00000803 for an IDX image file); "
        + "is this an MNIST-format file?")
  }

  @Test func labelsFileGivenAsImages() throws {
    let dir = TempDir()
    let path = try dir.write("labels.idx", labels)
    let e = expectDataError("data-wrong-magic") { _ = try readIDXImages(path) }
    #expect(e?.description.contains("wrong magic number 0x00000801 (expected 0x00000803") == true)
    let e2 = expectDataError("data-wrong-magic") { _ = try readIDXLabels(try dir.write("images.idx", images)) }
    #expect(e2?.description.contains("0x00000803 (expected 0x00000801 for an IDX label file)") == true)
  }

  @Test(arguments: [false, true]) func truncated(gzipped: Bool) throws {
    let dir = TempDir()
    let bytes = idxBytes(type: 0x08, dims: [60000, 28, 28], payload: [UInt8](repeating: 1, count: 1024))
    let path = try dir.write("short.idx", bytes, gzipped: gzipped)
    let e = expectDataError("data-truncated") { _ = try readIDXImages(path) }
    #expect(
      e?.description == "\(path): truncated: the header declares 60000×28×28 values (47040000 bytes) "
        + "but the file holds 1024 bytes of data")
  }

  @Test func headerClaimingAHugeSizeIsNotAllocated() throws {
    let dir = TempDir()
    // 4294967295³ elements overflows Int; 100000 × 100000 × 100 = 10^12 bytes exceeds the limit.
    let overflow = try dir.write("o.idx", idxBytes(type: 0x08, dims: [.max, .max, .max], payload: [1, 2, 3]))
    expectDataError("data-implausible-size") { _ = try readIDXImages(overflow) }
    let huge = try dir.write("h.idx", idxBytes(type: 0x0E, dims: [100_000, 100_000, 100], payload: [1, 2, 3]), gzipped: true)
    let e = expectDataError("data-implausible-size") { _ = try readIDXImages(huge) }
    #expect(e?.description.contains("declares a 100000×100000×100 array") == true)
  }

  @Test func trailingBytes() throws {
    let dir = TempDir()
    let path = try dir.write("long.idx", images + [0, 0])
    expectDataError("data-trailing-bytes") { _ = try readIDXImages(path) }
  }

  @Test func headerCutShort() throws {
    let dir = TempDir()
    let path = try dir.write("cut.idx", [0, 0, 8, 3, 0, 0])
    expectDataError("data-malformed-header") { _ = try readIDXImages(path) }
  }

  @Test func labelCountMismatch() throws {
    let dir = TempDir()
    let ip = try dir.write("img.idx", images)
    let lp = try dir.write("lab.idx", idxBytes(type: 0x08, dims: [2], payload: [1, 2]))
    let e = expectDataError("data-label-count-mismatch") { _ = try readIDXDataset(images: ip, labels: lp) }
    #expect(e?.description == "\(ip): holds 3 examples but \(lp) holds 2 labels; are these files from the same split?")
  }

  @Test func nonFiniteFloats() throws {
    let dir = TempDir()
    let path = try dir.write("nan.idx", idxBytes(type: 0x0D, dims: [2, 2], payload: [Float(1), 2, 3, .nan].flatMap { bigEndian32($0.bitPattern) }))
    let e = expectDataError("data-non-finite-value") { _ = try readIDX(path) }
    #expect(e?.description.contains("[1, 1]") == true)
  }
}
