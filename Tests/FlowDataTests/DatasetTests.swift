import FlowData
import FlowRandom
import Testing

@Suite struct DatasetTests {
  /// Ten rows (i, 10·i), labelled i.
  let data = Dataset(
    values: (0..<10).flatMap { [Float($0), Float(10 * $0)] }, count: 10, dimension: 2,
    labels: Array(0..<10), source: "data/t.csv")

  @Test func rowsAndGather() {
    #expect(data.row(3) == [3, 30])
    #expect(data[4, 1] == 40)
    let b = data.rows([9, 0, 9])
    #expect(b.values == [9, 90, 0, 0, 9, 90] && b.labels == [9, 0, 9] && b.source == "data/t.csv")
  }

  @Test func splitByCountsKeepsOrder() throws {
    let s = try data.split(SplitCounts(train: 6, validation: 2, test: 2))
    #expect(s.train.labels == [0, 1, 2, 3, 4, 5] && s.validation.labels == [6, 7] && s.test.labels == [8, 9])
    expectDataError("data-invalid-option") { _ = try data.split(SplitCounts(train: 8, validation: 2, test: 1)) }
    expectDataError("data-invalid-option") { _ = try data.split(SplitCounts(train: -1, validation: 2, test: 1)) }
  }

  @Test func seededShuffleSplitIsAPartitionAndDeterministic() throws {
    var g1 = Xoshiro256(seed: 5, stream: "split")
    var g2 = Xoshiro256(seed: 5, stream: "split")
    let a = try data.split(fractions: 0.7, 0.15, 0.15, shuffling: &g1)
    let b = try data.split(fractions: 0.7, 0.15, 0.15, shuffling: &g2)
    #expect(a == b)
    // round(1.5) = 2 rows each for validation and test; training takes the other 6.
    #expect(a.train.count == 6 && a.validation.count == 2 && a.test.count == 2)
    let all = (a.train.labels! + a.validation.labels! + a.test.labels!).sorted()
    #expect(all == Array(0..<10))
    #expect(a.train.labels != Array(0..<a.train.count), "a shuffled split should not keep the file order")
    // Rows travel with their labels.
    for i in 0..<a.train.count { #expect(a.train[i, 1] == 10 * Float(a.train.labels![i])) }
    var g3 = Xoshiro256(seed: 6, stream: "split")
    #expect(try data.split(fractions: 0.7, 0.15, 0.15, shuffling: &g3) != a)
  }

  @Test func fractionRounding() throws {
    #expect(try SplitCounts(fractions: 0.8, 0.1, 0.1, of: 60000, source: "x") == SplitCounts(train: 48000, validation: 6000, test: 6000))
    #expect(try SplitCounts(fractions: 1.0 / 3, 1.0 / 3, 1.0 / 3, of: 10, source: "x") == SplitCounts(train: 4, validation: 3, test: 3))
    #expect(try SplitCounts(fractions: 0.5, 0.1, 0, of: 10, source: "x") == SplitCounts(train: 5, validation: 1, test: 0))
    expectDataError("data-invalid-option") { _ = try SplitCounts(fractions: 0.8, 0.3, 0, of: 10, source: "x") }
    expectDataError("data-invalid-option") { _ = try SplitCounts(fractions: -0.1, 0.3, 0, of: 10, source: "x") }
  }

  @Test func dimensionCheck() throws {
    let csv = Dataset(values: [1, 2, 3], count: 1, dimension: 3, source: "data/x.csv")
    try csv.checkFits(dimension: 3)
    let e = expectDataError("data-dimension-mismatch") { try csv.checkFits(dimension: 2) }
    #expect(e?.description == "data/x.csv: has 3 columns but the spec's flow has dimension 2")

    let img = Dataset(values: [Float](repeating: 0, count: 784), count: 1, dimension: 784, shape: [28, 28], source: "data/x.idx.gz")
    try img.checkFits(dimension: 784, shape: [28, 28])
    try img.checkFits(dimension: 784)
    let e2 = expectDataError("data-dimension-mismatch") { try img.checkFits(dimension: 3072) }
    #expect(e2?.description == "data/x.idx.gz: holds 28×28 images (784 values each) but the spec's flow has dimension 3072")
    let e3 = expectDataError("data-shape-mismatch") { try img.checkFits(dimension: 784, shape: [14, 56]) }
    #expect(e3?.description == "data/x.idx.gz: holds 28×28 images but the spec declares 14×56")
    // A one-channel image shape is the file's 28×28; two channels are not.
    try img.checkFits(dimension: 784, shape: [1, 28, 28])
    expectDataError("data-shape-mismatch") { try img.checkFits(dimension: 784, shape: [4, 14, 14]) }
  }

  @Test func batchSamplerVisitsEveryRowOncePerEpoch() {
    var s = BatchSampler(data: data, generator: Xoshiro256(seed: 1, stream: "batches"))
    #expect(s.batchesPerEpoch(4) == 3)
    var seen = [Int]()
    for _ in 0..<3 { seen += s.nextBatch(4).labels! }
    #expect(seen.sorted() == Array(0..<10) && s.epoch == 1)
    let next = s.nextBatch(4)
    #expect(next.count == 4 && s.epoch == 2)
    #expect(data.batchRanges(of: 4) == [0..<4, 4..<8, 8..<10])
  }
}

extension DatasetTests {
  @Test func summary() {
    #expect(data.description == "data/t.csv: 10 rows of 2 values, labelled")
    let img = Dataset(values: [Float](repeating: 0, count: 1568), count: 2, dimension: 784, shape: [28, 28], source: "x.idx")
    #expect(img.description == "x.idx: 2 rows of 784 values (28×28 images)")
  }
}
