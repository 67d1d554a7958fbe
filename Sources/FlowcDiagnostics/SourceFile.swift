import Foundation

/// The bytes of one input file with an index of line starts, so that a diagnostic can
/// quote the line it points at.
///
/// Reading is bounded: a file larger than `maxBytes` is refused before it is read whole,
/// so a spec can never make flowc allocate without limit.
package struct SourceFile: Sendable {
  /// The path as given by the user; used verbatim in diagnostics.
  package let path: String
  /// The raw bytes, exactly as on disk (may be invalid UTF-8; the parser reports that).
  package let bytes: [UInt8]
  /// Byte offset of the start of each line; `lineStarts[0] == 0`.
  package let lineStarts: [Int]

  /// The largest file `read(path:)` accepts: far above any real spec, far below memory.
  package static let defaultMaxBytes = 64 << 20

  package init(path: String, bytes: [UInt8]) {
    self.path = path
    self.bytes = bytes
    var starts = [0]
    for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") { starts.append(i + 1) }
    self.lineStarts = starts
  }

  package init(path: String, text: String) {
    self.init(path: path, bytes: Array(text.utf8))
  }

  /// Reads a file from disk, refusing directories, unreadable paths and files over `maxBytes`.
  /// - Throws: a ``Diagnostic`` from ``ReadDiagnostics`` (`io-error`, `file-too-large`), with no source location.
  package static func read(path: String, maxBytes: Int = defaultMaxBytes) throws -> SourceFile {
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
      throw ReadDiagnostics.noSuchFile(path)
    }
    if isDir.boolValue {
      throw ReadDiagnostics.isDirectory(path)
    }
    guard let handle = FileHandle(forReadingAtPath: path) else {
      throw ReadDiagnostics.notOpenable(path)
    }
    defer { try? handle.close() }
    // Read one byte past the limit: that tells "exactly at the limit" from "over it"
    // without reading an arbitrarily large file into memory.
    let data = (try? handle.read(upToCount: maxBytes + 1)) ?? Data()
    if data.count > maxBytes {
      throw ReadDiagnostics.fileTooLarge(path, maxBytes: maxBytes)
    }
    return SourceFile(path: path, bytes: [UInt8](data))
  }

  /// Number of lines (a final line without a newline counts).
  package var lineCount: Int { lineStarts.count }

  /// The text of 1-based line `line` without its line break, decoded leniently
  /// (invalid UTF-8 becomes U+FFFD), or nil past the end.
  package func lineText(_ line: Int) -> String? {
    guard line >= 1, line <= lineStarts.count else { return nil }
    let start = lineStarts[line - 1]
    var end = line < lineStarts.count ? lineStarts[line] - 1 : bytes.count
    if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
    guard end >= start else { return "" }
    return String(decoding: bytes[start..<end], as: UTF8.self)
  }
}

extension SourceFile {
  /// The line and column (in Unicode scalars, like libyaml's marks) of a byte offset.
  /// Used for errors that only know an offset, such as invalid UTF-8.
  package func location(ofByte offset: Int) -> SourceLocation {
    let clamped = max(0, min(offset, bytes.count))
    // Binary search for the last line start <= offset.
    var lo = 0
    var hi = lineStarts.count - 1
    while lo < hi {
      let mid = (lo + hi + 1) / 2
      if lineStarts[mid] <= clamped { lo = mid } else { hi = mid - 1 }
    }
    let start = lineStarts[lo]
    let prefix = String(decoding: bytes[start..<clamped], as: UTF8.self)
    return SourceLocation(line: lo + 1, column: prefix.unicodeScalars.count + 1)
  }

  /// A one-character range at a byte offset.
  package func range(ofByte offset: Int) -> SourceRange {
    SourceRange(file: path, at: location(ofByte: offset))
  }

  /// The range covering the whole first line, for diagnostics about the file as a whole.
  package var startRange: SourceRange {
    SourceRange(file: path, at: SourceLocation(line: 1, column: 1))
  }
}
