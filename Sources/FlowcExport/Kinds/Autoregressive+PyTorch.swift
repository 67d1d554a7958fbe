import FlowcIR

extension Autoregressive {
  /// `MAF(order=[...], net=MADE(...), scale_function=..., clamp=...)` (or `IAF`): the order
  /// flowc resolved (a random one drawn from its seed) and the MADE, whose degrees and masks
  /// `autoregressive.py` builds from the order and the widths exactly as flowc does.
  func pytorchModule(_ name: String) -> PythonExpr {
    var netKwargs: [(String, PythonExpr)] = []
    if net.outputActivation.value != .identity { netKwargs.append(("output_activation", net.outputActivation.value.pytorchModule)) }
    if net.initialization != .pytorch { netKwargs.append(("init", .string(net.initialization.rawValue))) }
    // A conditional flow's MADE: its unmasked context weight `net.context.weight` [h_1, C].
    if net.context > 0 { netKwargs.append(("context", .int(net.context))) }
    let made = PythonExpr.module(.autoregressive, "MADE", [.ints(net.widths), net.activation.value.pytorchModule, .ints(order),
                                                          .int(parametersPerDimension)], netKwargs)
    var kwargs: [(String, PythonExpr)] = [("order", .ints(order)), ("net", made), ("scale_function", .string(scaleFunction.value.rawValue))]
    if let c = scaleClamp { kwargs.append(("clamp", .float(c.value))) }
    return .module(.autoregressive, name, [], kwargs)
  }
}

extension MAFOp: PyTorchExportable {
  package func pytorchModule(_ node: GraphNode) -> PythonExpr { autoregressive.pytorchModule("MAF") }
}

extension IAFOp: PyTorchExportable {
  package func pytorchModule(_ node: GraphNode) -> PythonExpr { autoregressive.pytorchModule("IAF") }
}
