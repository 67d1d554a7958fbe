/// One out-of-distribution score, computed from what a set's inputs measure (bits/dim
/// under the model, under the background model, and their compressed size). Every score
/// is oriented so that higher means more likely out of distribution (`DetectionMetrics`).
///
/// With b(x) = −log₂ p(x) / D the bits per dimension of x under the model (in data space,
/// the preprocessing's Jacobian included):
///
/// | score | s(x) | after |
/// |---|---|---|
/// | `likelihood` | b(x) | the raw score Nalisnick et al. 2018 show failing |
/// | `typicality` | \|b(x) − b̄\|, b̄ the mean of b over training rows | Nalisnick et al. 2019, one input |
/// | `typicality-batch` | \|(1/M) Σ_batch b − b̄\| over batches of M inputs | Nalisnick et al. 2019's test |
/// | `complexity` | b(x) − L(x)/D, L(x) the compressor's bits for the 8-bit image | Serrà et al. 2020's S(x), per dimension |
/// | `likelihood-ratio` | b(x) − b_background(x) | Ren et al. 2019's LLR (negated: per dimension, in bits) |
package enum OODScore: Sendable, Equatable, Hashable {
  case likelihood
  case typicality
  case typicalityBatch(size: Int)
  case complexity(Compressor)
  case likelihoodRatio

  /// The stable name in JSON (`typicality-batch`).
  package var id: String {
    switch self {
    case .likelihood: "likelihood"
    case .typicality: "typicality"
    case .typicalityBatch: "typicality-batch"
    case .complexity: "complexity"
    case .likelihoodRatio: "likelihood-ratio"
    }
  }

  /// What the table calls it.
  package var title: String {
    switch self {
    case .likelihood: "likelihood (bits/dim)"
    case .typicality: "typicality, one input"
    case .typicalityBatch(let m): "typicality, batches of \(m)"
    case .complexity(let c): "complexity (\(c.rawValue))"
    case .likelihoodRatio: "likelihood ratio"
    }
  }

  /// The formula, for the report and the JSON.
  package var definition: String {
    switch self {
    case .likelihood: "b(x) = -log2 p(x) / D, bits/dim under the model"
    case .typicality: "|b(x) - mean b over training rows| (Nalisnick et al. 2019)"
    case .typicalityBatch(let m): "|mean b over a batch of \(m) - mean b over training rows| (Nalisnick et al. 2019's batch test)"
    case .complexity(let c):
      "b(x) - L(x) / D, L(x) the bits \(c == .png ? "of the 8-bit image's PNG (IDAT data, through cairo)" : "of zlib level 9 on the 8-bit image") (Serrà et al. 2020)"
    case .likelihoodRatio: "b(x) - b_background(x), bits/dim under the model minus under the background model (Ren et al. 2019)"
    }
  }
}
