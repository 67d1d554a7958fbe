import FlowcDiagnostics
import FlowcSpec

/// `flowc check --emit ir`: the graph one readable line a node, then the totals.
///
/// ```
/// flow 'realnvp-moons' · dim 2 · float32 · specs/realnvp-moons.yaml
///   %0 affine_coupling  2 -> 2  keeps 1 · transforms 0  masked  scale 2-256-256-2 leaky_relu(0.01)/tanh ...  134,148 params
///   ...
///   prior standard_normal  2  0 params
/// total: 6 layers · 804,888 parameters ...
/// ```
package func emitIRText(_ v: ValidatedGraph) -> String {
  let g = v.graph
  var header = "flow '\(g.name)' · dim \(g.dimension.value)"
  if let s = g.shape { header += " (shape \(s.value.map { String($0.value) }.joined(separator: "×")))" }
  header += " · \(g.dtype.rawValue) · \(g.file)\n"

  var rows: [[String]] = g.nodes.map { node in
    ["%\(node.index)", node.hasDefaultName ? node.op.kind : "\(node.op.kind) '\(node.name)'",
     "\(node.inputShape) -> \(node.outputShape)", node.op.irColumns.0, node.op.irColumns.1,
     "\(formatCount(node.parameterCount)) params"]
  }
  let parts = g.priorParts
  let priorSize = parts.count > 1 ? "\(g.prior.dimension) = " + parts.map(\.shape.description).joined(separator: " + ") : "\(g.prior.dimension)"
  rows.append(["", "prior \(g.prior.kind.value.rawValue)", priorSize,
               g.prior.kind.value == .diagonalNormal ? "learnable mean and log-std" : "fixed", "",
               "\(formatCount(g.prior.parameterCount)) params"])
  var out = header + alignColumns(rows, rightAligned: [5]).map { "  " + $0 + "\n" }.joined()
  out += emitTotals(v)
  return out
}

/// The totals line(s), also printed by a plain `flowc check`.
package func emitTotals(_ v: ValidatedGraph) -> String {
  let g = v.graph
  let e = v.estimate
  let batch = g.settings.train.batchSize.value
  var out = "total: \(g.nodes.count) layer\(g.nodes.count == 1 ? "" : "s") · \(formatCount(e.parameters)) parameters (\(formatBytes(e.parameterBytes)) \(g.dtype.rawValue))"
  out += " · gradients and \(g.settings.train.optimizer.value.rawValue) state \(formatBytes(e.optimizerBytes))"
  out += " · activations \(formatBytes(e.activationBytes)) at batch \(batch)"
  if e.dataBytes > 0 { out += " · data sets \(formatBytes(e.dataBytes))" }
  out += " · evaluation \(formatBytes(e.evaluationBytes)) at batch \(g.settings.eval.batchSize.value)\n"
  out += "compute: \(formatFLOPs(e.flopsPerSample)) per sample forward · \(formatFLOPs(e.trainingFlopsPerStep)) per training step"
  out += " · memory \(formatBytes(e.totalBytes)) of \(formatBytes(g.settings.memoryLimit.value)) allowed\n"
  let needInit = g.nodes.filter(\.op.needsInitBatch)
  if !needInit.isEmpty {
    out += "data-dependent init: \(needInit.map { "%\($0.index)" }.joined(separator: ", ")) (ActNorm) \(needInit.count == 1 ? "initialises" : "initialise") on the first training batch; the checkpoint records that \(needInit.count == 1 ? "it" : "they") did\n"
  }
  return out
}

/// Pads each column to its widest cell (two spaces between columns).
func alignColumns(_ rows: [[String]], rightAligned: Set<Int> = []) -> [String] {
  let columns = rows.map(\.count).max() ?? 0
  var widths = [Int](repeating: 0, count: columns)
  for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
  return rows.map { r in
    r.enumerated().map { i, c in
      let pad = String(repeating: " ", count: widths[i] - c.count)
      return rightAligned.contains(i) ? pad + c : (i == r.count - 1 ? c : c + pad)
    }.joined(separator: "  ")
  }
}
