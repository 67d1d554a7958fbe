// The fused kernels of a `ConvNetUnit` with an ActNorm before its nonlinearity, over the
// network's channel-major batch (`channels` runs of `length` values): one pass over the
// hidden activations where separate ActNorm and activation kernels would make two (these
// loops are memory-bound, so passes are what they cost). The activation's definitions
// come from `withActivation`, the ActNorm's from ChannelAffineKernels.swift.

/// a = (x + bias_c)·scale_c and h = f(a) per channel, a written over x (the unit's input,
/// which nothing else reads).
@inlinable
func normActivationForwardInPlace<T: FlowScalar>(
  _ activation: Activation, x: UnsafeMutablePointer<T>, h: UnsafeMutablePointer<T>, bias: UnsafePointer<T>,
  scale: UnsafePointer<T>, channels: Int, length: Int
) {
  withActivation(activation) { (f: (T) -> T, _) in
    for c in 0..<channels {
      let xr = x + c * length, hr = h + c * length, b = bias[c], s = scale[c]
      for j in 0..<length {
        let v = (xr[j] + b) * s
        xr[j] = v
        hr[j] = f(v)
      }
    }
  }
}

/// a = (x + bias_c)·scale_c into `a` and h = f(a) per channel, x left as it is.
@inlinable
func normActivationForward<T: FlowScalar>(
  _ activation: Activation, x: UnsafePointer<T>, a: UnsafeMutablePointer<T>, h: UnsafeMutablePointer<T>,
  bias: UnsafePointer<T>, scale: UnsafePointer<T>, channels: Int, length: Int
) {
  withActivation(activation) { (f: (T) -> T, _) in
    for c in 0..<channels {
      let xr = x + c * length, ar = a + c * length, hr = h + c * length, b = bias[c], s = scale[c]
      for j in 0..<length {
        let v = (xr[j] + b) * s
        ar[j] = v
        hr[j] = f(v)
      }
    }
  }
}
