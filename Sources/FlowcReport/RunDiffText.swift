import FlowcDiff
import FlowcIR
import FlowcRun

/// The text form of a run diff: each run's status and what it lacks, the results side
/// by side, then the spec diff.
package func renderRunDiffText(_ d: RunDiff, color: Bool) -> String {
  let p = DiffPalette(enabled: color)
  var out = ""
  for (sign, r, paint) in [("---", d.before, p.red), ("+++", d.after, p.green)] {
    var line = "\(sign) \(r.path)  \(r.status)"
    if let info = r.info { line += "  step \(info.step)/\(info.totalSteps)  started \(info.started)" }
    if let o = r.info?.overrides, !o.isEmpty { line += "  --set \(o.joined(separator: " --set "))" }
    out += p.bold(paint(line)) + "\n"
  }
  for (r, which) in [(d.before, "before"), (d.after, "after")] where !r.notes.isEmpty {
    out += "note: \(which) (\(r.name)): \(r.notes.joined(separator: "; "))\n"
  }
  out += "\n" + p.bold("results") + "\n"
  var rows: [[Cell]] = [[Cell(text: ""), Cell(text: "before"), Cell(text: "after"), Cell(text: "difference")]]
  for m in d.metrics {
    let diff = m.delta.map { $0 == 0 ? "=" : ($0 > 0 ? "+" : "") + formatResult($0) } ?? ""
    rows.append([Cell(text: m.label), Cell(text: formatResult(m.before), paint: p.red), Cell(text: formatResult(m.after), paint: p.green),
                 Cell(text: diff)])
  }
  out += alignedRows(rows)
  out += "\n"
  if let g = d.graph {
    out += p.bold("spec") + "\n" + renderDiffText(g, color: color)
  } else {
    out += "spec: not compared (a spec does not check: \([d.before, d.after].filter { $0.validated == nil }.map(\.name).joined(separator: ", ")))\n"
  }
  return out
}
