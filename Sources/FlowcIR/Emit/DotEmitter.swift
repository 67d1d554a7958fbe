import FlowcDiagnostics
import FlowcSpec

/// `flowc check --emit dot`: the graph for Graphviz (`flowc check x.yaml --emit dot | dot -Tsvg`).
package func emitDot(_ v: ValidatedGraph) -> String {
  let g = v.graph
  var out = "digraph \(dotQuote(g.name)) {\n"
  out += "  rankdir=TB;\n  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=10];\n"
  out += "  edge [fontname=\"Helvetica\", fontsize=9];\n"
  out += "  data [shape=ellipse, label=\(dotQuote("data\n\(g.dataShape.isImage ? g.dataShape.description : "\(g.dimension.value) features")"))];\n"
  for node in g.nodes {
    var label = "%\(node.index) \(node.op.kind)"
    if !node.hasDefaultName { label += " '\(node.name)'" }
    let (first, rest) = node.op.irColumns
    label += "\n" + (rest.isEmpty ? first : first + "  " + rest).replacingOccurrences(of: "  ", with: "\n")
    label += "\n\(formatCount(node.parameterCount)) params"
    out += "  n\(node.index) [label=\(dotQuote(label))];\n"
  }
  out += "  prior [shape=ellipse, label=\(dotQuote("prior \(g.prior.kind.value.rawValue)\n\(formatCount(g.prior.parameterCount)) params"))];\n"
  for e in g.edges {
    let from = e.from < 0 ? "data" : "n\(e.from)"
    let to = e.to == g.nodes.count ? "prior" : "n\(e.to)"
    out += "  \(from) -> \(to) [label=\"\(e.shape)\"\(e.factored ? ", style=dashed" : "")];\n"
  }
  out += "  label=\(dotQuote("\(g.name): \(formatCount(v.estimate.parameters)) parameters")); labelloc=t;\n}\n"
  return out
}

func dotQuote(_ s: String) -> String {
  "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    .replacingOccurrences(of: "\n", with: "\\n") + "\""
}

extension String {
  func replacingOccurrences(of target: String, with replacement: String) -> String {
    guard !target.isEmpty else { return self }
    return components(separatedBy: target).joined(separator: replacement)
  }

  func components(separatedBy separator: String) -> [String] {
    var parts: [String] = []
    var rest = Substring(self)
    while let r = rest.firstRange(of: separator) {
      parts.append(String(rest[..<r.lowerBound]))
      rest = rest[r.upperBound...]
    }
    parts.append(String(rest))
    return parts
  }
}
