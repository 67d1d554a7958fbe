import FlowcIR
import FlowcSpec

/// The PyTorch side of a layer kind: each kind's operation (FlowcIR's `Kinds/`) conforms
/// in this module's `Kinds/`, turning a validated node into the construction of its
/// `nn.Module` in the generated `flow.py`. The module classes themselves live in the
/// family files of `Python/` (`couplings.py`, `normalization.py`, ...), written once per
/// family with flowc's semantics; the exporter copies the files the flow's nodes use.
///
/// Adding a kind is its conformance here (one file), plus, for a new family, its Python
/// file and a case in `PyTorchFamily` (docs/architecture.md, "Adding a layer kind").
package protocol PyTorchExportable: LayerOperation {
  /// The call that builds `node`'s module, e.g. `AffineCoupling(keep=[0, 1], ...)`, whose
  /// state-dict names are the node's checkpoint names (docs/checkpoint.md) under
  /// `layers.<index>.`.
  func pytorchModule(_ node: GraphNode) -> PythonExpr
}

/// A file of module classes in the generated package, one per family of layers.
package enum PyTorchFamily: String, CaseIterable, Sendable, Comparable {
  /// MLPs, convolutional nets and their activations.
  case nets
  /// Affine and additive couplings.
  case couplings
  /// The rational-quadratic spline coupling.
  case splines
  /// MAF and IAF on a MADE.
  case autoregressive
  /// ActNorm and batch normalisation.
  case normalization
  /// Diagonal scaling, the LU linear layer, the invertible 1×1 convolution.
  case linear
  /// Fixed permutations and the squeeze.
  case permutations
  /// Elementwise bijections.
  case elementwise
  /// The factor-out of multi-scale flows.
  case multiscale
  /// The base distributions.
  case priors

  /// The family files this one imports from (the spline coupling shares the couplings'
  /// mask bookkeeping).
  package var dependencies: [PyTorchFamily] {
    switch self {
    case .splines: [.couplings]
    default: []
    }
  }

  /// The file name in the package.
  package var fileName: String { rawValue + ".py" }

  package static func < (a: PyTorchFamily, b: PyTorchFamily) -> Bool {
    allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
  }
}

extension PythonExpr {
  /// A call of `name` from `family`'s file with keyword arguments only.
  package static func module(_ family: PyTorchFamily, _ name: String, _ args: [PythonExpr] = [],
                             _ kwargs: [(String, PythonExpr)] = []) -> PythonExpr {
    .call(family, name, args, kwargs)
  }
}
