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
}
