import Foundation

/// What docs/diagnostics.md says about ids: the rows of its index table and the
/// headings of its entries, read so that tests can hold it to the catalogs.
package struct DiagnosticsDocument {
  /// The index rows, ``| [`mask-size`](#mask-size) | ... |``: each id with its link target.
  package let index: [(id: String, anchor: String)]
  /// Ids with an entry headed exactly ``### `mask-size` ``, whose anchor is the id itself
  /// (a heading with more after the id, such as "(repeat count)", gets another anchor).
  package let entries: Set<String>

  /// Reads the rows and headings of `text`.
  package init(text: String) {
    let row = try! NSRegularExpression(pattern: #"^\| \[`([a-z0-9-]+)`\]\(#([a-z0-9-]+)\) \|"#)
    let heading = try! NSRegularExpression(pattern: #"^### `([a-z0-9-]+)`$"#)
    var index: [(id: String, anchor: String)] = []
    var entries = Set<String>()
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      let s = String(line)
      let ns = s as NSString
      let all = NSRange(location: 0, length: ns.length)
      if let m = row.firstMatch(in: s, range: all) {
        index.append((ns.substring(with: m.range(at: 1)), ns.substring(with: m.range(at: 2))))
      } else if let m = heading.firstMatch(in: s, range: all) {
        entries.insert(ns.substring(with: m.range(at: 1)))
      }
    }
    self.index = index
    self.entries = entries
  }

  /// docs/diagnostics.md of this checkout.
  package static func load() throws -> DiagnosticsDocument {
    let url = DiagnosticCatalogs.repositoryRoot.appendingPathComponent("docs/diagnostics.md")
    return DiagnosticsDocument(text: try String(contentsOf: url, encoding: .utf8))
  }
}
