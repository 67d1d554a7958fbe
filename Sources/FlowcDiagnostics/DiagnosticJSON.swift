import Foundation

/// The machine-readable form of a set of diagnostics (`--format json`), for editors
/// and scripts. The shape is stable and documented in docs/diagnostics.md:
///
/// ```json
/// {"diagnostics": [{"id": "mask-size", "severity": "error", "message": "...",
///   "file": "x.yaml", "line": 12, "column": 9, "endLine": 12, "endColumn": 18,
///   "notes": [{"message": "...", "file": "x.yaml", "line": 3, "column": 6}],
///   "suggestion": "..."}],
///  "errors": 1, "warnings": 0}
/// ```
package enum DiagnosticJSON {
  struct Location: Encodable {
    var file: String
    var line: Int
    var column: Int
    var endLine: Int
    var endColumn: Int
  }
  struct NoteOut: Encodable {
    var message: String
    var file: String?
    var line: Int?
    var column: Int?
  }
  struct Item: Encodable {
    var id: String
    var severity: String
    var message: String
    var file: String?
    var line: Int?
    var column: Int?
    var endLine: Int?
    var endColumn: Int?
    var notes: [NoteOut]
    var suggestion: String?
  }
  struct Document: Encodable {
    var diagnostics: [Item]
    var errors: Int
    var warnings: Int
  }

  /// Encodes `diagnostics` (all of them: a script wants no limit) as one JSON document.
  package static func encode(_ diagnostics: [Diagnostic]) -> String {
    let items = diagnostics.map { d in
      Item(id: d.id, severity: d.severity.rawValue, message: d.message,
           file: d.range?.file, line: d.range?.start.line, column: d.range?.start.column,
           endLine: d.range?.end.line, endColumn: d.range?.end.column,
           notes: d.notes.map { NoteOut(message: $0.message, file: $0.range?.file,
                                        line: $0.range?.start.line, column: $0.range?.start.column) },
           suggestion: d.suggestion)
    }
    let doc = Document(diagnostics: items,
                       errors: diagnostics.count { $0.severity == .error },
                       warnings: diagnostics.count { $0.severity == .warning })
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let data = (try? encoder.encode(doc)) ?? Data("{}".utf8)
    return String(decoding: data, as: UTF8.self)
  }
}
