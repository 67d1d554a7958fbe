import FlowcIR

extension SplineCouplingOp: PyTorchExportable {
  /// `SplineCoupling(keep=[...], io=..., net=MLP(...), bins=K, bound=B, tails=..., min_...)`:
  /// every setting spelled out, defaults included.
  package func pytorchModule(_ node: GraphNode) -> PythonExpr {
    .module(.splines, "SplineCoupling", [], coupling.pytorchArguments + [
      ("net", coupling.nets.all[0].pytorchModule), ("bins", .int(bins.value)), ("bound", .float(bound.value)),
      ("tails", .string(tails.value.rawValue)), ("min_bin_width", .float(minBinWidth.value)),
      ("min_bin_height", .float(minBinHeight.value)), ("min_derivative", .float(minDerivative.value)),
    ])
  }
}
