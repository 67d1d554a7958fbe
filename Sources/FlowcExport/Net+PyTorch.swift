import FlowcIR
import FlowcSpec

extension Net {
  /// The network's module: `MLP([2, 256, 256, 2], LeakyReLU(0.01), Tanh())` or
  /// `ConvNet([2, 4, 4], output_channels=4, channels=64, activation=ReLU(), kernels=[3, 1, 3], ...)`.
  /// Its state-dict names are flowc's (`<role>_net.<k>.weight`, and `<role>_net.context.weight`
  /// in a conditional flow, docs/checkpoint.md).
  package var pytorchModule: PythonExpr {
    let output = outputActivation.value == .identity ? nil : outputActivation.value.pytorchModule
    var kwargs: [(String, PythonExpr)] = []
    if initialization != .pytorch { kwargs.append(("init", .string(initialization.rawValue))) }
    // A conditional flow's network: its context weight `context.weight` [H, C].
    if context > 0 { kwargs.append(("context", .int(context))) }
    guard let conv else {
      var args: [PythonExpr] = [.ints(widths), activation.value.pytorchModule]
      if let output { args.append(output) }
      return .module(.nets, "MLP", args, kwargs)
    }
    var convArgs: [(String, PythonExpr)] = []
    switch conv.layout {
    case .plain(let kernels): convArgs.append(("kernels", .ints(kernels.map(\.value))))
    case .residual(let blocks, let kernel): convArgs += [("blocks", .int(blocks.value)), ("kernel", .int(kernel.value))]
    }
    if conv.norm.value != .none { convArgs.append(("norm", .string(conv.norm.value.rawValue))) }
    if let output { convArgs.append(("output_activation", output)) }
    return .module(.nets, "ConvNet", [.ints(conv.input.dims)],
                   [("output_channels", .int(conv.outputChannels)), ("channels", .int(conv.channels.value)),
                    ("activation", activation.value.pytorchModule)] + convArgs + kwargs)
  }
}

extension Activation {
  /// The activation's module in `nets.py` (flowc's definitions: PyTorch's defaults, and
  /// softplus as flowc computes it); `none` is `Identity()`, which keeps its entry in the
  /// `nn.Sequential` so the layers' numbers stay flowc's.
  package var pytorchModule: PythonExpr {
    switch self {
    case .relu: .module(.nets, "ReLU")
    case .leakyReLU(let s): .module(.nets, "LeakyReLU", [.float(s)])
    case .tanh: .module(.nets, "Tanh")
    case .elu(let a): .module(.nets, "ELU", [.float(a)])
    case .gelu: .module(.nets, "GELU")
    case .sigmoid: .module(.nets, "Sigmoid")
    case .softplus: .module(.nets, "Softplus")
    case .identity: .module(.nets, "Identity")
    }
  }
}
