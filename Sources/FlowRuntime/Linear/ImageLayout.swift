// Transposes between the layouts of a batch of n images [C, H, W] (plane = H·W pixels):
// - sample rows [n, C·plane], each row an image in CHW order (every bijector's input);
// - channel-major [C, n·plane], a row per channel over the batch (inside a `ConvNet`);
// - pixel rows [n·plane, C], a row per pixel holding its channels (`InvertibleConv1x1`,
//   which is then a linear map on rows).

/// Rows of samples [n, C·plane] (CHW per sample) → channel-major [C, n·plane].
@inlinable
func samplesToChannels<T: FlowScalar>(_ x: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, batch n: Int, channels: Int, plane: Int) {
  for b in 0..<n {
    for c in 0..<channels { (out + (c * n + b) * plane).update(from: x + (b * channels + c) * plane, count: plane) }
  }
}

/// Channel-major [C, n·plane] → rows of samples [n, C·plane].
@inlinable
func channelsToSamples<T: FlowScalar>(_ x: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, batch n: Int, channels: Int, plane: Int) {
  for b in 0..<n {
    for c in 0..<channels { (out + (b * channels + c) * plane).update(from: x + (c * n + b) * plane, count: plane) }
  }
}

/// Sample rows [n, C·plane] → pixel rows [n·plane, C].
@inlinable
func samplesToPixels<T: FlowScalar>(_ x: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, batch n: Int, channels: Int, plane: Int) {
  for b in 0..<n {
    let src = x + b * channels * plane, dst = out + b * channels * plane
    for c in 0..<channels {
      for s in 0..<plane { dst[s * channels + c] = src[c * plane + s] }
    }
  }
}

/// Pixel rows [n·plane, C] → sample rows [n, C·plane].
@inlinable
func pixelsToSamples<T: FlowScalar>(_ x: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, batch n: Int, channels: Int, plane: Int) {
  for b in 0..<n {
    let src = x + b * channels * plane, dst = out + b * channels * plane
    for c in 0..<channels {
      for s in 0..<plane { dst[c * plane + s] = src[s * channels + c] }
    }
  }
}
