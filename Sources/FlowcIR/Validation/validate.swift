import FlowcDiagnostics
import FlowcSpec

/// A graph that passed every validation rule. Only `validate` creates one, so a later
/// stage (the executable flow, the runner) that takes a `ValidatedGraph` can rely on
/// the rules holding: masks are 0/1 of the right length, permutations are bijections,
/// every operation is invertible, sizes and settings are in range.
package struct ValidatedGraph: Sendable {
  package let graph: FlowGraph
  package let estimate: ResourceEstimate

  fileprivate init(graph: FlowGraph, estimate: ResourceEstimate) {
    self.graph = graph
    self.estimate = estimate
  }
}

/// A validation rule: a pure function from the graph to its findings.
package typealias ValidationRule = @Sendable (FlowGraph) -> [Diagnostic]

/// Every rule, in the order docs/diagnostics.md lists them. Each runs over the whole
/// graph, so one `check` reports every problem at once.
package let validationRules: [ValidationRule] = [
  checkDimensions,
  checkMasks,
  checkCoverage,
  checkRepeatedMasks,
  checkLayerRules,
  checkNetworks,
  checkValueRanges,
  checkInputBounds,
  checkDataSettings,
  checkContext,
  checkDataFormats,
  checkTrainSettings,
]

/// Runs every rule and the resource budget. Returns the validated graph when no rule
/// found an error (warnings allowed); all findings go to `diagnostics`.
package func validate(_ graph: FlowGraph, diagnostics: DiagnosticEngine) -> ValidatedGraph? {
  let before = diagnostics.errorCount
  for rule in validationRules {
    diagnostics.emit(contentsOf: rule(graph))
  }
  let estimate = ResourceEstimate(graph)
  diagnostics.emit(contentsOf: checkBudget(graph, estimate))
  guard diagnostics.errorCount == before else { return nil }
  return ValidatedGraph(graph: graph, estimate: estimate)
}
