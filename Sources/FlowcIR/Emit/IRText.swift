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
  if let c = g.settings.data.context { header += " · context \(c.description)" }
  header += " · \(g.dtype.rawValue) · \(g.file)\n"

  var rows: [[String]] = g.nodes.map { node in
    ["%\(node.index)", node.hasDefaultName ? node.op.kind : "\(node.op.kind) '\(node.name)'",
     "\(node.inputShape) -> \(node.outputShape)", node.op.irColumns.0, node.op.irColumns.1,
     "\(formatCount(node.parameterCount)) params"]
  }
  let parts = g.priorParts
  let priorSize = parts.count > 1 ? "\(g.prior.dimension) = " + parts.map(\.shape.description).joined(separator: " + ") : "\(g.prior.dimension)"
  rows.append(["", "prior \(g.prior.kind.value.rawValue)", priorSize,
               priorNote(g.prior), "",
               "\(formatCount(g.prior.parameterCount)) params"])
  var out = header + alignColumns(rows, rightAligned: [5]).map { "  " + $0 + "\n" }.joined()
  out += emitTotals(v)
  return out
}

/// What the prior's line says about its parameters.
func priorNote(_ p: PriorNode) -> String {
  switch p.kind.value {
  case .diagonalNormal: return "learnable mean and log-std"
  case .conditionalNormal: return "mean and log-std linear in the context (\(p.contextWidth))"
  case .standardNormal, .logistic: return "fixed"
  }
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
  out += sequentialPassesLine(v)
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

/// For flows with autoregressive layers, the line that says which direction runs
/// sequential passes and what drawing a sample costs; empty for every other flow:
/// `autoregressive: sampling runs 2 sequential passes in %0-%7 (maf) · 1.1 MFLOP per sample drawn`.
func sequentialPassesLine(_ v: ValidatedGraph) -> String {
  let g = v.graph
  var clauses: [String] = []
  for (direction, pick) in [("sampling", { (p: LayerPasses) in p.sampling }), ("density", { (p: LayerPasses) in p.density })] {
    let nodes = g.nodes.filter { pick($0.op.passes(input: $0.inputShape)) > 1 }
    guard let first = nodes.first else { continue }
    let passes = pick(first.op.passes(input: first.inputShape))
    let kinds = Set(nodes.map(\.op.kind)).sorted().joined(separator: ", ")
    var clause = "\(direction) runs \(passes) sequential passes in \(nodeList(nodes.map(\.index))) (\(kinds))"
    if direction == "density" { clause += ", and so does training" }
    clauses.append(clause)
  }
  guard !clauses.isEmpty else { return "" }
  return "autoregressive: \(clauses.joined(separator: "; ")) · \(formatFLOPs(v.estimate.samplingFlopsPerSample)) per sample drawn\n"
}

/// Node indices as `%0-%7` runs or `%0, %2, %4`.
func nodeList(_ indices: [Int]) -> String {
  var parts: [String] = []
  var i = 0
  while i < indices.count {
    var j = i
    while j + 1 < indices.count, indices[j + 1] == indices[j] + 1 { j += 1 }
    parts.append(j > i ? "%\(indices[i])-%\(indices[j])" : "%\(indices[i])")
    i = j + 1
  }
  return parts.joined(separator: ", ")
}
