import FlowcTestSupport
import Foundation
import Testing

/// The catalogs of every stage against docs/diagnostics.md and the fixtures: a new id
/// cannot ship without a docs entry, and (unless it is in the short, exact list of ids
/// no fixture can reach) without a fixture. Each stage's own fixture test checks that
/// its ids have fixtures.
@Suite struct DiagnosticCatalogTests {
  /// Every id has a row in the index, linking to its own entry, and that entry.
  @Test func everyIdIsDocumented() throws {
    let doc = try DiagnosticsDocument.load()
    for id in DiagnosticCatalogs.allIDs {
      let rows = doc.index.filter { $0.id == id }
      if rows.isEmpty { Issue.record("docs/diagnostics.md: no row for [\(id)] in the index of ids") }
      for row in rows where row.anchor != id {
        Issue.record("docs/diagnostics.md: the index row of [\(id)] links to #\(row.anchor), not #\(id)")
      }
      if !doc.entries.contains(id) { Issue.record("docs/diagnostics.md: no entry headed '### `\(id)`'") }
    }
  }

  /// The docs list no id that no stage emits (a removed or renamed rule).
  @Test func everyDocumentedIdIsInACatalog() throws {
    let ids = Set(DiagnosticCatalogs.allIDs)
    let doc = try DiagnosticsDocument.load()
    #expect(doc.index.count == ids.count, "the index has \(doc.index.count) rows for \(ids.count) ids")
    for row in doc.index where !ids.contains(row.id) {
      Issue.record("docs/diagnostics.md lists [\(row.id)], which no catalog has")
    }
  }

  /// An id names one rule of one stage, and each catalog lists its ids alphabetically.
  @Test func idsAreUniqueAndSorted() {
    let all = DiagnosticCatalogs.allIDs
    #expect(Set(all).count == all.count, "ids in more than one catalog: \(all.filter { id in all.count { $0 == id } > 1 })")
    for stage in DiagnosticCatalogs.stages {
      #expect(stage.ids == stage.ids.sorted(), "the \(stage.name) catalog's ids are not in alphabetical order")
      for id in stage.ids {
        #expect(id.wholeMatch(of: /[a-z0-9]+(-[a-z0-9]+)*/) != nil, "[\(id)] is not kebab-case")
      }
    }
  }

  /// The ids without a fixture are few, real, and really without one: an exemption
  /// that gets a fixture must be removed, and a stage no fixture can reach is exempt whole.
  @Test func exemptionsAreSmallAndExact() throws {
    let exempt = DiagnosticCatalogs.withoutFixture
    #expect(exempt.count <= 5)
    let ids = Set(DiagnosticCatalogs.allIDs)
    for id in exempt.keys where !ids.contains(id) {
      Issue.record("[\(id)] is exempt from fixtures but no catalog has it")
    }
    var expected = Set<String>()
    for stage in DiagnosticCatalogs.stages {
      guard let fixtures = stage.fixtures else {
        for id in stage.ids where exempt[id] == nil {
          Issue.record("[\(id)]: the \(stage.name) stage has no fixtures, so the id must be in withoutFixture")
        }
        continue
      }
      expected.formUnion(try DiagnosticCatalogs.expectedIDs(under: fixtures))
    }
    for id in exempt.keys where expected.contains(id) {
      Issue.record("[\(id)] has a fixture now; remove it from DiagnosticCatalogs.withoutFixture")
    }
  }
}
