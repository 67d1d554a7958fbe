import FlowData
import FlowRandom
import Testing

/// Training rows that are all pixel values (integers 0...255) are held as bytes and turned
/// into Float per batch: a quarter of the memory, and the batches must be exactly the rows
/// a Float copy would give.
@Suite struct BatchSamplerBytesTests {
  /// 37 rows of 6 "pixels" with labels; row i's first value is i, so a batch names its rows.
  static func pixels() -> Dataset {
    var g = Xoshiro256(seed: 3)
    var values: [Float] = []
    for i in 0..<37 {
      values.append(Float(i))
      for _ in 0..<5 { values.append(Float(g.next() % 256)) }
    }
    return Dataset(values: values, count: 37, dimension: 6, shape: [2, 3], labels: (0..<37).map { $0 % 4 }, source: "pixels")
  }

  @Test func pixelRowsAreHeldAsBytesAndComeBackExactly() {
    let data = Self.pixels()
    var sampler = BatchSampler(data: data, generator: Xoshiro256(seed: 8))
    #expect(sampler.holdsBytes)
    #expect(sampler.data == data)
    var buffer: [Float] = []
    var labels: [Int] = []
    var seen: [Int] = []
    // Three epochs of batches of 10 (the last of each epoch has 7 rows).
    for _ in 0..<12 {
      let n = sampler.nextBatch(10, into: &buffer, labels: &labels)
      #expect(buffer.count == n * 6)
      for r in 0..<n {
        let i = Int(buffer[r * 6])
        #expect(Array(buffer[(r * 6)..<((r + 1) * 6)]) == data.row(i))
        #expect(labels[r] == data.labels![i])
        seen.append(i)
      }
    }
    // Every row once per epoch.
    #expect(seen.count == 3 * 37)
    for e in 0..<3 { #expect(Set(seen[(e * 37)..<((e + 1) * 37)]) == Set(0..<37)) }
  }

  @Test func theAllocatingBatchIsTheSameRows() {
    let data = Self.pixels()
    var a = BatchSampler(data: data, generator: Xoshiro256(seed: 2))
    var b = BatchSampler(data: data, generator: Xoshiro256(seed: 2))
    var buffer: [Float] = []
    for _ in 0..<9 {
      let batch = a.nextBatch(8)
      let n = b.nextBatch(8, into: &buffer)
      #expect(batch.count == n && batch.values == buffer)
      #expect(batch.labels == (0..<n).map { data.labels![Int(buffer[$0 * 6])] })
      #expect(batch.shape == [2, 3] && batch.source == "pixels")
    }
  }

  /// A sampler over some rows of a dataset (a split's training part, gathered straight into
  /// bytes) is the sampler over those rows copied out: the same rows, labels and batches.
  @Test(arguments: [true, false])
  func aSamplerOverChosenRowsIsTheSamplerOverTheirCopy(pixelRows: Bool) {
    var data = Self.pixels()
    if !pixelRows {
      var values = data.values
      values[1] = 0.5
      data = Dataset(values: values, count: 37, dimension: 6, shape: [2, 3], labels: data.labels, source: "mixed")
    }
    var g = Xoshiro256(seed: 5)
    let chosen = g.permutation(37)[4..<30]
    var a = BatchSampler(rows: chosen, of: data, generator: Xoshiro256(seed: 9))
    var b = BatchSampler(data: data.rows(chosen), generator: Xoshiro256(seed: 9))
    #expect(a.holdsBytes == pixelRows && b.holdsBytes == pixelRows)
    #expect(a.data == b.data)
    var x: [Float] = [], y: [Float] = [], la: [Int] = [], lb: [Int] = []
    for _ in 0..<7 {
      let n = a.nextBatch(8, into: &x, labels: &la)
      #expect(n == b.nextBatch(8, into: &y, labels: &lb))
      #expect(x == y && la == lb)
    }
  }

  @Test(arguments: [Float(-0.0), 0.5, 256, -1, .nan, .infinity])
  func rowsThatAreNotAllBytesStayFloat(odd: Float) {
    var values = Self.pixels().values
    values[17] = odd
    let data = Dataset(values: values, count: 37, dimension: 6, source: "mixed")
    var sampler = BatchSampler(data: data, generator: Xoshiro256(seed: 1))
    #expect(!sampler.holdsBytes)
    var buffer: [Float] = []
    var found = false
    for _ in 0..<4 {
      let n = sampler.nextBatch(10, into: &buffer)
      for k in 0..<(n * 6) where buffer[k].bitPattern == odd.bitPattern { found = true }
    }
    #expect(found)
  }

  /// A saved state whose order does not index the rows (a damaged checkpoint) is not
  /// taken: the sampler starts a fresh epoch instead of reading past its rows.
  @Test func aStateWhoseOrderDoesNotFitIsIgnored() {
    let data = Self.pixels()
    var sampler = BatchSampler(data: data, generator: Xoshiro256(seed: 8))
    var saved = sampler.state
    saved.order = Array(0..<36) + [37]
    saved.position = 5
    sampler.state = saved
    #expect(sampler.state.order.isEmpty && sampler.state.position == 0)
    var buffer: [Float] = []
    let n = sampler.nextBatch(10, into: &buffer)
    #expect(n == 10)
    for r in 0..<n { #expect(Array(buffer[(r * 6)..<((r + 1) * 6)]) == data.row(Int(buffer[r * 6]))) }
    // A fitting order is taken as it is.
    saved.order = Array((0..<37).reversed())
    sampler.state = saved
    #expect(sampler.state.order == saved.order && sampler.state.position == 5)
  }
}
