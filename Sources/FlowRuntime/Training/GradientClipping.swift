/// Scales all gradients together so their global L2 norm is at most `maxNorm`, and
/// returns the norm before clipping (as `torch.nn.utils.clip_grad_norm_` does, with its
/// 1e-6 guard: the scale is maxNorm/(norm + 1e-6), applied only when below 1).
///
/// Clipping by the global norm keeps the update's direction, unlike per-element clipping;
/// it caught the occasional 2e4-norm spike in the Fashion-MNIST Real NVP runs of PEERS.md.
/// A non-finite norm is returned as is and nothing is scaled (the caller skips the update).
@discardableResult
@_specialize(exported: true, where T == Float)
@_specialize(exported: true, where T == Double)
public func clipGradientNorm<T: FlowScalar>(_ parameters: [Parameter<T>], maxNorm: Double) -> Double {
  precondition(maxNorm > 0, "clipping norm must be positive")
  let norm = gradientNorm(parameters)
  guard norm.isFinite else { return norm }
  let coefficient = maxNorm / (norm + 1e-6)
  if coefficient < 1 {
    let c = T(coefficient)
    for p in parameters {
      guard p.count > 0 else { continue }
      p.gradient.withUnsafeMutableBufferPointer { g in T.scale(g.baseAddress!, count: g.count, by: c) }
    }
  }
  return norm
}

/// The global L2 norm of all gradients.
///
/// A marked reduction: eight independent partial sums per tensor break the dependency
/// chain of one running sum (about 4× faster for large tensors and no less accurate);
/// tensor totals are then added in Double.
@_specialize(exported: true, where T == Float)
@_specialize(exported: true, where T == Double)
public func gradientNorm<T: FlowScalar>(_ parameters: [Parameter<T>]) -> Double {
  var total = 0.0
  if ConcurrentWork.width(items: parameters.count) == 1 {
    for p in parameters where p.count > 0 {
      p.gradient.withUnsafeBufferPointer { g in total += Double(T.sumOfSquares(g.baseAddress!, count: g.count)) }
    }
  } else {
    // Runs of tensors side by side; the per-tensor sums are added in tensor order, as
    // above, so the norm is the same at any thread count.
    var sums = [Double](repeating: 0, count: parameters.count)
    sums.withUnsafeMutableBufferPointer { out in
      let sums = UncheckedBox(out)
      ConcurrentWork.performOverRuns(items: parameters.count, size: { parameters[$0].count }) { run in
        for k in run where parameters[k].count > 0 {
          parameters[k].gradient.withUnsafeBufferPointer { g in sums.value[k] = Double(T.sumOfSquares(g.baseAddress!, count: g.count)) }
        }
      }
    }
    for s in sums { total += s }
  }
  // Squares of float32 gradients above ~1.8e19 overflow even though the gradients are
  // finite; only then redo the sum in Double, so a huge but finite norm is reported
  // (and clipped) rather than mistaken for a NaN.
  if !total.isFinite { total = exactSumOfSquares(parameters) }
  return total.squareRoot()
}

/// Σ g² over all gradients accumulated in Double: slow, for the overflow path only.
@inline(never)
func exactSumOfSquares<T: FlowScalar>(_ parameters: [Parameter<T>]) -> Double {
  var total = 0.0
  for p in parameters { for g in p.gradient { total += Double(g) * Double(g) } }
  return total
}
