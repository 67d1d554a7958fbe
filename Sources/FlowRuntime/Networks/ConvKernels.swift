// Kernels of the 2-D convolution (`Conv2D`) over a channel-major batch: a tensor
// [C, N, H, W] stored as C rows of N·H·W values, so that a convolution is one gemm over
// the whole batch and every per-channel operation (bias, ActNorm) runs over contiguous
// memory. Same padding p = (k − 1)/2, stride 1, odd k.
//
// Patches (im2col, Chellapilla, Puri and Simard 2006; Caffe): row (c, dy, dx) of the
// patch matrix holds input channel c shifted by (dy − p, dx − p), zero outside the image,
// so that out = W[Cout, Cin·k·k] · patches. `shift` = +1 reads x[i + dy − p, j + dx − p],
// −1 reads x[i − (dy − p), j − (dx − p)] (the kernel flipped): `Conv2D` needs both
// directions, and `addPatches` is the exact adjoint of `gatherPatches` for the same shift.

/// Writes the k·k shifted copies of each of the `channels` rows of `source` into
/// `patches` (channels·k·k rows of n·h·w values), zero where a shift leaves the image.
@inlinable
func gatherPatches<T: FlowScalar>(
  _ source: UnsafePointer<T>, _ patches: UnsafeMutablePointer<T>,
  channels: Int, batch n: Int, height h: Int, width w: Int, kernel k: Int, shift: Int
) {
  let p = (k - 1) / 2, plane = h * w, length = n * plane
  for c in 0..<channels {
    let src = source + c * length
    for dy in 0..<k {
      let oy = shift * (dy - p)
      for dx in 0..<k {
        let ox = shift * (dx - p)
        let dst = patches + ((c * k + dy) * k + dx) * length
        // Columns j with 0 ≤ j + ox < w.
        let j0 = min(w, max(0, -ox)), j1 = max(j0, min(w, w - ox))
        for b in 0..<n {
          for i in 0..<h {
            let row = dst + b * plane + i * w
            let si = i + oy
            if si < 0 || si >= h {
              for j in 0..<w { row[j] = 0 }
              continue
            }
            let from = src + b * plane + si * w + ox
            for j in 0..<j0 { row[j] = 0 }
            for j in j0..<j1 { row[j] = from[j] }
            for j in j1..<w { row[j] = 0 }
          }
        }
      }
    }
  }
}

/// The adjoint of `gatherPatches`: adds each patch row back onto the position it was read
/// from, `target`[c, b, i + oy, j + ox] += patches[(c, dy, dx), b, i, j].
@inlinable
func addPatches<T: FlowScalar>(
  _ patches: UnsafePointer<T>, _ target: UnsafeMutablePointer<T>,
  channels: Int, batch n: Int, height h: Int, width w: Int, kernel k: Int, shift: Int
) {
  let p = (k - 1) / 2, plane = h * w, length = n * plane
  for c in 0..<channels {
    let dst = target + c * length
    for dy in 0..<k {
      let oy = shift * (dy - p)
      // Rows i with 0 ≤ i + oy < h.
      let i0 = min(h, max(0, -oy)), i1 = max(i0, min(h, h - oy))
      for dx in 0..<k {
        let ox = shift * (dx - p)
        let src = patches + ((c * k + dy) * k + dx) * length
        let j0 = min(w, max(0, -ox)), j1 = max(j0, min(w, w - ox))
        for b in 0..<n {
          for i in i0..<i1 {
            let from = src + b * plane + i * w
            let to = dst + b * plane + (i + oy) * w + ox
            for j in j0..<j1 { to[j] += from[j] }
          }
        }
      }
    }
  }
}

/// out[c, ·] = bias[c] for `channels` rows of `length` values.
@inlinable
func fillChannels<T: FlowScalar>(_ out: UnsafeMutablePointer<T>, _ bias: UnsafePointer<T>, channels: Int, length: Int) {
  for c in 0..<channels {
    let row = out + c * length, b = bias[c]
    for j in 0..<length { row[j] = b }
  }
}

/// gradient[c] += Σ_j g[c, j], the bias gradient of `channels` rows of `length` values.
@inlinable
func addChannelSums<T: FlowScalar>(_ g: UnsafePointer<T>, _ gradient: UnsafeMutablePointer<T>, channels: Int, length: Int) {
  for c in 0..<channels { gradient[c] += plainSum(g + c * length, count: length) }
}
