import FlowcIR

extension ElementwiseOp: PyTorchExportable {
  package func pytorchModule(_ node: GraphNode) -> PythonExpr {
    switch function.value {
    case .leakyReLU(let s): return .module(.elementwise, "Elementwise", [.string("leaky_relu")], [("slope", .float(s))])
    case .sigmoid: return .module(.elementwise, "Elementwise", [.string("sigmoid")])
    case .logit: return .module(.elementwise, "Elementwise", [.string("logit")])
    case .tanh: return .module(.elementwise, "Elementwise", [.string("tanh")])
    case .relu, .abs, .square:
      preconditionFailure("the validator rejects non-monotone elementwise functions")
    }
  }
}
