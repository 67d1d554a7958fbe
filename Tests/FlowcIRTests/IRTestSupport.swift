import FlowcTestSupport
import FlowcDiagnostics
import FlowcIR
import FlowcSpec
import Foundation

/// The repository root, found from this file's path (tests use no SwiftPM resources).
let repositoryRoot = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// `Tests/FlowcIRTests/Fixtures`.
let fixturesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

/// The YAML files of a folder, sorted by name.
func yamlFiles(in directory: URL) -> [URL] {
  let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
  return names.filter { $0.hasSuffix(".yaml") }.sorted().map { directory.appendingPathComponent($0) }
}
