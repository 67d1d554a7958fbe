/// How well a score separates out-of-distribution inputs from in-distribution ones.
///
/// Conventions, the same for all three numbers: the OUT set is the positive class, and a
/// score is oriented so that a *higher* value means *more likely out of distribution*
/// (for raw likelihood the score is bits/dim, −log₂ p(x) / D). So
///
/// - **AUROC** is the probability that a random OUT input scores higher than a random IN
///   input, ties counting one half: the Mann-Whitney statistic
///   U = Σ_{o ∈ OUT} Σ_{i ∈ IN} ([s_o > s_i] + ½ [s_o = s_i]), AUROC = U / (n_out · n_in).
///   0.5 is chance; below 0.5 the score ranks the sets the wrong way round (raw likelihood
///   on Fashion-MNIST vs MNIST, Nalisnick et al. 2019).
/// - **AUPR** is the *average precision* with OUT positive (scikit-learn's
///   `average_precision_score`): thresholds at every distinct score, from the highest
///   down; AP = Σ_k (R_k − R_{k−1}) · P_k, where R_k and P_k are recall and precision of
///   flagging every input scoring ≥ the k-th threshold. Inputs tied at a threshold enter
///   together. Average precision, not the trapezoid rule: linear interpolation between
///   points of a precision-recall curve overstates the area (Davis and Goadrich 2006).
///   Its chance level is the OUT fraction n_out / (n_out + n_in), not 0.5.
/// - **FPR95**, the false-positive rate at 95 % true-positive rate: the threshold t* is
///   the largest score value that flags at least 95 % of the OUT set (the ⌈0.95 · n_out⌉-th
///   highest OUT score); FPR95 is the fraction of the IN set scoring ≥ t*. IN inputs tied
///   with t* count as false positives, so ties never flatter the score.
package struct DetectionMetrics: Sendable, Equatable {
  package var auroc: Double
  package var averagePrecision: Double
  package var falsePositiveRateAt95: Double

  /// The three metrics of `score` values of the IN and OUT sets (higher: more OUT).
  /// - Precondition: both sets are non-empty and no value is NaN (infinities are fine).
  package init(in inScores: [Double], out outScores: [Double]) {
    auroc = FlowcOOD.auroc(in: inScores, out: outScores)
    averagePrecision = FlowcOOD.averagePrecision(in: inScores, out: outScores)
    falsePositiveRateAt95 = falsePositiveRate(in: inScores, out: outScores, atTruePositiveRate: 0.95)
  }
}

/// The scores of both sets merged and sorted by value, highest first, as groups of tied
/// values: how many IN and OUT scores each value has.
func tieGroups(in inScores: [Double], out outScores: [Double]) -> [(value: Double, ins: Int, outs: Int)] {
  precondition(!inScores.isEmpty && !outScores.isEmpty, "both sets need at least one score")
  precondition(!inScores.contains(where: \.isNaN) && !outScores.contains(where: \.isNaN), "a score is NaN")
  let all = (inScores.map { ($0, false) } + outScores.map { ($0, true) }).sorted { $0.0 > $1.0 }
  var groups: [(value: Double, ins: Int, outs: Int)] = []
  for (v, isOut) in all {
    if groups.last?.value != v { groups.append((v, 0, 0)) }
    if isOut { groups[groups.count - 1].outs += 1 } else { groups[groups.count - 1].ins += 1 }
  }
  return groups
}

/// AUROC by the Mann-Whitney statistic (see `DetectionMetrics`), in O(n log n): walking
/// the tie groups from the highest value down, each OUT score beats every IN score below
/// its group and ties half of those in it.
package func auroc(in inScores: [Double], out outScores: [Double]) -> Double {
  var u = 0.0
  var insAbove = 0
  for g in tieGroups(in: inScores, out: outScores) {
    let insBelow = inScores.count - insAbove - g.ins
    u += Double(g.outs) * (Double(insBelow) + 0.5 * Double(g.ins))
    insAbove += g.ins
  }
  return u / (Double(inScores.count) * Double(outScores.count))
}

/// Average precision with OUT positive (see `DetectionMetrics`).
package func averagePrecision(in inScores: [Double], out outScores: [Double]) -> Double {
  var truePositives = 0
  var flagged = 0
  var ap = 0.0
  for g in tieGroups(in: inScores, out: outScores) {
    truePositives += g.outs
    flagged += g.ins + g.outs
    ap += Double(g.outs) / Double(outScores.count) * Double(truePositives) / Double(flagged)
  }
  return ap
}

/// The fraction of IN scores ≥ t*, where t* is the largest value that flags at least
/// `rate` of the OUT scores: the ⌈rate · n_out⌉-th highest OUT score.
package func falsePositiveRate(in inScores: [Double], out outScores: [Double], atTruePositiveRate rate: Double) -> Double {
  precondition(rate > 0 && rate <= 1 && !outScores.isEmpty && !inScores.isEmpty)
  // ⌈rate · n⌉, with the product's rounding error (0.95 · 100 = 95.00000000000001) removed.
  let k = Int((rate * Double(outScores.count) - 1e-9).rounded(.up))
  let threshold = outScores.sorted(by: >)[max(1, min(outScores.count, k)) - 1]
  return Double(inScores.count { $0 >= threshold }) / Double(inScores.count)
}

/// The ROC curve: (false-positive rate, true-positive rate) after each tie group, from
/// (0, 0) to (1, 1), for the figures.
package func rocCurve(in inScores: [Double], out outScores: [Double]) -> [(fpr: Double, tpr: Double)] {
  var points: [(fpr: Double, tpr: Double)] = [(0, 0)]
  var ins = 0
  var outs = 0
  for g in tieGroups(in: inScores, out: outScores) {
    ins += g.ins
    outs += g.outs
    points.append((Double(ins) / Double(inScores.count), Double(outs) / Double(outScores.count)))
  }
  return points
}
