import FlowcIR

extension DiagonalScalingOp: PyTorchExportable {
  package func pytorchModule(_ node: GraphNode) -> PythonExpr {
    .module(.linear, "DiagonalScaling", [.int(node.inputDim)], [("init", .float(initialLogScale.value))])
  }
}

extension InvertibleLinearOp: PyTorchExportable {
  package func pytorchModule(_ node: GraphNode) -> PythonExpr {
    .module(.linear, "InvertibleLinear", [.int(node.inputDim)], [("init", .string(initialization.rawValue)), ("seed", .int(seed))])
  }
}

extension InvertibleConv1x1Op: PyTorchExportable {
  package func pytorchModule(_ node: GraphNode) -> PythonExpr {
    .module(.linear, "InvertibleConv1x1", [.ints(input.dims)],
            [("parametrization", .string(parametrization.value.rawValue)), ("init", .string(initialization.rawValue)),
             ("seed", .int(seed))])
  }
}
