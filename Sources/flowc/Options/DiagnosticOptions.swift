import ArgumentParser
import FlowcDiagnostics
import Foundation

/// How diagnostics are printed; shared by every subcommand that reads specs.
struct DiagnosticOptions: ParsableArguments {
  enum Format: String, ExpressibleByArgument, CaseIterable {
    case text, json
  }

  @Option(help: "How to print diagnostics: 'text' (like swiftc, on stderr) or 'json' (on stdout, for editors and scripts).")
  var format: Format = .text

  @Flag(help: "Treat warnings as errors (exit 1 when there are any).")
  var warningsAsErrors = false

  @Option(help: "Print at most this many diagnostics, then a count of the rest (0: no limit).")
  var errorLimit: Int = 50

  @Flag(inversion: .prefixedNo, help: "Colour the diagnostics (default: only when stderr is a terminal and NO_COLOR is unset).")
  var color: Bool?

  func validate() throws {
    if errorLimit < 0 { throw ValidationError("--error-limit must be 0 (no limit) or a positive number") }
  }

  /// Whether to use ANSI colours on stderr.
  var useColor: Bool {
    if let color { return color }
    return isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
  }

  /// Prints `diagnostics` in the chosen format.
  func print(_ diagnostics: [Diagnostic], sources: [SourceFile]) {
    switch format {
    case .json:
      Swift.print(DiagnosticJSON.encode(diagnostics))
    case .text:
      let renderer = DiagnosticRenderer(sources: sources, colors: useColor, limit: errorLimit)
      writeStderr(renderer.render(diagnostics))
    }
  }
}

/// Writes to standard error without buffering surprises.
func writeStderr(_ text: String) {
  guard !text.isEmpty else { return }
  FileHandle.standardError.write(Data(text.utf8))
}
