import FlowcDiagnostics
import FlowcIR
import FlowcSpec
import Foundation

/// Every stage's catalog of diagnostic ids, in pipeline order, for the tests that check
/// that each id has a fixture and a docs/diagnostics.md entry. The ids come from the
/// catalogs' `ID` enums, so a new id is checked the moment it is added.
package enum DiagnosticCatalogs {
  /// One stage's ids, and where its fixtures live.
  package struct Stage: Sendable {
    /// The stage, as docs/diagnostics.md names it.
    package let name: String
    /// Its ids, in the order of the catalog's `ID` enum.
    package let ids: [String]
    /// The folder whose YAML fixtures' `expected-*` comments count for this stage; nil
    /// for a stage no spec file can reach (every id is then in ``withoutFixture``).
    package let fixtures: URL?

    init<ID: DiagnosticID>(_ name: String, _ catalog: ID.Type, fixtures: URL?) {
      self.name = name
      self.ids = catalog.allCases.map(\.rawValue)
      self.fixtures = fixtures
    }
  }

  /// The repository root, found from this file's path (tests use no SwiftPM resources).
  package static let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  /// Every stage that reports diagnostics about a spec.
  package static let stages: [Stage] = [
    Stage("read", ReadDiagnostics.ID.self, fixtures: nil),
    Stage("parse", YAMLDiagnostics.ID.self, fixtures: specFixtures),
    Stage("overrides", OverrideDiagnostics.ID.self, fixtures: nil),
    Stage("decode", SpecDiagnostics.ID.self, fixtures: specFixtures),
    Stage("lower and validate", IRDiagnostics.ID.self, fixtures: irFixtures),
  ]

  /// Every id of every stage.
  package static var allIDs: [String] { stages.flatMap(\.ids) }

  /// The ids no fixture can trigger, each with why and the test that covers it instead.
  /// Kept small and exact: a test fails if one of these gets a fixture (remove it here
  /// then) or stops being an id.
  package static let withoutFixture: [String: String] = [
    // Reading happens before there is a spec whose comments could expect anything.
    "io-error": "no readable file to annotate; ReadDiagnosticsTests, CheckCommandTests.ioAndUsageErrorsExitTwo",
    "file-too-large": "needs a file over 64 MiB; ReadDiagnosticsTests.fileOverTheLimit",
    // A fixture is one file; overrides come from the command line.
    "bad-override": "comes from '--set', not from the file; OverrideTests",
    // Only a value over 1 MiB reaches the limit, too large a file to keep in the repository.
    "yaml-scalar-too-long": "needs a 1 MiB value; MalformedInputTests.hugeScalar, FlowcCLITests huge-scalar",
    // libyaml fails to initialise only when it cannot allocate its buffers.
    "yaml-internal": "only when out of memory; no test can provoke it",
  ]

  /// `Tests/FlowcSpecTests/Fixtures` (parse and decode).
  package static let specFixtures = repositoryRoot.appendingPathComponent("Tests/FlowcSpecTests/Fixtures")
  /// `Tests/FlowcIRTests/Fixtures` (lowering and validation).
  package static let irFixtures = repositoryRoot.appendingPathComponent("Tests/FlowcIRTests/Fixtures")

  /// The ids that some `.yaml` file under `directory` (at any depth) expects.
  package static func expectedIDs(under directory: URL) throws -> Set<String> {
    var found = Set<String>()
    let files = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)?
      .compactMap { $0 as? URL }.filter { $0.pathExtension == "yaml" } ?? []
    for file in files {
      // Bytes, not a strict UTF-8 read: a fixture may hold bytes the reader must refuse.
      let text = String(decoding: try Data(contentsOf: file), as: UTF8.self)
      found.formUnion(DiagnosticVerifier(fixture: file.lastPathComponent, text: text).expectations.map(\.id))
    }
    return found
  }

  /// The ids of `catalog` that no fixture under `directory` expects and that are not
  /// exempt (``withoutFixture``): each is a rule shipped without a fixture.
  package static func idsMissingAFixture<ID: DiagnosticID>(_ catalog: ID.Type, under directory: URL) throws -> [String] {
    let covered = try expectedIDs(under: directory)
    return catalog.allCases.map(\.rawValue).filter { !covered.contains($0) && withoutFixture[$0] == nil }
  }
}
