import FlowcDiagnostics
import Foundation

/// Checks diagnostics against `expected-error` comments in a fixture, in the manner of
/// swiftlang/swift's `-verify`:
///
/// ```yaml
/// # expected-error@+1 {{unknown-key}}      the next line
/// lr: fast  # expected-error {{type-mismatch}}   this line (also @0)
/// # expected-warning@-1 {{some-id}}        the previous line
/// # expected-error@+1:9 {{type-mismatch}}  the next line, column 9
/// ```
///
/// One comment may name several ids: `{{a}} {{b}}`. Both directions are checked: an
/// expected diagnostic that is missing and an emitted one that was not expected each
/// give a message naming the fixture, the line and the id.
package struct DiagnosticVerifier {
  /// One expectation read from a comment.
  package struct Expectation: Hashable {
    package var severity: Diagnostic.Severity
    package var id: String
    package var line: Int
    package var column: Int?

    package init(severity: Diagnostic.Severity, id: String, line: Int, column: Int?) {
      self.severity = severity
      self.id = id
      self.line = line
      self.column = column
    }
  }

  package let fixture: String
  package let expectations: [Expectation]

  /// Reads the expectations of `text`, named `fixture` in messages.
  package init(fixture: String, text: String) {
    self.fixture = fixture
    var found: [Expectation] = []
    let pattern = try! NSRegularExpression(
      pattern: #"expected-(error|warning|note)(?:@([+-]?\d+)(?::(\d+))?)?((?:\s*\{\{[a-z0-9-]+\}\})+)"#)
    let idPattern = try! NSRegularExpression(pattern: #"\{\{([a-z0-9-]+)\}\}"#)
    for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let s = String(line)
      let ns = s as NSString
      for m in pattern.matches(in: s, range: NSRange(location: 0, length: ns.length)) {
        let severity = Diagnostic.Severity(rawValue: ns.substring(with: m.range(at: 1)))!
        var target = index + 1
        if m.range(at: 2).location != NSNotFound {
          let offset = ns.substring(with: m.range(at: 2))
          target += Int(offset.hasPrefix("+") ? String(offset.dropFirst()) : offset)!
        }
        let column = m.range(at: 3).location != NSNotFound ? Int(ns.substring(with: m.range(at: 3))) : nil
        let ids = ns.substring(with: m.range(at: 4))
        for idMatch in idPattern.matches(in: ids, range: NSRange(location: 0, length: (ids as NSString).length)) {
          let id = (ids as NSString).substring(with: idMatch.range(at: 1))
          found.append(Expectation(severity: severity, id: id, line: target, column: column))
        }
      }
    }
    self.expectations = found
  }

  /// Failure messages; empty when the diagnostics match the expectations exactly.
  package func verify(_ diagnostics: [Diagnostic]) -> [String] {
    var remaining = expectations
    var failures: [String] = []
    for d in diagnostics {
      let line = d.range?.start.line ?? 0
      let column = d.range?.start.column ?? 0
      if let i = remaining.firstIndex(where: {
        $0.severity == d.severity && $0.id == d.id && $0.line == line && ($0.column == nil || $0.column == column)
      }) {
        remaining.remove(at: i)
      } else {
        failures.append("\(fixture):\(line):\(column): unexpected \(d.severity.rawValue) [\(d.id)]: \(d.message)")
      }
    }
    for e in remaining {
      let place = e.column.map { "\(e.line):\($0)" } ?? "\(e.line)"
      failures.append("\(fixture):\(place): expected \(e.severity.rawValue) [\(e.id)] was not emitted")
    }
    return failures
  }
}
