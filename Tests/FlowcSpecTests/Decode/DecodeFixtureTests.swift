import FlowcDiagnostics
import FlowcTestSupport
import Foundation
import Testing

@testable import FlowcSpec

/// Invalid specs under `Fixtures/decode/`, each carrying `# expected-error@+1 {{id}}`
/// comments; some also have a `<name>.expected.txt` with the rendered diagnostics,
/// compared whole. Set `FLOWC_UPDATE_GOLDEN=1` to rewrite those files. The parse
/// stage's fixtures are the `parser-*.yaml` among them: each is a valid spec but for one
/// thing the YAML reader refuses.
@Suite struct DecodeFixtureTests {
  /// `Tests/FlowcSpecTests/Fixtures/decode`, found from this file's path (no SwiftPM resources).
  static let directory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/decode")

  /// The fixture names (without `.yaml`), sorted.
  static var names: [String] {
    let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    return files.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
  }

  /// Reads, parses and decodes a fixture; the path in diagnostics is `decode/<name>.yaml`.
  static func run(_ name: String) throws -> (source: SourceFile, diagnostics: [Diagnostic]) {
    let data = try Data(contentsOf: directory.appendingPathComponent("\(name).yaml"))
    let source = SourceFile(path: "decode/\(name).yaml", bytes: [UInt8](data))
    let engine = DiagnosticEngine()
    _ = parseSpec(source, diagnostics: engine)
    return (source, engine.sorted)
  }

  @Test func fixturesExist() {
    #expect(Self.names.count >= SpecDiagnostics.ID.allCases.count)
  }

  @Test(arguments: names)
  func expectedDiagnostics(name: String) throws {
    let (source, diagnostics) = try Self.run(name)
    let verifier = DiagnosticVerifier(fixture: source.path, text: String(decoding: source.bytes, as: UTF8.self))
    #expect(!verifier.expectations.isEmpty, "\(source.path) has no expected-error comments")
    for failure in verifier.verify(diagnostics) {
      Issue.record(Comment(rawValue: failure))
    }
  }

  /// Every id of the decode catalog has a fixture that expects it.
  @Test func everyDecodeIdHasAFixture() throws {
    for id in try DiagnosticCatalogs.idsMissingAFixture(SpecDiagnostics.ID.self, under: Self.directory) {
      Issue.record("no fixture under Fixtures/decode expects [\(id)]")
    }
  }

  /// Every id of the parse catalog has a fixture that expects it, but the few in
  /// `DiagnosticCatalogs.withoutFixture` (a 1 MiB value, libyaml out of memory).
  @Test func everyParseIdHasAFixture() throws {
    for id in try DiagnosticCatalogs.idsMissingAFixture(YAMLDiagnostics.ID.self, under: Self.directory) {
      Issue.record("no fixture under Fixtures/decode expects [\(id)]")
    }
  }

  @Test(arguments: names.filter {
    FileManager.default.fileExists(atPath: directory.appendingPathComponent("\($0).expected.txt").path)
  })
  func renderedOutput(name: String) throws {
    let (source, diagnostics) = try Self.run(name)
    let rendered = DiagnosticRenderer(sources: [source], colors: false, limit: 0).render(diagnostics)
    let golden = Self.directory.appendingPathComponent("\(name).expected.txt")
    if ProcessInfo.processInfo.environment["FLOWC_UPDATE_GOLDEN"] == "1" {
      try rendered.write(to: golden, atomically: true, encoding: .utf8)
      return
    }
    let expected = try String(contentsOf: golden, encoding: .utf8)
    if rendered != expected {
      Issue.record(Comment(rawValue: "\(name).expected.txt differs (FLOWC_UPDATE_GOLDEN=1 rewrites it):\n"
        + lineDiff(expected: expected, actual: rendered)))
    }
  }
}

/// A readable line diff: `-` expected, `+` actual, for lines that differ at the same index.
func lineDiff(expected: String, actual: String) -> String {
  let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
  let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
  var out: [String] = []
  for i in 0..<max(e.count, a.count) {
    let x = i < e.count ? String(e[i]) : nil
    let y = i < a.count ? String(a[i]) : nil
    if x != y {
      if let x { out.append("-\(i + 1): \(x)") }
      if let y { out.append("+\(i + 1): \(y)") }
    }
  }
  return out.joined(separator: "\n")
}
