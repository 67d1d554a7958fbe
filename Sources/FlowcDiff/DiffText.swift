import FlowcDiagnostics
import FlowcIR

/// ANSI colours as git uses them: red for what was before or removed, green for what
/// is after or added; nothing at all when colour is off.
package struct DiffPalette {
  package var enabled: Bool
  package init(enabled: Bool) { self.enabled = enabled }
  package func red(_ s: String) -> String { enabled ? "\u{1B}[31m\(s)\u{1B}[0m" : s }
  package func green(_ s: String) -> String { enabled ? "\u{1B}[32m\(s)\u{1B}[0m" : s }
  package func bold(_ s: String) -> String { enabled ? "\u{1B}[1m\(s)\u{1B}[0m" : s }
  package func cyan(_ s: String) -> String { enabled ? "\u{1B}[36m\(s)\u{1B}[0m" : s }
}

/// A table cell: its text and the colour applied after padding.
package struct Cell {
  package var text: String
  package var paint: (String) -> String = { $0 }

  package init(text: String, paint: @escaping (String) -> String = { $0 }) {
    self.text = text
    self.paint = paint
  }
}

/// Pads every column to its widest cell, then colours each cell.
package func alignedRows(_ rows: [[Cell]], indent: String = "  ") -> String {
  let columns = rows.map(\.count).max() ?? 0
  var widths = [Int](repeating: 0, count: columns)
  for r in rows { for (i, c) in r.enumerated() where i < r.count - 1 { widths[i] = max(widths[i], c.text.count) } }
  return rows.map { r in
    indent + r.enumerated().map { i, c in
      let pad = i == r.count - 1 ? "" : String(repeating: " ", count: widths[i] - c.text.count)
      return c.paint(c.text) + pad
    }.joined(separator: "  ")
  }.map { line in
    var l = line
    while l.hasSuffix(" ") { l.removeLast() }
    return l + "\n"
  }.joined()
}

/// `804,888 → 939,036 (+134,148)`.
package func countChange(_ a: Int, _ b: Int) -> String {
  let d = b - a
  return "\(formatCount(a)) → \(formatCount(b))" + (d == 0 ? "" : " (\(d > 0 ? "+" : "")\(formatCount(d)))")
}

/// The text form of a graph diff: a header per side, the layer alignment (runs of
/// equal layers folded into one line), the settings that differ, then the totals.
package func renderDiffText(_ d: GraphDiff, color: Bool) -> String {
  let p = DiffPalette(enabled: color)
  var out = p.bold(p.red("--- \(d.before.file)  '\(d.before.name)'  \(d.before.layers) layers")) + "\n"
  out += p.bold(p.green("+++ \(d.after.file)  '\(d.after.name)'  \(d.after.layers) layers")) + "\n"
  if d.isEqual {
    out += "\nthe two flows are the same: \(d.before.layers) layers, \(formatCount(d.before.parameters)) parameters, every setting equal\n"
    return out
  }
  out += "\n" + renderLayers(d, p)
  out += "\n" + p.bold("settings") + (d.settings.isEmpty ? "  (all equal)\n" : "\n")
  out += fieldRows(d.settings, p, indent: "  ")
  out += "\n" + p.bold("totals") + "\n"
  let a = d.before.estimate, b = d.after.estimate
  var totals: [[Cell]] = [[Cell(text: "layers"), Cell(text: countChange(d.before.layers, d.after.layers))]]
  totals.append([Cell(text: "parameters"), Cell(text: countChange(d.before.parameters, d.after.parameters))])
  totals.append([Cell(text: "memory"), Cell(text: "\(formatBytes(a.totalBytes)) → \(formatBytes(b.totalBytes))")])
  totals.append([Cell(text: "forward per sample"), Cell(text: "\(formatFLOPs(a.flopsPerSample)) → \(formatFLOPs(b.flopsPerSample))")])
  totals.append([Cell(text: "per training step"),
                 Cell(text: "\(formatFLOPs(a.trainingFlopsPerStep)) → \(formatFLOPs(b.trainingFlopsPerStep))")])
  out += alignedRows(totals)
  return out
}

