import FlowcIR

/// Compares two validated graphs by meaning.
///
/// The layers are aligned with `LayerAlignment` over their signatures (kind and
/// concrete values, no provenance); paired layers of the same kind with different values
/// become `changed` entries listing each differing field. The dimensions, the prior and
/// every setting of data, train, eval and limits are compared after defaults, each
/// difference with the location of both sides.
package func diffGraphs(_ before: ValidatedGraph, _ after: ValidatedGraph) -> GraphDiff {
  let a = before.graph, b = after.graph
  let sa = a.nodes.map(NodeSignature.init)
  let sb = b.nodes.map(NodeSignature.init)
  var layers: [GraphDiff.LayerEntry] = []
  layers.reserveCapacity(max(a.nodes.count, b.nodes.count))
  for step in LayerAlignment.align(sa, sb) {
    switch step {
    case .pair(let i, let j):
      let fields = changedFields(sa[i].fields, sb[j].fields)
      layers.append(GraphDiff.LayerEntry(change: fields.isEmpty ? .same : .changed, before: nodeSummary(a.nodes[i], sa[i]),
                                         after: nodeSummary(b.nodes[j], sb[j]), fields: fields))
    case .remove(let i):
      layers.append(GraphDiff.LayerEntry(change: .removed, before: nodeSummary(a.nodes[i], sa[i]), after: nil, fields: []))
    case .insert(let j):
      layers.append(GraphDiff.LayerEntry(change: .inserted, before: nil, after: nodeSummary(b.nodes[j], sb[j]), fields: []))
    }
  }
  return GraphDiff(before: side(before), after: side(after), layers: layers,
                   settings: changedFields(settingFields(a), settingFields(b)))
}

private func side(_ v: ValidatedGraph) -> GraphDiff.Side {
  GraphDiff.Side(file: v.graph.file, name: v.graph.name, layers: v.graph.nodes.count, parameters: v.estimate.parameters,
                 estimate: v.estimate)
}

/// The fields whose values differ, matched by name (a field only one side has is shown
/// against `none`).
func changedFields(_ a: [ComparedField], _ b: [ComparedField]) -> [GraphDiff.FieldChange] {
  var out: [GraphDiff.FieldChange] = []
  var bByName: [String: ComparedField] = [:]
  for f in b { bByName[f.name] = f }
  var seen = Set<String>()
  for f in a {
    seen.insert(f.name)
    if let g = bByName[f.name] {
      if f.value != g.value {
        out.append(GraphDiff.FieldChange(name: f.name, before: f.value, after: g.value, beforeLocation: f.location,
                                         afterLocation: g.location))
      }
    } else {
      out.append(GraphDiff.FieldChange(name: f.name, before: f.value, after: "none", beforeLocation: f.location,
                                       afterLocation: GraphDiff.Location(range: nil, isDefault: true)))
    }
  }
  for g in b where !seen.contains(g.name) {
    out.append(GraphDiff.FieldChange(name: g.name, before: "none", after: g.value,
                                     beforeLocation: GraphDiff.Location(range: nil, isDefault: true), afterLocation: g.location))
  }
  return out
}
