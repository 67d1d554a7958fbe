/// A position in a source file: 1-based line and column.
///
/// Columns count Unicode scalars (characters as an editor shows them), which is what
/// libyaml reports, so a location read from the parser needs no conversion.
package struct SourceLocation: Hashable, Comparable, Sendable, Codable {
  /// 1-based line number.
  package var line: Int
  /// 1-based column, in Unicode scalars.
  package var column: Int

  package init(line: Int, column: Int) {
    self.line = line
    self.column = column
  }

  package static func < (a: SourceLocation, b: SourceLocation) -> Bool {
    (a.line, a.column) < (b.line, b.column)
  }
}

/// A span of a named source file, from `start` up to (not including) `end`.
package struct SourceRange: Hashable, Sendable, Codable {
  /// The path as the user gave it (printed verbatim in diagnostics).
  package var file: String
  package var start: SourceLocation
  package var end: SourceLocation

  package init(file: String, start: SourceLocation, end: SourceLocation) {
    self.file = file
    self.start = start
    self.end = end < start ? start : end
  }

  /// A range of one character at `location`.
  package init(file: String, at location: SourceLocation) {
    self.init(file: file, start: location, end: SourceLocation(line: location.line, column: location.column + 1))
  }

  /// `path:line:col`, the prefix of a printed diagnostic.
  package var description: String { "\(file):\(start.line):\(start.column)" }
}
