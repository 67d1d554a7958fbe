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

/// `value-range` and `kernel-size` for the networks: every hidden width and channel count
/// is at least 1, kernel sizes are odd (same padding keeps the image size), activation
/// parameters are finite.
@Sendable func checkNetworks(_ g: FlowGraph) -> [Diagnostic] {
  var out: [Diagnostic] = []
  var seen = Set<SourceRange>()
  for node in g.nodes {
    for net in node.op.nets {
      for h in net.hidden where h.value < 1 && seen.insert(h.range).inserted {
        out.append(IRDiagnostics.valueRange("a hidden width", h.value, "at least 1", at: h.range))
      }
      if let conv = net.conv {
        for k in conv.kernelSizes where !(k.value >= 1 && k.value % 2 == 1) && seen.insert(k.range).inserted {
          out.append(IRDiagnostics.kernelSize(k.value, at: k.range))
        }
        if conv.channels.value < 1, seen.insert(conv.channels.range).inserted {
          out.append(IRDiagnostics.valueRange("a convolutional net's 'channels'", conv.channels.value, "at least 1", at: conv.channels.range))
        }
        switch conv.layout {
        case .plain(let kernels) where kernels.isEmpty && seen.insert(net.range).inserted:
          out.append(IRDiagnostics.valueRange("the number of 'kernels'", 0, "at least 1", at: net.range))
        case .residual(let blocks, _) where blocks.value < 1 && seen.insert(blocks.range).inserted:
          out.append(IRDiagnostics.valueRange("'blocks'", blocks.value, "at least 1", at: blocks.range))
        default: break
        }
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
