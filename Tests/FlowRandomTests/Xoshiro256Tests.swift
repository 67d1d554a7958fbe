import FlowRandom
import Testing

@Suite struct Xoshiro256Tests {
  @Test func sameSeedSameStream() {
    var a = Xoshiro256(seed: 42)
    var b = Xoshiro256(seed: 42)
    for _ in 0..<100 { #expect(a.next() == b.next()) }
  }

  @Test func savedStateResumesTheStream() {
    var a = Xoshiro256(seed: 7)
    for _ in 0..<10 { _ = a.next() }
    var b = Xoshiro256(state: a.state)!
    for _ in 0..<100 { #expect(a.next() == b.next()) }
  }

  @Test func streamsDiffer() {
    var a = Xoshiro256(seed: 1, stream: "data")
    var b = Xoshiro256(seed: 1, stream: "init")
    #expect(a.next() != b.next())
  }

  @Test func rejectsForbiddenState() {
    #expect(Xoshiro256(state: [0, 0, 0, 0]) == nil)
    #expect(Xoshiro256(state: [1, 2]) == nil)
  }

  @Test func normalMoments() {
    var g = Xoshiro256(seed: 3)
    let n = 200_000
    var s = 0.0, s2 = 0.0
    for _ in 0..<n {
      let x = g.nextNormal()
      s += x
      s2 += x * x
    }
    let mean = s / Double(n)
    let variance = s2 / Double(n) - mean * mean
    #expect(abs(mean) < 0.01)
    #expect(abs(variance - 1) < 0.02)
  }

  @Test func uniformRangeAndPermutation() {
    var g = Xoshiro256(seed: 5)
    for _ in 0..<1000 {
      let u = g.nextOpenUniform()
      #expect(u > 0 && u < 1)
    }
    let p = g.permutation(50)
    #expect(p.sorted() == Array(0..<50))
  }

  /// The buffer loop of `permutation` draws exactly what the plain Fisher-Yates loop over
  /// `nextInt(below:)` draws, and leaves the generator in the same state, so random
  /// orders in specs and checkpoints keep their values.
  @Test(arguments: [0, 1, 2, 3, 7, 64, 1000, 100_003]) func permutationIsThePlainFisherYates(n: Int) {
    for seed in [0, 1, 42, UInt64.max] as [UInt64] {
      var plain = Xoshiro256(seed: seed, stream: "permutation")
      var reference = Array(0..<n)
      if n >= 2 {
        for i in stride(from: n - 1, to: 0, by: -1) { reference.swapAt(i, plain.nextInt(below: i + 1)) }
      }
      var fast = Xoshiro256(seed: seed, stream: "permutation")
      #expect(fast.permutation(n) == reference, "n \(n), seed \(seed)")
      #expect(fast.state == plain.state)
    }
  }
}
