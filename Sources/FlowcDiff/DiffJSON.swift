import FlowcIR

/// `flowc diff --format json`: the same content as the text, keys in a fixed order.
package func diffJSON(_ d: GraphDiff) -> JSONValue {
  .object([
    ("format", .string("flowc-diff")),
    ("version", .int(1)),
    ("equal", .bool(d.isEqual)),
    ("before", sideJSON(d.before)),
    ("after", sideJSON(d.after)),
    ("layers", .array(d.layerChanges.map(layerJSON))),
    ("equal_layers", .int(d.layers.count { $0.change == .same })),
    ("settings", .array(d.settings.map(fieldJSON))),
  ])
}

private func sideJSON(_ s: GraphDiff.Side) -> JSONValue {
  .object([
    ("file", .string(s.file)), ("name", .string(s.name)), ("layers", .int(s.layers)), ("parameters", .int(s.parameters)),
    ("memory_bytes", .int(s.estimate.totalBytes)), ("flops_per_sample", .int(s.estimate.flopsPerSample)),
    ("training_flops_per_step", .int(s.estimate.trainingFlopsPerStep)),
  ])
}

private func locationJSON(_ l: GraphDiff.Location) -> JSONValue {
  guard let r = l.range, !l.isDefault else { return .string(l.isDefault ? "default" : "unknown") }
  return .string(r.description)
}

private func fieldJSON(_ f: GraphDiff.FieldChange) -> JSONValue {
  .object([
    ("field", .string(f.name)), ("before", .string(f.before)), ("after", .string(f.after)),
    ("before_source", locationJSON(f.beforeLocation)), ("after_source", locationJSON(f.afterLocation)),
  ])
}

private func summaryJSON(_ l: GraphDiff.LayerSummary?) -> JSONValue {
  guard let l else { return .null }
  return .object([
    ("index", .int(l.index)), ("kind", .string(l.kind)), ("summary", .string(l.summary)),
    ("parameters", .int(l.parameters)), ("source", locationJSON(l.location)),
  ])
}

private func layerJSON(_ e: GraphDiff.LayerEntry) -> JSONValue {
  .object([
    ("change", .string(e.change.rawValue)), ("before", summaryJSON(e.before)), ("after", summaryJSON(e.after)),
    ("fields", .array(e.fields.map(fieldJSON))),
  ])
}

package func number(_ x: Double?) -> JSONValue {
  guard let x, x.isFinite else { return .null }
  return x == x.rounded() && abs(x) < 1e15 ? .int(Int(x)) : .double(x)
}

