/// The read stage's messages (`SourceFile.read`, and the pipeline's fallback for an
/// unexpected read failure): one factory per message, alphabetical by id.
///
/// None has a location: there is no readable file to point into. Call sites never
/// spell an id or message text; docs/diagnostics.md section 1 documents both ids.
package enum ReadDiagnostics {
  /// Every id this stage emits; the raw value is the id printed and documented.
  package enum ID: String, DiagnosticID {
    case fileTooLarge = "file-too-large"
    case ioError = "io-error"
  }

  /// A file over the size limit, refused before it is read whole.
  static func fileTooLarge(_ path: String, maxBytes: Int) -> Diagnostic {
    .error(ID.fileTooLarge, "'\(path)' is larger than \(maxBytes >> 20) MiB; a spec file is a few kilobytes", at: nil,
           suggestion: "is this the right file?")
  }

  /// The path names a directory.
  static func isDirectory(_ path: String) -> Diagnostic {
    .error(ID.ioError, "'\(path)' is a directory, not a spec file", at: nil)
  }

  /// Nothing exists at the path.
  static func noSuchFile(_ path: String) -> Diagnostic {
    .error(ID.ioError, "no such file '\(path)'", at: nil, suggestion: "check the path; flowc takes a YAML spec file")
  }

  /// The file exists but cannot be opened (permissions).
  static func notOpenable(_ path: String) -> Diagnostic {
    .error(ID.ioError, "cannot open '\(path)' for reading", at: nil, suggestion: "check the file's permissions")
  }

  /// Any other failure to read, with the system's own description of it.
  package static func unreadable(_ path: String, error: any Error) -> Diagnostic {
    .error(ID.ioError, "cannot read '\(path)': \(error)", at: nil)
  }
}
