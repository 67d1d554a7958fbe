import FlowRuntime
import FlowcIR
import FlowcSpec

/// The runtime side of a layer kind: each kind's operation (FlowcIR's `Kinds/`)
/// conforms in this folder, turning the validated node into the description of its
/// bijector (FlowRuntime's `Bijectors/`).
package protocol BuildableLayer: LayerOperation {
  /// The bijector's configuration for `node`, whose rules the validator has checked.
  func layerDescription(_ node: GraphNode) -> any LayerDescription
}

/// A conditioner network's runtime description: a `ConvNetDescription` for a
/// convolutional net (`type: conv` or `resnet`), otherwise an MLP.
func network(_ n: Net) -> any NetworkDescription {
  guard let conv = n.conv, let (c, h, w) = conv.input.image else { return mlp(n) }
  let kernels: [Int], blocks: Int
  switch conv.layout {
  case .plain(let k):
    kernels = k.map(\.value)
    blocks = 0
  // The IR's residual net has one kernel size for the input, block and output convolutions.
  case .residual(let b, let k):
    kernels = [k.value, k.value, k.value]
    blocks = b.value
  }
  return ConvNetDescription(inputChannels: c, height: h, width: w, outputChannels: conv.outputChannels,
                            hiddenChannels: conv.channels.value, kernels: kernels, activation: activation(n.activation.value),
                            normalization: conv.norm.value == .actnorm ? .actnorm : .none,
                            zeroInitLast: n.initialization == .zeroLast, blocks: blocks,
                            outputActivation: n.outputActivation.value == .identity ? nil : activation(n.outputActivation.value),
                            context: n.context)
}

/// An MLP conditioner's runtime description.
func mlp(_ n: Net) -> MLPDescription {
  MLPDescription(inputs: n.inputs, hidden: n.hidden.map(\.value), outputs: n.outputs,
                 activation: activation(n.activation.value),
                 outputActivation: n.outputActivation.value == .identity ? nil : activation(n.outputActivation.value),
                 zeroInitLast: n.initialization == .zeroLast, context: n.context)
}

func activation(_ a: FlowcSpec.Activation) -> FlowRuntime.Activation {
  switch a {
  case .relu: .relu
  case .leakyReLU(let s): .leakyReLU(slope: s)
  case .tanh: .tanh
  case .elu(let x): .elu(alpha: x)
  case .gelu: .gelu
  case .sigmoid: .sigmoid
  case .softplus: .softplus
  case .identity: .identity
  }
}

