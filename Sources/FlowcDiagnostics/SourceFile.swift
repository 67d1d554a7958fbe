import SystemPackage

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
  ///
  /// A regular file over the limit is refused from its size, before a byte is read. Other
  /// files (a pipe such as `<(…)`, a device) are read up to one byte past the limit, which
  /// tells "exactly at the limit" from "over it" without reading an endless stream.
  /// - Throws: a ``Diagnostic`` from ``ReadDiagnostics`` (`io-error`, `file-too-large`) with
  ///   no source location, or `Errno` when reading fails after the file was opened.
  package static func read(path: String, maxBytes: Int = defaultMaxBytes) throws -> SourceFile {
    let file = FilePath(path)
    // Any path stat cannot follow counts as missing, as it did with FileManager.fileExists.
    guard let status = try? file.stat() else { throw ReadDiagnostics.noSuchFile(path) }
    if status.type == .directory { throw ReadDiagnostics.isDirectory(path) }
    guard let descriptor = try? FileDescriptor.open(file, .readOnly, options: .closeOnExec) else {
      throw ReadDiagnostics.notOpenable(path)
    }
    defer { try? descriptor.close() }
    var bytes: [UInt8] = []
    if status.type == .regular {
      guard status.size <= maxBytes else { throw tooLarge(path, maxBytes) }
      bytes.reserveCapacity(Int(status.size))
    }
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while bytes.count <= maxBytes {
      let wanted = min(chunk.count, maxBytes + 1 - bytes.count)
      let n = try chunk.withUnsafeMutableBytes { try descriptor.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[..<wanted])) }
      if n == 0 { break }
      bytes += chunk[..<n]
    }
    if bytes.count > maxBytes { throw tooLarge(path, maxBytes) }
    return SourceFile(path: path, bytes: bytes)
  }

  /// The refusal of a file over `maxBytes`.
  private static func tooLarge(_ path: String, _ maxBytes: Int) -> Diagnostic {
    ReadDiagnostics.fileTooLarge(path, maxBytes: maxBytes)
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
