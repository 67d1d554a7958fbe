import FlowData
import Testing

@Suite struct CSVReaderTests {
  @Test(arguments: [false, true]) func commaSeparatedWithHeader(gzipped: Bool) throws {
    let dir = TempDir()
    let p = try dir.write("m.csv", text: "x,y\n1.5, -2\n3e2 ,4\r\n\n# a comment\n-0.5,+7\n", gzipped: gzipped)
    let d = try readCSV(p)
    #expect(d.count == 3 && d.dimension == 2 && d.values == [1.5, -2, 300, 4, -0.5, 7])
    #expect(d.source == p)
  }

  @Test func whitespaceSeparatedWithoutHeader() throws {
    let dir = TempDir()
    let p = try dir.write("w.txt", text: "  1 2\t3\n4   5 6  \n")
    let d = try readCSV(p)
    #expect(d.count == 2 && d.dimension == 3 && d.values == [1, 2, 3, 4, 5, 6])
  }

  @Test func headerPolicy() throws {
    let dir = TempDir()
    let p = try dir.write("h.csv", text: "1,2\n3,4\n")
    #expect(try readCSV(p, header: .present).count == 1)
    #expect(try readCSV(p, header: .absent).count == 2)
    let named = try dir.write("n.csv", text: "a,b\n3,4\n")
    let e = expectDataError("data-not-a-number") { _ = try readCSV(named, header: .absent) }
    #expect(e?.description == "\(named): line 1, column 1: 'a' is not a number")
  }

  @Test(arguments: ["nan", "NaN", "inf", "-Infinity", "1e999", "1e39"]) func notFinite(text: String) throws {
    let dir = TempDir()
    var lines = (1...16).map { "\($0),\($0),\($0)" }
    lines.append("1,2,\(text)")
    let p = try dir.write("x.csv", text: lines.joined(separator: "\n") + "\n")
    let e = expectDataError("data-not-finite") { _ = try readCSV(p) }
    #expect(e?.description == "\(p): line 17, column 3: '\(text)' is not a finite number")
  }

  @Test(arguments: ["abc", "1.2.3", "0x", "", "1,5e", "--1"]) func notANumber(text: String) throws {
    let dir = TempDir()
    let p = try dir.write("x.csv", text: "1,2,3\n4,\(text),6\n")
    let e = expectDataError(text.contains(",") ? "data-ragged-row" : "data-not-a-number") { _ = try readCSV(p) }
    if !text.contains(",") {
      #expect(e?.description == "\(p): line 2, column 2: '\(text)' is not a number")
    }
  }

  @Test func raggedRow() throws {
    let dir = TempDir()
    let p = try dir.write("r.csv", text: "x,y\n1,2\n3,4\n5\n")
    let e = expectDataError("data-ragged-row") { _ = try readCSV(p) }
    #expect(e?.description == "\(p): line 4 has 1 columns but line 1 has 2; every row must have the same number of columns")
    let q = try dir.write("q.txt", text: "1 2\n3 4 5\n")
    expectDataError("data-ragged-row") { _ = try readCSV(q) }
  }

  @Test func emptyFile() throws {
    let dir = TempDir()
    let p = try dir.write("e.csv", text: "x,y\n\n# nothing\n")
    expectDataError("data-empty") { _ = try readCSV(p) }
  }

  @Test func unknownFormat() throws {
    let e = expectDataError("data-unknown-format") { _ = try readDataset("data/x.parquet") }
    #expect(e?.description.hasPrefix("data/x.parquet: cannot tell the format") == true)
    #expect(DataFormat(fileName: "a/b/train-images-idx3-ubyte.gz") == .idx)
    #expect(DataFormat(fileName: "moons.CSV.gz") == .csv)
    #expect(DataFormat(fileName: "x.npy") == .npy)
  }

  /// strtod alone reads hexadecimal (`0x10` as 16, `0x1p3` as 8) and `infinity`-like
  /// words; a numeric CSV means none of them.
  @Test(arguments: ["0x10", "0X1F", "0x1p3", "-0x8", "1_000", "1.", ".5e"]) func onlyDecimalNumbers(text: String) throws {
    let dir = TempDir()
    let p = try dir.write("x.csv", text: "1,2\n3,\(text)\n")
    if text == "1." {
      #expect(try readCSV(p).values == [1, 2, 3, 1])
      return
    }
    let e = expectDataError("data-not-a-number") { _ = try readCSV(p) }
    #expect(e?.description == "\(p): line 2, column 2: '\(text)' is not a number")
  }

  /// A first line is a header only when every field is a name; a first row that does not
  /// parse is an error at line 1, not a header that moves the error to line 2.
  @Test func aBrokenFirstRowIsNotAHeader() throws {
    let dir = TempDir()
    for (text, column, field) in [("1,2x\n3,4\n", 2, "2x"), ("x,1\n3,4\n", 1, "x"), ("0x10,3\n1,2\n", 1, "0x10"),
                                  ("1.2.3,4\n5,6\n", 1, "1.2.3"), ("1.2.3,4x\n5,6\n", 1, "1.2.3")] {
      let p = try dir.write("b.csv", text: text)
      let e = expectDataError("data-not-a-number") { _ = try readCSV(p) }
      #expect(e?.description == "\(p): line 1, column \(column): '\(field)' is not a number", "\(text)")
    }
    // Names are headers, quoted or not; a NaN spelling is data (and not finite).
    let quoted = try dir.write("q.csv", text: "\"a\",_b\n1,2\n")
    #expect(try readCSV(quoted).values == [1, 2])
    let nan = try dir.write("n.csv", text: "nan,1\n1,2\n")
    expectDataError("data-not-finite") { _ = try readCSV(nan) }
  }

  /// A binary file read as CSV (the spec says `source: csv`) says what it really is.
  @Test func binaryContentIsNamed() throws {
    let dir = TempDir()
    let npy = try dir.write("points.csv", encodeNPY(Dataset(values: [1, 2, 3, 4], count: 2, dimension: 2, source: "t")))
    let e = expectDataError("data-format-mismatch") { _ = try readDataset(npy, format: .csv) }
    #expect(e?.description == "\(npy): is read as csv (the spec's 'source'), but its content is a npy file; set 'source: npy' or give the csv file")
    let idx = try dir.write("images.csv", idxBytes(type: 0x08, dims: [1, 2, 2], payload: [1, 2, 3, 4]))
    expectDataError("data-format-mismatch") { _ = try readDataset(idx, format: .csv) }
  }

  /// The declared format decides, whatever the name says: an IDX file named `images.bin`.
  @Test func declaredFormatWinsOverTheName() throws {
    let dir = TempDir()
    let p = try dir.write("images.bin", idxBytes(type: 0x08, dims: [1, 2, 2], payload: [1, 2, 3, 4]))
    expectDataError("data-unknown-format") { _ = try readDataset(p) }
    #expect(try readDataset(p, format: .idx).count == 1)
  }
}
