import FlowData
import FlowRandom
import Testing

/// The buffer-reusing batch path the training loop uses gives exactly the batches of the
/// allocating one, epoch boundaries included.
@Suite struct InPlaceBatchTests {
  @Test func sameRowsAsTheAllocatingSampler() throws {
    var g = Xoshiro256(seed: 11)
    let data = try ToySource.moons.sample(count: 103, options: ToyOptions(noise: 0.1), generator: &g)
    var a = BatchSampler(data: data, generator: Xoshiro256(seed: 4))
    var b = BatchSampler(data: data, generator: Xoshiro256(seed: 4))
    var buffer: [Float] = []
    for _ in 0..<12 {
      let expected = a.nextBatch(25)
      let rows = b.nextBatch(25, into: &buffer)
      #expect(rows == expected.count)
      #expect(buffer == expected.values)
    }
    #expect(a.state == b.state)
  }

  @Test func preprocessingIntoReusedBuffers() throws {
    let chain = Preprocessing.realNVP()
    var values: [Float] = (0..<12).map { Float($0 * 20) }
    var copy = values
    var g1 = Xoshiro256(seed: 1)
    var g2 = Xoshiro256(seed: 1)
    let expected = chain.apply(to: &copy, dimension: 4, generator: &g1)
    var logDet = [Double](repeating: 99, count: 3)
    chain.apply(to: &values, dimension: 4, generator: &g2, logDet: &logDet)
    #expect(values == copy)
    #expect(logDet == expected)
  }
}
