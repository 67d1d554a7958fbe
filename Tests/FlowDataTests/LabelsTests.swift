import FlowRandom
import FlowData
import Testing

/// Label files attached to any format, and selecting classes by label.
@Suite struct LabelsTests {
  /// Five rows of a CSV file, one per label of `labels`.
  let csv = "0,0\n1,1\n2,2\n3,3\n4,4\n"
  let labels = idxBytes(type: 0x08, dims: [5], payload: [3, 1, 3, 0, 1])

  @Test func labelsAttachToAnyFormat() throws {
    let dir = TempDir()
    let x = try dir.write("x.csv", text: csv)
    let l = try dir.write("labels-idx1-ubyte.gz", labels, gzipped: true)
    let data = try readDataset(x, labels: l)
    #expect(data.labels == [3, 1, 3, 0, 1])
    // They travel with their rows.
    #expect(data.rows([4, 0]).labels == [1, 3])
  }

  @Test func labelCountMustMatch() throws {
    let dir = TempDir()
    let x = try dir.write("x.csv", text: "0,0\n1,1\n")
    let l = try dir.write("labels-idx1-ubyte", labels)
    let e = expectDataError("data-label-count-mismatch") { _ = try readDataset(x, labels: l) }
    #expect(e?.description == "\(x): holds 2 examples but \(l) holds 5 labels; are these files from the same split?")
  }

  @Test func imagesAsLabelsAreRefused() throws {
    let dir = TempDir()
    let x = try dir.write("x.csv", text: csv)
    let l = try dir.write("images-idx3-ubyte", idxBytes(type: 0x08, dims: [5, 1, 1], payload: [0, 1, 2, 3, 4]))
    expectDataError("data-wrong-magic") { _ = try readDataset(x, labels: l) }
  }

  @Test func selectingClassesKeepsOrderAndLabels() throws {
    let data = Dataset(values: (0..<10).map(Float.init), count: 5, dimension: 2, labels: [3, 1, 3, 0, 1], source: "x.csv")
    let kept = try data.selectingClasses([1, 3])
    #expect(kept.count == 4)
    #expect(kept.values == [0, 1, 2, 3, 4, 5, 8, 9])
    #expect(kept.labels == [3, 1, 3, 1])
    #expect(try data.selectingClasses([0]).values == [6, 7])
  }

  @Test func labelsOutsideAContextsClassesNameTheFileAndExample() throws {
    let data = Dataset(values: (0..<10).map(Float.init), count: 5, dimension: 2, labels: [3, 1, 3, 0, 1], source: "x.csv")
    try data.checkLabels(below: 4, labelsPath: "l-idx1-ubyte")
    let e = expectDataError("data-label-range") { try data.checkLabels(below: 3, labelsPath: "l-idx1-ubyte") }
    #expect(e?.description == "l-idx1-ubyte: example 0 (from 0) is labelled 3, outside the context's 0 ..< 3 (data.context.num_classes); "
      + "raise 'num_classes' or give the right label file")
    let unlabelled = Dataset(values: [0, 1], count: 1, dimension: 2, source: "y.csv")
    expectDataError("data-unlabelled") { try unlabelled.checkLabels(below: 3, labelsPath: "l") }
  }

  @Test func labelledBatchesCarryTheirRowsLabels() {
    // Row i holds the value i and the label i mod 3, so every batch can be checked row by row.
    let data = Dataset(values: (0..<7).map(Float.init), count: 7, dimension: 1, labels: (0..<7).map { $0 % 3 }, source: "x")
    var sampler = BatchSampler(data: data, generator: Xoshiro256(seed: 5))
    var values: [Float] = [], labels: [Int] = []
    for _ in 0..<5 {  // across epochs, with a short last batch
      let n = sampler.nextBatch(3, into: &values, labels: &labels)
      #expect(labels.count == n && values.count == n)
      for r in 0..<n { #expect(labels[r] == Int(values[r]) % 3) }
    }
  }

  @Test func aClassWithoutExamplesIsAnError() throws {
    let data = Dataset(values: (0..<10).map(Float.init), count: 5, dimension: 2, labels: [3, 1, 3, 0, 1], source: "x.csv")
    let e = expectDataError("data-class-not-found") { _ = try data.selectingClasses([1, 7]) }
    #expect(e?.description == "x.csv: no example is labelled 7, a class asked for; the labels present are 0, 1, 3")
    let ten = Dataset(values: [Float](repeating: 0, count: 10), count: 10, dimension: 1, labels: Array(0..<10), source: "t")
    #expect(expectDataError("data-class-not-found") { _ = try ten.selectingClasses([11]) }?.description
      == "t: no example is labelled 11, a class asked for; the labels present are 0–9")
    let unlabelled = Dataset(values: [1, 2], count: 2, dimension: 1, source: "u.npy")
    #expect(expectDataError("data-unlabelled") { _ = try unlabelled.selectingClasses([0]) }?.description
      == "u.npy: carries no labels, so classes cannot be selected; give its IDX label file")
  }
}
