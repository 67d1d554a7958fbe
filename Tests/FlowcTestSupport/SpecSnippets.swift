import FlowcDiagnostics
import FlowcIR

/// Inline-YAML helpers shared by the compiler-stage tests (IR, diff, build).

/// Runs the whole check pipeline on inline YAML named `path` in diagnostics.
package func check(_ yaml: String, path: String = "snippet.yaml") -> Pipeline.CheckResult {
  Pipeline.check(source: SourceFile(path: path, text: yaml))
}

/// The validated graph of inline YAML, or a failure listing the diagnostics.
package func graph(_ yaml: String, sourceLocation: String = #function) throws -> ValidatedGraph {
  let result = check(yaml)
  guard let v = result.validated else {
    struct Invalid: Error, CustomStringConvertible { var description: String }
    throw Invalid(description: result.diagnostics.sorted.map(\.description).joined(separator: "\n"))
  }
  return v
}

/// The valid two-dimensional flow most snippets start from; `flow` replaces its layers.
package func moonsSpec(flow: String, extra: String = "") -> String {
  """
  dim: 2
  prior: standard_normal
  templates:
    net: {hidden: [8, 8], activation: tanh}
  flow:
  \(flow)
  data: {source: moons}
  train: {steps: 10}
  \(extra)
  """
}
