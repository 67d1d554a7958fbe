/// One pre-activation step of a `ConvNet`: [ActNorm →] [nonlinearity →] convolution, on
/// the network's channel-major batch [C, n·H·W].
///
/// It owns its output and gradient buffers. The ActNorm writes over the unit's input when
/// nothing else reads that input (`normInPlace`), otherwise into a buffer of its own (a
/// residual block's first unit, whose input is also the skip connection).
final class ConvNetUnit<T: FlowScalar> {
  /// The convolution.
  let conv: Conv2D<T>
  /// The ActNorm before the nonlinearity, if any.
  let norm: NetworkActNorm<T>?
  /// The nonlinearity before the convolution; nil for none.
  let activation: Activation?
  /// Whether the ActNorm overwrites the unit's input.
  let normInPlace: Bool
  /// Pixels per image, H·W.
  let plane: Int

  /// ActNorm output, when not in place.
  let normOutput = ScratchBuffer<T>()
  /// Nonlinearity output (the convolution's input).
  let activationOutput = ScratchBuffer<T>()
  /// Convolution output.
  let convOutput = ScratchBuffer<T>()
  /// dL/d(unit input) of the latest backward pass.
  let inputGradient = ScratchBuffer<T>()
  /// Pre-activations and convolution input of the latest forward pass (in the buffers above
  /// or the unit's input), for `backward`.
  var preActivation: UnsafeMutablePointer<T>? = nil, convInput: UnsafeMutablePointer<T>? = nil

  /// A unit around `conv` on images of `plane` pixels.
  init(conv: Conv2D<T>, norm: NetworkActNorm<T>?, activation: Activation?, normInPlace: Bool, plane: Int) {
    self.conv = conv
    self.norm = norm
    self.activation = activation == .identity ? nil : activation
    self.normInPlace = normInPlace
    self.plane = plane
  }

  /// Every parameter in `nn.Sequential` order: the ActNorm's, then the convolution's.
  var parameters: [Parameter<T>] { (norm.map { [$0.bias, $0.logScale] } ?? []) + conv.parameters }

  /// Runs the unit on `input` [C_in, n·H·W] (which an in-place ActNorm overwrites) and
  /// returns the convolution output [C_out, n·H·W]. `initialize`: an uninitialised ActNorm
  /// initialises from this batch.
  func forward(_ input: UnsafeMutablePointer<T>, batch n: Int, initialize: Bool) -> UnsafeMutablePointer<T> {
    let c = conv.inputChannels, length = n * plane
    var a = input, h = input
    switch (norm, activation) {
    case (let norm?, let activation?):
      // ActNorm and nonlinearity in one pass.
      norm.prepare(input, length: length, initialize: initialize)
      h = activationOutput.reserve(c * length)
      if !normInPlace { a = normOutput.reserve(c * length) }
      norm.bias.value.withUnsafeBufferPointer { bp in
        norm.scale.withUnsafeBufferPointer { sp in
          if normInPlace {
            normActivationForwardInPlace(activation, x: a, h: h, bias: bp.baseAddress!, scale: sp.baseAddress!, channels: c, length: length)
          } else {
            normActivationForward(
              activation, x: input, a: a, h: h, bias: bp.baseAddress!, scale: sp.baseAddress!, channels: c, length: length)
          }
        }
      }
    case (let norm?, nil):
      if !normInPlace { a = normOutput.reserve(c * length) }
      norm.forward(input, a, length: length, initialize: initialize)
      h = a
    case (nil, let activation?):
      h = activationOutput.reserve(c * length)
      activationForward(activation, a: a, h: h, count: c * length)
    case (nil, nil):
      break
    }
    preActivation = a
    convInput = h
    let out = convOutput.reserve(conv.outputChannels * length)
    conv.forward(h, out, batch: n)
    return out
  }

  /// Given dL/d(convolution output), adds the parameter gradients and returns dL/d(unit input).
  func backward(_ gradient: UnsafePointer<T>, batch n: Int) -> UnsafeMutablePointer<T> {
    let c = conv.inputChannels, length = n * plane
    let g = inputGradient.reserve(c * length)
    conv.backward(convInput!, gradient, g, batch: n)
    if let activation { activationBackward(activation, a: preActivation!, h: convInput!, g: g, count: c * length) }
    norm?.backward(output: preActivation!, gradient: g, length: length)
    return g
  }
}
