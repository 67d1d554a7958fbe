import FlowcTestSupport
import FlowcDiagnostics
import FlowcIR
import Foundation
import Testing

/// The specs users start from must stay valid, and their IR must stay as documented.
@Suite struct SpecsAndExamplesTests {
  static let files: [String] = (yamlFiles(in: repositoryRoot.appendingPathComponent("specs"))
    + yamlFiles(in: repositoryRoot.appendingPathComponent("examples")))
    .map { $0.path.replacingOccurrences(of: repositoryRoot.path + "/", with: "") }
    .filter { !$0.contains("broken") }

  @Test func thereAreSpecs() {
    #expect(Self.files.contains("specs/realnvp-moons.yaml"))
    #expect(Self.files.contains("specs/nice-fashion-mnist.yaml"))
    #expect(Self.files.contains("specs/realnvp-fashion-mnist.yaml"))
    #expect(Self.files.contains("specs/maf-moons.yaml"))
    #expect(Self.files.contains("specs/nsf-moons.yaml"))
  }

  @Test(arguments: files)
  func isValidWithoutWarnings(path: String) {
    let result = Pipeline.check(path: repositoryRoot.appendingPathComponent(path).path)
    #expect(result.validated != nil)
    #expect(result.diagnostics.diagnostics.isEmpty, "\(result.diagnostics.diagnostics.map(\.description))")
  }

  /// `Fixtures/valid/<name>.ir.txt` is the IR of `specs/<name>.yaml`, compared whole.
  /// `FLOWC_UPDATE_GOLDEN=1` rewrites the golden files.
  @Test(arguments: ["realnvp-moons", "nice-fashion-mnist", "realnvp-fashion-mnist", "maf-moons", "nsf-moons"])
  func irGolden(name: String) throws {
    let spec = "specs/\(name).yaml"
    let source = try SourceFile.read(path: repositoryRoot.appendingPathComponent(spec).path)
    let v = try #require(Pipeline.check(source: SourceFile(path: spec, bytes: source.bytes)).validated)
    let actual = emitIRText(v)
    let golden = fixturesDirectory.appendingPathComponent("valid/\(name).ir.txt")
    if ProcessInfo.processInfo.environment["FLOWC_UPDATE_GOLDEN"] == "1" {
      try actual.write(to: golden, atomically: true, encoding: .utf8)
    }
    let expected = try String(contentsOf: golden, encoding: .utf8)
    #expect(actual == expected, "IR of \(spec) differs from \(golden.lastPathComponent); rerun with FLOWC_UPDATE_GOLDEN=1 if intended")
  }

  @Test func jsonAndDotAreStable() throws {
    let path = repositoryRoot.appendingPathComponent("specs/realnvp-moons.yaml").path
    let a = try #require(Pipeline.check(path: path).validated)
    let b = try #require(Pipeline.check(path: path).validated)
    #expect(emitGraphJSON(a) == emitGraphJSON(b))
    #expect(emitGraphJSON(a).contains("\"parameters\": 804888"))
    let dot = emitDot(a)
    #expect(dot.hasPrefix("digraph \"realnvp-moons\" {"))
    #expect(dot.contains("n5 -> prior"))
  }
}

extension String {
  fileprivate func replacingOccurrences(of a: String, with b: String) -> String {
    split(separator: a, omittingEmptySubsequences: false).joined(separator: b)
  }
}
