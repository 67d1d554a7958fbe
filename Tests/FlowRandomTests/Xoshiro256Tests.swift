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
}
