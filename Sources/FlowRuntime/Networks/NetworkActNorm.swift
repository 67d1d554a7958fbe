import RealModule

/// The ActNorm of a `ConvNet`: Glow's per-channel y = (x + bias)·exp(log_scale) on the
/// network's channel-major batch [C, n·H·W], in place, with the same data-dependent
/// initialisation, tensor names (`bias`, `log_scale`, `initialized`) and persisted
/// `initialized` flag as the `ActNorm` bijector (see there), and the same kernels.
///
/// It overwrites its input with its output, and its backward pass needs only the output:
/// ∂y/∂log_scale = (x + bias)·exp(log_scale) = y.
final class NetworkActNorm<T: FlowScalar> {
  /// [C].
  let bias: Parameter<T>
  /// [C].
  let logScale: Parameter<T>
  /// [], 1 once initialised.
  let initializedFlag: Buffer<T>
  /// Number of channels.
  let channels: Int
  /// exp(log_scale) of the latest pass.
  var scale: [T]

  /// An uninitialised ActNorm on `channels` channels, names prefixed by `namePrefix`.
  init(channels: Int, namePrefix: String) {
    self.channels = channels
    bias = Parameter(name: namePrefix + "bias", shape: [channels])
    logScale = Parameter(name: namePrefix + "log_scale", shape: [channels])
    initializedFlag = Buffer(name: namePrefix + "initialized", shape: [], value: [0])
    scale = [T](repeating: 1, count: channels)
  }

  /// Whether the data-dependent initialisation has happened (read from the buffer).
  var isInitialized: Bool { initializedFlag.value[0] != 0 }

  /// Initialises from `x` (`length` values per channel) when `initialize` is set and the
  /// flag is 0, then computes `scale` = exp(log_scale) for a pass.
  func prepare(_ x: UnsafePointer<T>, length: Int, initialize: Bool) {
    if initialize && !isInitialized {
      bias.value.withUnsafeMutableBufferPointer { bp in
        logScale.value.withUnsafeMutableBufferPointer { sp in
          channelAffineInitialize(x, bias: bp.baseAddress!, logScale: sp.baseAddress!, outer: 1, channels: channels, inner: length)
        }
      }
      initializedFlag.value[0] = 1
    }
    for c in 0..<channels { scale[c] = T.exp(logScale.value[c]) }
  }

  /// y = (x + bias)·exp(log_scale) from `x` into `y` (which may be `x`), over `length`
  /// values per channel; first initialises from `x` when `initialize` is set and the flag is 0.
  func forward(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, length: Int, initialize: Bool) {
    prepare(x, length: length, initialize: initialize)
    bias.value.withUnsafeBufferPointer { bp in
      scale.withUnsafeBufferPointer { sp in
        channelAffineForward(x, y, bias: bp.baseAddress!, scale: sp.baseAddress!, outer: 1, channels: channels, inner: length)
      }
    }
  }

  /// Turns dL/dy at `gradient` into dL/dx in place, given the output `y` of the latest
  /// `forward`, and adds the parameter gradients.
  func backward(output y: UnsafePointer<T>, gradient: UnsafeMutablePointer<T>, length: Int) {
    scale.withUnsafeBufferPointer { sp in
      bias.gradient.withUnsafeMutableBufferPointer { db in
        logScale.gradient.withUnsafeMutableBufferPointer { ds in
          channelAffineBackwardFromOutput(
            y: y, gradient: gradient, scale: sp.baseAddress!, dBias: db.baseAddress!, dLogScale: ds.baseAddress!, outer: 1,
            channels: channels, inner: length)
        }
      }
    }
  }
}
