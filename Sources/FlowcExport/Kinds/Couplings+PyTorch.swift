import FlowcIR

extension Coupling {
  /// `keep=[...]` and `io=...`, the arguments both coupling kinds start with.
  var pytorchArguments: [(String, PythonExpr)] {
    [("keep", .ints(mask.values)), ("io", .string(io.rawValue))]
  }
}

extension AffineCouplingOp: PyTorchExportable {
  package func pytorchModule(_ node: GraphNode) -> PythonExpr {
    var kwargs = coupling.pytorchArguments
    switch coupling.nets {
    case .shared(let n): kwargs.append(("net", n.pytorchModule))
    case .separate(let s, let t): kwargs += [("scale_net", s!.pytorchModule), ("shift_net", t.pytorchModule)]
    }
    kwargs.append(("scale_function", .string(scaleFunction.value.rawValue)))
    if let c = scaleClamp { kwargs.append(("clamp", .float(c.value))) }
    return .module(.couplings, "AffineCoupling", [], kwargs)
  }
}

extension AdditiveCouplingOp: PyTorchExportable {
  package func pytorchModule(_ node: GraphNode) -> PythonExpr {
    // flowc names an additive coupling's one network `shift_net` whether the spec wrote
    // `shift:` or `net:`.
    .module(.couplings, "AdditiveCoupling", [], coupling.pytorchArguments + [("shift_net", coupling.nets.all[0].pytorchModule)])
  }
}
