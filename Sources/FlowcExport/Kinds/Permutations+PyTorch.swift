import FlowcIR

extension PermutationOp: PyTorchExportable {
  /// The order flowc resolved when it compiled the spec (a random one drawn from its seed).
  package func pytorchModule(_ node: GraphNode) -> PythonExpr { .module(.permutations, "Permutation", [.ints(order)]) }
}

extension SqueezeOp: PyTorchExportable {
  package func pytorchModule(_ node: GraphNode) -> PythonExpr { .module(.permutations, "Squeeze", [.ints(input.dims)]) }
}
