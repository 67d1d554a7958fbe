import FlowcIR

extension ActNormOp: PyTorchExportable {
  package func pytorchModule(_ node: GraphNode) -> PythonExpr {
    guard per.value == .channel else { return .module(.normalization, "ActNorm", [.int(node.inputDim)]) }
    return .module(.normalization, "ActNorm", [.int(node.inputDim)], [("per", .string("channel")), ("shape", .ints(input.dims))])
  }
}

extension BatchNormOp: PyTorchExportable {
  package func pytorchModule(_ node: GraphNode) -> PythonExpr {
    .module(.normalization, "BatchNorm", [.int(node.inputDim)], [("momentum", .float(momentum.value)), ("epsilon", .float(epsilon.value))])
  }
}
