import FlowcDiff
import FlowcIR
import FlowcRun

private func runJSON(_ r: RunRecord) -> JSONValue {
  .object([
    ("path", .string(r.path)), ("status", .string(r.status)), ("step", r.info.map { .int($0.step) } ?? .null),
    ("total_steps", r.info.map { .int($0.totalSteps) } ?? .null), ("started", r.info.map { .string($0.started) } ?? .null),
    ("overrides", .array((r.info?.overrides ?? []).map { .string($0) })), ("notes", .array(r.notes.map { .string($0) })),
  ])
}

/// `flowc diff RUN_A RUN_B --format json`.
package func runDiffJSON(_ d: RunDiff) -> JSONValue {
  .object([
    ("format", .string("flowc-run-diff")),
    ("version", .int(1)),
    ("equal", .bool(d.isEqual)),
    ("before", runJSON(d.before)),
    ("after", runJSON(d.after)),
    ("results", .array(d.metrics.map { m in
      .object([("metric", .string(m.key)), ("before", number(m.before)), ("after", number(m.after)), ("difference", number(m.delta))])
    })),
    ("spec", d.graph.map(diffJSON) ?? .null),
  ])
}
