import FlowRandom
@testable import FlowRuntime
import Foundation
import Testing

/// The LAPACK-backed factorisations: the determinant of `check --numeric` and the LU
/// layer's random orthogonal start.
@Suite struct LAPACKTests {
  @Test func logAbsDeterminantOfKnownMatrices() {
    // det = 72 (cofactor expansion in exact arithmetic); the first column needs a pivot.
    let a: [Double] = [1, 2, 3, 4, 5, 6, 7, 8, 2, 6, 4, 8, 3, 1, 1, 2]
    #expect(isClose(logAbsDeterminant(a, dimension: 4), log(72.0), relative: 1e-14))
    // An anti-diagonal matrix: det = −6, and every step needs a row interchange.
    #expect(isClose(logAbsDeterminant([0, 0, 3, 0, 2, 0, 1, 0, 0], dimension: 3), log(6.0), relative: 1e-14))
    #expect(logAbsDeterminant([2], dimension: 1) == log(2.0))
    #expect(logAbsDeterminant([], dimension: 0) == 0)
  }

  @Test func logAbsDeterminantOfDegenerateMatrices() {
    #expect(logAbsDeterminant([1, 2, 2, 4], dimension: 2) == -.infinity)
    #expect(logAbsDeterminant([0, 0, 0, 0], dimension: 2) == -.infinity)
    #expect(logAbsDeterminant([1, .nan, 0, 1], dimension: 2).isNaN)
    #expect(logAbsDeterminant([1, 0, .infinity, 1], dimension: 2).isNaN)
  }

  @Test func logAbsDeterminantAgreesWithEliminationOnRandomMatrices() {
    var rng = Xoshiro256(seed: 12)
    for d in [2, 3, 7, 16] {
      let a = randomMatrix(rows: d, cols: d, in: -2...2, rng: &rng).storage
      #expect(isClose(logAbsDeterminant(a, dimension: d), logAbsDeterminant(a, d), relative: 1e-12, absolute: 1e-12))
    }
  }

  @Test func randomOrthogonalIsTheQOfItsGaussianWithPositiveR() {
    let d = 6
    var rng = Xoshiro256(seed: 3, stream: "lu-linear")
    var replay = rng
    let q = randomOrthogonal(d, rng: &rng)
    let gaussian = (0..<(d * d)).map { _ in replay.nextNormal() }
    for i in 0..<d {
      for j in 0..<d {
        // QᵀQ = I.
        var qq = 0.0
        for k in 0..<d { qq += q[k * d + i] * q[k * d + j] }
        #expect(isClose(qq, i == j ? 1 : 0, absolute: 1e-13))
        // R = QᵀA is upper triangular with a positive diagonal: the sign fix that makes Q Haar.
        var r = 0.0
        for k in 0..<d { r += q[k * d + i] * gaussian[k * d + j] }
        if i > j { #expect(abs(r) < 1e-12) }
        if i == j { #expect(r > 0) }
      }
    }
    #expect(abs(logAbsDeterminant(q, dimension: d)) < 1e-13)
    // The same seed gives the same matrix, bit for bit.
    var again = Xoshiro256(seed: 3, stream: "lu-linear")
    #expect(randomOrthogonal(d, rng: &again) == q)
  }

  @Test func luDecompositionReproducesItsMatrixInGlowsForm() {
    let d = 5
    var rng = Xoshiro256(seed: 8)
    let q = randomOrthogonal(d, rng: &rng)
    let (p, l, u, s) = luDecomposition(q, d)
    // P is a permutation matrix, L strictly lower with |entries| ≤ 1 (partial pivoting),
    // U strictly upper.
    for i in 0..<d {
      #expect((0..<d).map { p[i * d + $0] }.sorted() == [0, 0, 0, 0, 1])
      #expect((0..<d).map { p[$0 * d + i] }.sorted() == [0, 0, 0, 0, 1])
      for j in 0..<d {
        if j >= i { #expect(l[i * d + j] == 0) } else { #expect(abs(l[i * d + j]) <= 1) }
        if j <= i { #expect(u[i * d + j] == 0) }
      }
    }
    // P·L·(U + diag(s)) = Q, and |∏ s| = |det Q| = 1.
    for i in 0..<d {
      for j in 0..<d {
        var w = 0.0
        for k in 0..<d {
          var lu = 0.0
          for m in 0..<d {
            let lkm = m == k ? 1 : l[k * d + m]
            let umj = m == j ? s[j] : u[m * d + j]
            lu += lkm * umj
          }
          w += p[i * d + k] * lu
        }
        #expect(isClose(w, q[i * d + j], absolute: 1e-13))
      }
    }
    #expect(abs(s.reduce(0) { $0 + log(abs($1)) }) < 1e-13)
  }
}
