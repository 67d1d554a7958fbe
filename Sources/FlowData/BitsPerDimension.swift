#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#else
  import Darwin
#endif

/// Bits per dimension of one example, comparable with published numbers.
///
/// The flow models z = p(x') where x' is the preprocessed data (scaled, logit-transformed).
/// Published bits/dim are relative to the dequantized pixels x ∈ [0, 256)^D, so the
/// preprocessing's change of variables has to be undone:
///
///     log p(x) = log p_flow(x') + log|det ∂x'/∂x|
///     NLL(x)   = NLL_flow(x') − log|det ∂x'/∂x|
///     bpd      = NLL(x) / (D · ln 2)
///
/// Leaving the correction out is how bits/dim come to depend on hidden constants (PEERS
/// item 10). For 8-bit images with Real NVP's chain the correction is large: the scale step
/// alone contributes −D·ln 256, i.e. 8 bits per dimension.
///
/// - Parameters:
///   - negativeLogLikelihood: −log p_flow(x') in nats, the flow's loss on the transformed row.
///   - preprocessingLogAbsDet: the chain's log|det| for the row (from `Preprocessing.apply`).
///   - dimension: D, the number of values per row.
/// - Returns: bits per dimension of the dequantized data.
public func bitsPerDimension(negativeLogLikelihood: Double, preprocessingLogAbsDet: Double, dimension: Int) -> Double {
  bitsPerDimension(nats: negativeLogLikelihood - preprocessingLogAbsDet, dimension: dimension)
}

/// Bits per dimension of a negative log-likelihood already in data space (the
/// preprocessing's Jacobian included, as every flowc evaluation reports it):
/// nats / (D · ln 2). Every bits/dim flowc prints or writes comes from here.
public func bitsPerDimension(nats: Double, dimension: Int) -> Double {
  nats / (Double(max(1, dimension)) * M_LN2)
}

/// The mean bits per dimension of a batch: `bitsPerDimension` of the mean NLL and the mean
/// log|det| (the map is affine, so this is the mean of the per-row values).
///
/// - Parameters:
///   - negativeLogLikelihoods: −log p_flow per row, in nats.
///   - preprocessingLogAbsDets: the chain's log|det| per row (same count).
///   - dimension: values per row.
public func meanBitsPerDimension(
  negativeLogLikelihoods: [Double], preprocessingLogAbsDets: [Double], dimension: Int
) -> Double {
  precondition(negativeLogLikelihoods.count == preprocessingLogAbsDets.count, "one log|det| per row")
  precondition(!negativeLogLikelihoods.isEmpty, "an empty batch has no bits per dimension")
  let n = Double(negativeLogLikelihoods.count)
  let nll = negativeLogLikelihoods.reduce(0, +) / n
  let det = preprocessingLogAbsDets.reduce(0, +) / n
  return bitsPerDimension(negativeLogLikelihood: nll, preprocessingLogAbsDet: det, dimension: dimension)
}
