@testable import FlowcOOD
import Testing

/// AUROC, AUPR (average precision) and FPR95 against values worked out by hand, OUT
/// positive and higher scores meaning OUT.
@Suite struct DetectionMetricsTests {
  func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-12 }

  @Test func perfectSeparation() {
    let m = DetectionMetrics(in: [1, 2, 3], out: [4, 5])
    #expect(m.auroc == 1 && m.averagePrecision == 1 && m.falsePositiveRateAt95 == 0)
  }

  /// Every OUT score below every IN score: AUROC 0. AP: thresholds 5, 4 flag only IN;
  /// 3, 2, 1 add one OUT each with precision 1/3, 2/4, 3/5, so AP = (1/3)(1/3 + 1/2 + 3/5)
  /// = 43/90. Flagging 95 % of OUT (⌈2.85⌉ = 3 of 3) needs t* = 1, which flags all of IN.
  @Test func reversedSeparation() {
    let m = DetectionMetrics(in: [4, 5], out: [1, 2, 3])
    #expect(m.auroc == 0)
    #expect(close(m.averagePrecision, 43.0 / 90.0))
    #expect(m.falsePositiveRateAt95 == 1)
  }

  /// IN [1, 2, 2, 3], OUT [2, 3, 4]. Mann-Whitney: OUT 2 beats 1 and ties both 2s (1 + 1),
  /// OUT 3 beats 1, 2, 2 and ties 3 (3.5), OUT 4 beats all (4): U = 9.5 of 12 pairs.
  /// AP: at 4 precision 1/1, at 3 (one IN, one OUT tied) 2/3, at 2 (two IN, one OUT) 3/6,
  /// each adding a third of recall: (1 + 2/3 + 1/2) / 3 = 13/18. FPR95: ⌈0.95 · 3⌉ = 3,
  /// t* = the third-highest OUT score, 2; IN at or above 2: 3 of 4 (the tied 2s count).
  @Test func tiesCountHalfAndEnterTogether() {
    let inS: [Double] = [1, 2, 2, 3], outS: [Double] = [2, 3, 4]
    #expect(close(auroc(in: inS, out: outS), 9.5 / 12))
    #expect(close(averagePrecision(in: inS, out: outS), 13.0 / 18.0))
    #expect(falsePositiveRate(in: inS, out: outS, atTruePositiveRate: 0.95) == 0.75)
    // At 60 % TPR: ⌈1.8⌉ = 2 OUT flagged, t* = 3, one IN (the 3) flagged.
    #expect(falsePositiveRate(in: inS, out: outS, atTruePositiveRate: 0.6) == 0.25)
    let roc = rocCurve(in: inS, out: outS)
    #expect(roc.map(\.fpr) == [0, 0, 0.25, 0.75, 1])
    #expect(roc.map(\.tpr).map { ($0 * 3).rounded() } == [0, 1, 2, 3, 3])
    // Order does not matter.
    #expect(close(auroc(in: inS.reversed(), out: outS.reversed()), 9.5 / 12))
  }

  /// Everything tied: AUROC one half, AP the OUT fraction 3/5 (chance), FPR95 1.
  @Test func allTied() {
    let m = DetectionMetrics(in: [1, 1], out: [1, 1, 1])
    #expect(m.auroc == 0.5)
    #expect(close(m.averagePrecision, 0.6))
    #expect(m.falsePositiveRateAt95 == 1)
  }

  /// Infinite scores (log p = −∞) rank above everything and tie with each other.
  @Test func infinitiesTie() {
    #expect(auroc(in: [1, .infinity], out: [.infinity, .infinity]) == 0.75)
    #expect(auroc(in: [-.infinity], out: [0]) == 1)
  }

  /// ⌈0.95 · 100⌉ is 95, although 0.95 · 100 is 95.00000000000001 in floating point:
  /// t* is the 95th-highest OUT score of 1…100, that is 6; IN at or above it: 6 and 50.
  @Test func thresholdRankIsExact() {
    let outS = (1...100).map(Double.init)
    #expect(falsePositiveRate(in: [5.5, 6, 50], out: outS, atTruePositiveRate: 0.95) == 2.0 / 3.0)
    // One OUT: the threshold is its score.
    #expect(falsePositiveRate(in: [0, 1, 2], out: [1], atTruePositiveRate: 0.95) == 2.0 / 3.0)
  }

  /// The O(n log n) AUROC equals the pairwise definition on random lists with many ties.
  @Test func aurocMatchesThePairwiseCount() {
    var state: UInt64 = 12345
    func next() -> Double {
      state = state &* 6364136223846793005 &+ 1442695040888963407
      return Double((state >> 33) % 7)
    }
    for _ in 0..<20 {
      let a = (0..<30).map { _ in next() }, b = (0..<17).map { _ in next() + 1 }
      var u = 0.0
      for o in b { for i in a { u += o > i ? 1 : o == i ? 0.5 : 0 } }
      #expect(close(auroc(in: a, out: b), u / Double(a.count * b.count)))
    }
  }
}
