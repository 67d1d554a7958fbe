import FlowRandom
import FlowData
import Testing

/// A context taken from named CSV columns: the header's names are kept, the named
/// columns leave the features, and the context travels with its rows.
@Suite struct ContextColumnsTests {
  /// Four rows of x0, c, x1, p.
  let csv = "x0,c,x1,\"p\"\n1,10,2,100\n3,30,4,300\n5,50,6,500\n7,70,8,700\n"

  @Test func theHeaderKeepsItsNames() throws {
    let dir = TempDir()
    let table = try readCSVTable(try dir.write("x.csv", text: csv))
    #expect(table.header == ["x0", "c", "x1", "p"])
    #expect(table.data.dimension == 4)
    #expect(try readCSVTable(try dir.write("y.csv", text: "1,2\n3,4\n")).header == nil)
  }

  @Test func theNamedColumnsBecomeTheContextInTheirListedOrder() throws {
    let dir = TempDir()
    let x = try dir.write("x.csv", text: csv)
    let data = try readDataset(x, contextColumns: ["p", "c"])
    #expect(data.dimension == 2)
    #expect(data.values == [1, 2, 3, 4, 5, 6, 7, 8])
    #expect(data.contextWidth == 2)
    #expect(data.contextColumns == ["p", "c"])
    #expect(data.context == [100, 10, 300, 30, 500, 50, 700, 70])
    // Rows, shuffles and splits carry each row's context with it.
    let picked = data.rows([3, 1])
    #expect(picked.values == [7, 8, 3, 4])
    #expect(picked.context == [700, 70, 300, 30])
    var g = Xoshiro256(seed: 4, stream: "split")
    let shuffled = data.shuffled(using: &g)
    for r in 0..<shuffled.count {
      #expect(shuffled.context![2 * r] == 100 * shuffled.values[2 * r], "row \(r)")
    }
    // Without context columns the file reads as before.
    #expect(try readDataset(x).dimension == 4)
    #expect(try readDataset(x).context == nil)
  }

  @Test func batchesCarryTheirRowsContext() throws {
    let dir = TempDir()
    let data = try readDataset(try dir.write("x.csv", text: csv), contextColumns: ["c"])
    var sampler = BatchSampler(data: data, generator: Xoshiro256(seed: 1, stream: "train"))
    var values: [Float] = [], context: [Float] = []
    var seen: [Float] = []
    for _ in 0..<2 {
      let n = sampler.nextBatch(3, into: &values, context: &context)
      #expect(context.count == n)
      for r in 0..<n {
        // Row k is x0 = 2k + 1, c = 10·(2k + 1).
        #expect(context[r] == 10 * values[3 * r], "row \(r)")
        seen.append(context[r])
      }
    }
    #expect(Set(seen) == [10, 30, 50, 70])
  }

  @Test func aMissingColumnNamesTheFileTheNameAndTheHeader() throws {
    let dir = TempDir()
    let x = try dir.write("x.csv", text: csv)
    let e = expectDataError("data-context-column") { _ = try readDataset(x, contextColumns: ["c", "temperature"]) }
    #expect(e?.description == "\(x): has no column 'temperature', a context column (data.context.columns); its header names 'x0', 'c', 'x1', 'p'")
  }

  @Test func aFileWithoutAHeaderHasNoNamedColumns() throws {
    let dir = TempDir()
    let x = try dir.write("x.csv", text: "1,2,3\n4,5,6\n")
    let e = expectDataError("data-no-header") { _ = try readDataset(x, contextColumns: ["c"]) }
    #expect(e?.description.hasPrefix("\(x): has no header line, so it has no column named 'c' (data.context.columns)") == true)
  }

  @Test func everyColumnAsContextLeavesNoFeature() throws {
    let dir = TempDir()
    let x = try dir.write("x.csv", text: "a,b\n1,2\n")
    let e = expectDataError("data-no-features") { _ = try readDataset(x, contextColumns: ["b", "a"]) }
    #expect(e?.description.contains("has 2 columns, every one a context column") == true)
    // A context file may hold only the context columns (and others, ignored).
    #expect(try readCSVTable(x).contextValues(columns: ["b"]) == [2])
  }

  @Test func theDimensionCheckCountsTheFeaturesLeft() throws {
    let dir = TempDir()
    let x = try dir.write("x.csv", text: csv)
    let data = try readDataset(x, contextColumns: ["c"])
    try data.checkFits(dimension: 3)
    let e = expectDataError("data-dimension-mismatch") { try data.checkFits(dimension: 4) }
    #expect(e?.description == "\(x): has 4 columns, 1 of them the context (c), which leaves 3 features, but the spec's flow has dimension 4")
  }
}
