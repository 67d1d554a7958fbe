/// A position in a source file: 1-based line and column.
///
/// Columns count Unicode scalars (characters as an editor shows them), which is what
/// libyaml reports, so a location read from the parser needs no conversion.
public struct SourceLocation: Hashable, Comparable, Sendable, Codable {
  /// 1-based line number.
  public var line: Int
  /// 1-based column, in Unicode scalars.
  public var column: Int

  public init(line: Int, column: Int) {
    self.line = line
    self.column = column
  }

  public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
    (a.line, a.column) < (b.line, b.column)
  }
}

/// A span of a named source file, from `start` up to (not including) `end`.
public struct SourceRange: Hashable, Sendable, Codable {
  /// The path as the user gave it (printed verbatim in diagnostics).
  public var file: String
  public var start: SourceLocation
  public var end: SourceLocation

  public init(file: String, start: SourceLocation, end: SourceLocation) {
    self.file = file
    self.start = start
    self.end = end < start ? start : end
  }

  /// A range of one character at `location`.
  public init(file: String, at location: SourceLocation) {
    self.init(file: file, start: location, end: SourceLocation(line: location.line, column: location.column + 1))
  }

  /// `path:line:col`, the prefix of a printed diagnostic.
  public var description: String { "\(file):\(start.line):\(start.column)" }
}
