import FlowcDiff
import FlowcIR
import FlowcRun

/// `flowc diff RUN_A RUN_B`: the spec diff of two runs (each spec with its overrides)
/// and their results side by side.
package struct RunDiff {
  /// One result of both runs.
  package struct MetricRow: Sendable {
    package var key: String
    package var label: String
    package var before: Double?
    package var after: Double?
    /// after − before, when both exist.
    package var delta: Double? { before.flatMap { b in after.map { $0 - b } } }
  }

  package var before: RunRecord
  package var after: RunRecord
  /// nil when either spec does not check.
  package var graph: GraphDiff?
  package var metrics: [MetricRow]

  /// True when the specs mean the same, the statuses agree and every result but the
  /// wall time is the same.
  package var isEqual: Bool {
    guard let graph, graph.isEqual, before.status == after.status else { return false }
    return metrics.allSatisfy { $0.key == "training_seconds" || $0.before == $0.after }
  }
}

/// Compares two loaded runs.
package func diffRuns(_ a: RunRecord, _ b: RunRecord) -> RunDiff {
  var graph: GraphDiff?
  if let va = a.validated, let vb = b.validated { graph = diffGraphs(va, vb) }
  let rows = RunRecord.metricKeys.map { RunDiff.MetricRow(key: $0.key, label: $0.label, before: a.metric($0.key), after: b.metric($0.key)) }
  return RunDiff(before: a, after: b, graph: graph, metrics: rows)
}
