/// One message from a compiler stage: what is wrong, where, and what to do.
///
/// Diagnostics are values: a stage collects them across a whole pass (every error at
/// once, not only the first) and the driver decides how to print them. A `Diagnostic`
/// is also an `Error`, so a stage that cannot continue at all may throw one.
package struct Diagnostic: Error, Hashable, Sendable, Codable {
  /// How bad it is.
  package enum Severity: String, Hashable, Sendable, Codable, Comparable {
    case error, warning, note

    private var rank: Int {
      switch self {
      case .error: 0
      case .warning: 1
      case .note: 2
      }
    }
    package static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
  }

  /// A secondary message attached to a diagnostic, with its own location
  /// (e.g. "the dimension is set here").
  package struct Note: Hashable, Sendable, Codable {
    package var message: String
    package var range: SourceRange?

    package init(_ message: String, at range: SourceRange? = nil) {
      self.message = message
      self.range = range
    }
  }

  /// Stable kebab-case identifier (`mask-size`), documented in docs/diagnostics.md;
  /// tests and scripts match on it, never on the message text.
  package var id: String
  package var severity: Severity
  /// Lower case, no final period; spec names in single quotes.
  package var message: String
  /// Where it is; nil for errors that are not about a place in a file (I/O, usage).
  package var range: SourceRange?
  package var notes: [Note]
  /// What to do about it, printed as a `help:` line.
  package var suggestion: String?

  /// A diagnostic from its parts. Stages use their catalog instead, whose ids are typed
  /// (``DiagnosticID``); this takes a plain id for values read back or made in tests.
  package init(id: String, severity: Severity, message: String, at range: SourceRange? = nil,
              notes: [Note] = [], suggestion: String? = nil) {
    self.id = id
    self.severity = severity
    self.message = message
    self.range = range
    self.notes = notes
    self.suggestion = suggestion
  }

  /// An error with an id from a stage's catalog; the catalogs' factories call this.
  package static func error(_ id: some DiagnosticID, _ message: String, at range: SourceRange?,
                           notes: [Note] = [], suggestion: String? = nil) -> Diagnostic {
    Diagnostic(id: id.rawValue, severity: .error, message: message, at: range, notes: notes, suggestion: suggestion)
  }

  /// A warning with an id from a stage's catalog; the catalogs' factories call this.
  package static func warning(_ id: some DiagnosticID, _ message: String, at range: SourceRange?,
                             notes: [Note] = [], suggestion: String? = nil) -> Diagnostic {
    Diagnostic(id: id.rawValue, severity: .warning, message: message, at: range, notes: notes, suggestion: suggestion)
  }
}

extension Diagnostic: CustomStringConvertible {
  /// `path:line:col: error: message [id]`, the first line of the rendered form.
  package var description: String {
    let place = range.map { "\($0.description): " } ?? ""
    return "\(place)\(severity.rawValue): \(message) [\(id)]"
  }
}
