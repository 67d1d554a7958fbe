import FlowcDiagnostics
import FlowcSpec

/// Each kind's own rules (`LayerOperation.validate`): invertibility (`scale-not-positive`,
/// `elementwise-not-monotone`, `linear-not-lu`, `linear-not-square`, `batchnorm-epsilon`),
/// sizes (`permutation-size`, `permutation-invalid`) and value ranges. A repeated layer
/// is reported once, at its spec line: the first diagnostic of each id at each place.
@Sendable func checkLayerRules(_ g: FlowGraph) -> [Diagnostic] {
  var out: [Diagnostic] = []
  var seen = Set<String>()
  for node in g.nodes {
    for d in node.op.validate(node, in: g) {
      let key = "\(d.id)@\(d.range.map { "\($0.file):\($0.start.line):\($0.start.column)" } ?? "-")"
      if seen.insert(key).inserted { out.append(d) }
    }
  }
  return out
}

/// `value-range` for the networks: every hidden width is at least 1 and activation
/// parameters are finite.
@Sendable func checkNetworks(_ g: FlowGraph) -> [Diagnostic] {
  var out: [Diagnostic] = []
  var seen = Set<SourceRange>()
  for node in g.nodes {
    for net in node.op.nets {
      for h in net.hidden where h.value < 1 && seen.insert(h.range).inserted {
        out.append(IRDiagnostics.valueRange("a hidden width", h.value, "at least 1", at: h.range))
      }
      for a in [net.activation, net.outputActivation] {
        switch a.value {
        case .leakyReLU(let x), .elu(let x):
          if !x.isFinite, seen.insert(a.range).inserted {
            out.append(IRDiagnostics.valueRange("the activation parameter", x, "a finite number", at: a.range))
          }
        default: break
        }
      }
    }
  }
  return out
}
