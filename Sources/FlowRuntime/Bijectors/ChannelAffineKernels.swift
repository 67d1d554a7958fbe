import RealModule

// Kernels of the per-channel affine map y = (x + b_c)·exp(s_c) of ActNorm, over a tensor
// laid out [outer, C, inner]: channel c of block o is the `inner` contiguous values at
// (o·C + c)·inner. One layout covers every use:
// - the ActNorm bijector per feature: [N, D, 1] (each feature its own channel);
// - the ActNorm bijector per channel on rows of CHW images: [N, C, H·W];
// - the ActNorm inside a ConvNet, on its channel-major batch: [1, C, N·H·W].
// Callers pass scale_c = exp(s_c) precomputed, once per channel rather than per element.
// Inner loops index a run's own pointer by j alone: an overflow-checked `base + j` in the
// loop would keep it from vectorising.

/// y = (x + bias)·scale per channel; x and y may be the same buffer.
@inlinable
func channelAffineForward<T: FlowScalar>(
  _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, bias: UnsafePointer<T>, scale: UnsafePointer<T>,
  outer: Int, channels: Int, inner: Int
) {
  if inner == 1 {
    for o in 0..<outer {
      let xr = x + o * channels, yr = y + o * channels
      for c in 0..<channels { yr[c] = (xr[c] + bias[c]) * scale[c] }
    }
    return
  }
  for o in 0..<outer {
    for c in 0..<channels {
      let base = (o * channels + c) * inner, b = bias[c], s = scale[c]
      let xr = x + base, yr = y + base
      if UnsafePointer(yr) == xr {
        // In place: one pointer, so the loop vectorises without an overlap check.
        for j in 0..<inner { yr[j] = (yr[j] + b) * s }
      } else {
        for j in 0..<inner { yr[j] = (xr[j] + b) * s }
      }
    }
  }
}

/// x = y·inverseScale − bias per channel (inverseScale_c = exp(−s_c)).
@inlinable
func channelAffineInverse<T: FlowScalar>(
  _ y: UnsafePointer<T>, _ x: UnsafeMutablePointer<T>, bias: UnsafePointer<T>, inverseScale: UnsafePointer<T>,
  outer: Int, channels: Int, inner: Int
) {
  if inner == 1 {
    for o in 0..<outer {
      let yr = y + o * channels, xr = x + o * channels
      for c in 0..<channels { xr[c] = yr[c] * inverseScale[c] - bias[c] }
    }
    return
  }
  for o in 0..<outer {
    for c in 0..<channels {
      let base = (o * channels + c) * inner, b = bias[c], s = inverseScale[c]
      let yr = y + base, xr = x + base
      for j in 0..<inner { xr[j] = yr[j] * s - b }
    }
  }
}

/// Backward from the input: dx = dy·scale; dBias += Σ dx; dLogScale += Σ dx·(x + bias)
/// (∂y/∂s = (x + b)·e^s), sums per channel over outer and inner.
@inlinable
func channelAffineBackward<T: FlowScalar>(
  dy: UnsafePointer<T>, x: UnsafePointer<T>, dx: UnsafeMutablePointer<T>, bias: UnsafePointer<T>, scale: UnsafePointer<T>,
  dBias: UnsafeMutablePointer<T>, dLogScale: UnsafeMutablePointer<T>, outer: Int, channels: Int, inner: Int
) {
  if inner == 1 {
    for o in 0..<outer {
      let g = dy + o * channels, xr = x + o * channels, d = dx + o * channels
      for c in 0..<channels {
        let v = g[c] * scale[c]
        d[c] = v
        dBias[c] += v
        dLogScale[c] += v * (xr[c] + bias[c])
      }
    }
    return
  }
  // Per channel run: Σ dx = s·Σ dy and Σ dx·(x + b) = s·(Σ dy·x + b·Σ dy).
  for o in 0..<outer {
    for c in 0..<channels {
      let base = (o * channels + c) * inner, b = bias[c], s = scale[c]
      let (dyx, sdy) = productAndPlainSums(dy + base, x + base, count: inner)
      let gr = dy + base, dr = dx + base
      for j in 0..<inner { dr[j] = gr[j] * s }
      dBias[c] += s * sdy
      dLogScale[c] += s * (dyx + b * sdy)
    }
  }
}

/// Backward from the output, in place: with y = (x + b)·e^s, ∂y/∂s = y, so
/// dLogScale += Σ g·y; then g ← g·scale (= dx) and dBias += Σ dx. For an ActNorm that
/// overwrote its input with its output (inside a ConvNet).
@inlinable
func channelAffineBackwardFromOutput<T: FlowScalar>(
  y: UnsafePointer<T>, gradient g: UnsafeMutablePointer<T>, scale: UnsafePointer<T>,
  dBias: UnsafeMutablePointer<T>, dLogScale: UnsafeMutablePointer<T>, outer: Int, channels: Int, inner: Int
) {
  for o in 0..<outer {
    for c in 0..<channels {
      let base = (o * channels + c) * inner, s = scale[c]
      let gr = g + base
      let (gy, sg) = productAndPlainSums(UnsafePointer(gr), y + base, count: inner)
      for j in 0..<inner { gr[j] *= s }
      dBias[c] += s * sg
      dLogScale[c] += gy
    }
  }
}

/// Glow's data-dependent initialisation per channel: bias = −mean and
/// log_scale = −log(std + 1e-6) over the outer·inner values of each channel (population
/// std, as Glow), so that the output starts with zero mean and unit variance per channel.
/// Statistics are accumulated in Double, so a float32 batch of any size gives the same start.
@inlinable
func channelAffineInitialize<T: FlowScalar>(
  _ x: UnsafePointer<T>, bias: UnsafeMutablePointer<T>, logScale: UnsafeMutablePointer<T>,
  outer: Int, channels: Int, inner: Int
) {
  let count = Double(outer * inner)
  for c in 0..<channels {
    var mean = 0.0
    for o in 0..<outer {
      let base = (o * channels + c) * inner
      for j in 0..<inner { mean += Double(x[base + j]) }
    }
    mean /= count
    var variance = 0.0
    for o in 0..<outer {
      let base = (o * channels + c) * inner
      for j in 0..<inner {
        let d = Double(x[base + j]) - mean
        variance += d * d
      }
    }
    variance /= count
    bias[c] = T(-mean)
    logScale[c] = T(-Double.log(variance.squareRoot() + 1e-6))
  }
}
