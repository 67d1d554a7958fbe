import FlowcDiagnostics
import FlowcIR
import FlowcTestSupport
import Foundation
import Testing

/// Every invalid fixture under `Fixtures/invalid/` carries `# expected-error@+1 {{id}}`
/// comments; the pipeline's diagnostics must match them exactly (no missing, no extra).
@Suite struct ValidationFixtureTests {
  static let invalid = yamlFiles(in: fixturesDirectory.appendingPathComponent("invalid")).map(\.lastPathComponent)

  @Test(arguments: invalid)
  func expectedDiagnostics(name: String) throws {
    let url = fixturesDirectory.appendingPathComponent("invalid").appendingPathComponent(name)
    let text = try String(contentsOf: url, encoding: .utf8)
    // Relative data paths are read from the fixtures' own folder (data/ holds the files).
    let result = Pipeline.check(source: SourceFile(path: "invalid/\(name)", text: text),
                                options: Pipeline.Options(dataDirectory: url.deletingLastPathComponent().path))
    let verifier = DiagnosticVerifier(fixture: "invalid/\(name)", text: text)
    #expect(!verifier.expectations.isEmpty)
    for failure in verifier.verify(result.diagnostics.sorted) {
      Issue.record(Comment(rawValue: failure))
    }
  }

  /// Every id the lowering and validation stages can emit (the catalog's `ID` cases) has a
  /// fixture that triggers it (DiagnosticCatalogTests checks docs/diagnostics.md).
  @Test func everyRuleHasAFixture() throws {
    let directory = fixturesDirectory.appendingPathComponent("invalid")
    for id in try DiagnosticCatalogs.idsMissingAFixture(IRDiagnostics.ID.self, under: directory) {
      Issue.record("no fixture under Fixtures/invalid expects [\(id)]")
    }
  }

  /// The caret lands on the exact first character of the offending value.
  @Test func lineAndColumnAreExact() throws {
    let yaml = """
      dim: 2
      prior: standard_normal
      templates:
        net: {hidden: [8]}
      flow:
        - repeat: 2
          layers:
            - kind: affine_coupling
              keep:   [1, 0, 1]
              scale: net
              shift: net
      data: {source: moons}
      train: {steps: 10}
      """
    let result = Pipeline.check(source: SourceFile(path: "x.yaml", text: yaml))
    let d = try #require(result.diagnostics.sorted.first { $0.id == "mask-size" })
    #expect(d.range?.start == SourceLocation(line: 9, column: 17))
    #expect(d.range?.end == SourceLocation(line: 9, column: 26))
    // Reported once for the spec line, not once per repeat iteration.
    #expect(result.diagnostics.diagnostics.count { $0.id == "mask-size" } == 1)
    #expect(d.notes.first?.range?.start == SourceLocation(line: 1, column: 6))
    let rendered = DiagnosticRenderer(sources: [SourceFile(path: "x.yaml", text: yaml)]).render(d)
    #expect(rendered.hasPrefix("x.yaml:9:17: error: mask has 3 entries but the flow has dimension 2 [mask-size]\n"))
    #expect(rendered.contains("   9 |         keep:   [1, 0, 1]\n     |                 ^~~~~~~~~\n"))
    #expect(rendered.contains("note: repeated 2 times by this repeat; the first copy is layer %0"))
  }
}
