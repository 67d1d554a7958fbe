import FlowcIR

/// `flowc diff RUN_A RUN_B`: the spec diff of two runs (each spec with its overrides)
/// and their results side by side.
public struct RunDiff {
  /// One result of both runs.
  public struct MetricRow: Sendable {
    public var key: String
    public var label: String
    public var before: Double?
    public var after: Double?
    /// after − before, when both exist.
    public var delta: Double? { before.flatMap { b in after.map { $0 - b } } }
  }

  public var before: RunRecord
  public var after: RunRecord
  /// nil when either spec does not check.
  public var graph: GraphDiff?
  public var metrics: [MetricRow]

  /// True when the specs mean the same, the statuses agree and every result but the
  /// wall time is the same.
  public var isEqual: Bool {
    guard let graph, graph.isEqual, before.status == after.status else { return false }
    return metrics.allSatisfy { $0.key == "training_seconds" || $0.before == $0.after }
  }
}

/// Compares two loaded runs.
public func diffRuns(_ a: RunRecord, _ b: RunRecord) -> RunDiff {
  var graph: GraphDiff?
  if let va = a.validated, let vb = b.validated { graph = diffGraphs(va, vb) }
  let rows = RunRecord.metricKeys.map { RunDiff.MetricRow(key: $0.key, label: $0.label, before: a.metric($0.key), after: b.metric($0.key)) }
  return RunDiff(before: a, after: b, graph: graph, metrics: rows)
}
