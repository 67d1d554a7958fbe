import RealModule

/// The seeded random generator of every random draw in flowc: data batches,
/// dequantization noise, weight initialisation, random permutations, prior samples.
///
/// xoshiro256** (Blackman and Vigna, 2018): fast, 256 bits of state, and the state is four
/// integers, so a checkpoint stores it exactly and a resumed run continues the same
/// stream. Seeding goes through SplitMix64 as the authors recommend, so nearby seeds
/// (0, 1, 2) give unrelated streams.
public struct Xoshiro256: RandomNumberGenerator, Sendable, Hashable, Codable {
  /// The whole state; save it to resume the stream exactly.
  public var state: [UInt64]

  /// A generator whose stream is a pure function of `seed`.
  public init(seed: UInt64) {
    var sm = seed
    func splitmix() -> UInt64 {
      sm &+= 0x9E37_79B9_7F4A_7C15
      var z = sm
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    state = [splitmix(), splitmix(), splitmix(), splitmix()]
  }

  /// Restores a saved state. Returns nil for a state that is not four words or is all
  /// zero (xoshiro's one forbidden state).
  public init?(state: [UInt64]) {
    guard state.count == 4, state.contains(where: { $0 != 0 }) else { return nil }
    self.state = state
  }

  /// A generator for a named sub-stream of `seed` ("init", "data", "noise", ...), so
  /// that adding draws to one consumer never shifts another's numbers.
  public init(seed: UInt64, stream: String) {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a over the stream name
    for b in stream.utf8 {
      h ^= UInt64(b)
      h = h &* 0x0000_0100_0000_01B3
    }
    self.init(seed: seed ^ h)
  }

  @inlinable
  public mutating func next() -> UInt64 {
    let result = rotl(state[1] &* 5, 7) &* 9
    let t = state[1] << 17
    state[2] ^= state[0]
    state[3] ^= state[1]
    state[1] ^= state[2]
    state[0] ^= state[3]
    state[2] ^= t
    state[3] = rotl(state[3], 45)
    return result
  }

  @inlinable
  func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 &- k)) }
}

extension Xoshiro256 {
  /// A uniform double in [0, 1), from the top 53 bits.
  @inlinable
  public mutating func nextUniform() -> Double {
    Double(next() >> 11) * 0x1.0p-53
  }

  /// A uniform double in (0, 1): safe to take the log of.
  @inlinable
  public mutating func nextOpenUniform() -> Double {
    (Double(next() >> 12) + 0.5) * 0x1.0p-52
  }

  /// A standard normal draw (Box-Muller; the second value of each pair is dropped so
  /// that the generator's state alone determines the stream, with no cached value to save).
  @inlinable
  public mutating func nextNormal() -> Double {
    let u1 = nextOpenUniform()
    let u2 = nextUniform()
    return (-2 * Double.log(u1)).squareRoot() * Double.cos(2 * Double.pi * u2)
  }

  /// A standard logistic draw: log(u / (1 - u)).
  @inlinable
  public mutating func nextLogistic() -> Double {
    let u = nextOpenUniform()
    return Double.log(u) - Double.log(onePlus: -u)
  }

  /// A uniform integer in 0..<n (n > 0), without modulo bias.
  @inlinable
  public mutating func nextInt(below n: Int) -> Int {
    precondition(n > 0, "nextInt(below:) needs a positive bound")
    return Int(next(upperBound: UInt64(n)))
  }

  /// A uniformly random permutation of 0..<n (Fisher-Yates: for i from n − 1 down to 1,
  /// swap entry i with entry `nextInt(below: i + 1)`).
  ///
  /// The loop (`shuffleIdentity`) runs over raw pointers with the state words in locals
  /// and `next(upperBound:)`'s rejection method (Lemire's, as the standard library has
  /// it) written out: the same numbers as the plain loop over `swapAt` and `nextInt`
  /// (`Xoshiro256Tests` holds the two equal), several times faster even in a debug
  /// build, so `flowc check` of a 2^24-entry random order stays quick.
  public mutating func permutation(_ n: Int) -> [Int] {
    precondition(n >= 0, "a permutation needs a non-negative size")
    guard n >= 2 else { return Array(0..<n) }
    var words = (state[0], state[1], state[2], state[3])
    let p = [Int](unsafeUninitializedCapacity: n) { buffer, initialized in
      Self.shuffleIdentity(buffer.baseAddress!, n, &words)
      initialized = n
    }
    state = [words.0, words.1, words.2, words.3]
    return p
  }

  /// Writes 0..<n to `p` and shuffles it, drawing from the state `s` (see `permutation`).
  private static func shuffleIdentity(_ p: UnsafeMutablePointer<Int>, _ n: Int,
                                      _ s: inout (UInt64, UInt64, UInt64, UInt64)) {
    var (s0, s1, s2, s3) = s
    var k = 0
    while k < n {
      p[k] = k
      k &+= 1
    }
    var i = n &- 1
    while i > 0 {
      let bound = UInt64(truncatingIfNeeded: i &+ 1)
      var m: (high: UInt64, low: UInt64) = (0, 0)
      var accepted = false
      var threshold: UInt64 = 0
      var first = true
      while !accepted {
        // xoshiro256** `next()`.
        let x = s1 &* 5
        let word = (x << 7 | x >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        m = word.multipliedFullWidth(by: bound)
        if first {
          first = false
          if m.low >= bound { break }
          threshold = (0 &- bound) % bound
        }
        accepted = m.low >= threshold
      }
      let j = Int(truncatingIfNeeded: m.high)
      let v = p[i]
      p[i] = p[j]
      p[j] = v
      i &-= 1
    }
    s = (s0, s1, s2, s3)
  }
}