/// The layer section: one line per change, runs of equal layers folded.
private func renderLayers(_ d: GraphDiff, _ p: DiffPalette) -> String {
  let inserted = d.layers.count { $0.change == .inserted }
  let removed = d.layers.count { $0.change == .removed }
  let changed = d.layers.count { $0.change == .changed }
  var counts: [String] = []
  if removed > 0 { counts.append("\(removed) removed") }
  if inserted > 0 { counts.append("\(inserted) inserted") }
  if changed > 0 { counts.append("\(changed) changed") }
  if counts.isEmpty { counts.append("all equal") }
  var out = p.bold("layers") + "  \(d.before.layers) → \(d.after.layers): \(counts.joined(separator: ", "))\n"
  var i = 0
  while i < d.layers.count {
    let e = d.layers[i]
    switch e.change {
    case .same:
      var j = i
      while j + 1 < d.layers.count, d.layers[j + 1].change == .same { j += 1 }
      let a0 = e.before!.index, a1 = d.layers[j].before!.index
      let b0 = e.after!.index, b1 = d.layers[j].after!.index
      let n = j - i + 1
      let range = { (x: Int, y: Int) in x == y ? "%\(x)" : "%\(x)-%\(y)" }
      let same = a0 == b0 && a1 == b1 ? range(a0, a1) : "\(range(a0, a1)) = \(range(b0, b1))"
      out += "    \(same)  \(n) equal layer\(n == 1 ? "" : "s")\n"
      i = j + 1
      continue
    case .removed:
      let l = e.before!
      out += p.red("  - %\(l.index) \(l.kind)  \(l.summary.isEmpty ? "" : l.summary + "  ")\(formatCount(l.parameters)) params  \(l.location)") + "\n"
    case .inserted:
      let l = e.after!
      out += p.green("  + %\(l.index) \(l.kind)  \(l.summary.isEmpty ? "" : l.summary + "  ")\(formatCount(l.parameters)) params  \(l.location)") + "\n"
    case .changed:
      // Consecutive layers changed the same way (a template's width, a repeat's
      // mask) are one block.
      var j = i
      while j + 1 < d.layers.count, sameChange(e, d.layers[j + 1]) { j += 1 }
      let a = e.before!, b = e.after!
      let a1 = d.layers[j].before!.index, b1 = d.layers[j].after!.index
      let range = { (x: Int, y: Int) in x == y ? "%\(x)" : "%\(x)-%\(y)" }
      let index = a.index == b.index && a1 == b1 ? range(a.index, a1) : "\(range(a.index, a1)) → \(range(b.index, b1))"
      var header = "  ~ \(index) \(a.kind)"
      if j > i { header += " (\(j - i + 1) layers, each)" }
      if a.parameters != b.parameters { header += "  params \(countChange(a.parameters, b.parameters))" }
      out += p.cyan(header) + "\n"
      out += fieldRows(e.fields, p, indent: "      ")
      i = j + 1
      continue
    }
    i += 1
  }
  return out
}

/// Whether `b` changes the same fields to the same values, at the same places, as `a`,
/// on the layer right after it on both sides.
private func sameChange(_ a: GraphDiff.LayerEntry, _ b: GraphDiff.LayerEntry) -> Bool {
  guard a.change == .changed, b.change == .changed, a.fields.count == b.fields.count,
        a.before!.parameters == b.before!.parameters, a.after!.parameters == b.after!.parameters else { return false }
  return zip(a.fields, b.fields).allSatisfy { x, y in
    x.name == y.name && x.before == y.before && x.after == y.after && x.beforeLocation == y.beforeLocation
      && x.afterLocation == y.afterLocation
  }
}

/// `name  before  →  after  before-location  after-location`, aligned.
private func fieldRows(_ fields: [GraphDiff.FieldChange], _ p: DiffPalette, indent: String) -> String {
  alignedRows(fields.map { f in
    [Cell(text: f.name), Cell(text: f.before, paint: p.red), Cell(text: "→"), Cell(text: f.after, paint: p.green),
     Cell(text: f.beforeLocation.description), Cell(text: f.afterLocation.description)]
  }, indent: indent)
}

/// A number for the results table: integers plainly, others with 4 decimals.
package func formatResult(_ x: Double?) -> String {
  guard let x else { return "—" }
  if x == x.rounded(), abs(x) < 1e15 { return formatCount(Int(x)) }
  return formatFixed(x, 4)
}
