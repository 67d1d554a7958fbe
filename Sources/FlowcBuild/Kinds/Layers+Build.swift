import FlowRuntime
import FlowcIR

extension DiagonalScalingOp: BuildableLayer {
  package func layerDescription(_ node: GraphNode) -> any LayerDescription {
    DiagonalScalingDescription(initialLogScale: initialLogScale.value)
  }
}

extension PermutationOp: BuildableLayer {
  package func layerDescription(_ node: GraphNode) -> any LayerDescription { PermutationDescription(indices: order) }
}

extension ActNormOp: BuildableLayer {
  package func layerDescription(_ node: GraphNode) -> any LayerDescription {
    ActNormDescription(channels: per.value == .channel ? input.image?.channels : nil)
  }
}

extension BatchNormOp: BuildableLayer {
  package func layerDescription(_ node: GraphNode) -> any LayerDescription {
    BatchNormDescription(momentum: momentum.value, epsilon: epsilon.value)
  }
}

extension InvertibleLinearOp: BuildableLayer {
  package func layerDescription(_ node: GraphNode) -> any LayerDescription {
    LULinearDescription(initialization: initialization == .identity ? .identity : .orthogonal, seed: UInt64(bitPattern: Int64(seed)))
  }
}

extension ElementwiseOp: BuildableLayer {
  package func layerDescription(_ node: GraphNode) -> any LayerDescription {
    switch function.value {
    case .leakyReLU(let s): return ElementwiseDescription(.leakyReLU(slope: s))
    case .sigmoid: return ElementwiseDescription(.sigmoid)
    case .logit: return ElementwiseDescription(.logit)
    case .tanh: return ElementwiseDescription(.tanh)
    case .relu, .abs, .square:
      preconditionFailure("the validator rejects non-monotone elementwise functions")
    }
  }
}

extension SqueezeOp: BuildableLayer {
  /// A squeeze is a fixed permutation of the CHW vector.
  package func layerDescription(_ node: GraphNode) -> any LayerDescription {
    guard let (c, h, w) = input.image else { preconditionFailure("the validator requires an image input for a squeeze") }
    return PermutationDescription(indices: squeezeOrder(channels: c, height: h, width: w))
  }
}

extension InvertibleConv1x1Op: BuildableLayer {
  package func layerDescription(_ node: GraphNode) -> any LayerDescription {
    guard let (c, _, _) = input.image else { preconditionFailure("the validator requires an image input for a 1x1 convolution") }
    return InvertibleConv1x1Description(channels: c, parametrization: parametrization.value == .lu ? .lu : .plain,
                                        initialization: initialization == .identity ? .identity : .orthogonal,
                                        seed: UInt64(bitPattern: Int64(seed)))
  }
}

extension SplitOp: BuildableLayer {
  /// The kept channels are the first `channels`·H·W features of the CHW vector; the
  /// runtime parks the rest for the prior (`Composed`'s widths).
  package func layerDescription(_ node: GraphNode) -> any LayerDescription {
    guard let (_, h, w) = input.image else { preconditionFailure("the validator requires an image input for a split") }
    return FactorOutDescription(keep: channels.value * h * w, net: net.map(network))
  }
}
