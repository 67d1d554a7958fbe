import FlowcDiagnostics
import FlowcDriver
import FlowcIR
import FlowcSpec
import Foundation

/// The repository root, found from this file's path (tests use no SwiftPM resources).
let repositoryRoot = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// `Tests/FlowcIRTests/Fixtures`.
let fixturesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

/// Runs the whole check pipeline on inline YAML named `path` in diagnostics.
func check(_ yaml: String, path: String = "snippet.yaml") -> Pipeline.CheckResult {
  Pipeline.check(source: SourceFile(path: path, text: yaml))
}

/// The validated graph of inline YAML, or a failure listing the diagnostics.
func graph(_ yaml: String, sourceLocation: String = #function) throws -> ValidatedGraph {
  let result = check(yaml)
  guard let v = result.validated else {
    struct Invalid: Error, CustomStringConvertible { var description: String }
    throw Invalid(description: result.diagnostics.sorted.map(\.description).joined(separator: "\n"))
  }
  return v
}

/// The YAML files of a folder, sorted by name.
func yamlFiles(in directory: URL) -> [URL] {
  let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
  return names.filter { $0.hasSuffix(".yaml") }.sorted().map { directory.appendingPathComponent($0) }
}

/// The valid two-dimensional flow most snippets start from; `flow` replaces its layers.
func moonsSpec(flow: String, extra: String = "") -> String {
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
