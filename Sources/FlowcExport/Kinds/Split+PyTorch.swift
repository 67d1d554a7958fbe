import FlowcIR

extension SplitOp: PyTorchExportable {
  package func pytorchModule(_ node: GraphNode) -> PythonExpr {
    var kwargs: [(String, PythonExpr)] = [("channels", .int(channels.value)), ("prior", .string(prior.value.rawValue))]
    if let net { kwargs.append(("net", net.pytorchModule)) }
    return .module(.multiscale, "Split", [.ints(input.dims)], kwargs)
  }
}
