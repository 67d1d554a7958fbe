import FlowcDiagnostics
import FlowcIR
import FlowcSpec

/// The compiler's stages and the one value that passes between each pair:
///
/// | stage    | in -> out                        | module           |
/// |----------|----------------------------------|------------------|
/// | read     | path -> `SourceFile`             | FlowcDiagnostics |
/// | parse    | `SourceFile` -> `YAMLDocument`   | FlowcSpec        |
/// | decode   | `YAMLDocument` -> `FlowSpec`     | FlowcSpec        |
/// | lower    | `FlowSpec` -> `FlowGraph`        | FlowcIR          |
/// | validate | `FlowGraph` -> `ValidatedGraph`  | FlowcIR          |
///
/// Each stage appends to one `DiagnosticEngine`; the pipeline stops after the first
/// stage that reported an error, so no stage ever sees input an earlier one rejected.
/// (The executable flow and the runner take a `ValidatedGraph`; see docs/architecture.md.)
public enum Pipeline {
  public typealias Read = (String) throws -> SourceFile
  public typealias Parse = (SourceFile, DiagnosticEngine) -> YAMLDocument
  public typealias Decode = (YAMLDocument, DiagnosticEngine) -> FlowSpec?
  public typealias Lower = (FlowSpec, DiagnosticEngine) -> FlowGraph?
  public typealias Validate = (FlowGraph, DiagnosticEngine) -> ValidatedGraph?

  /// Options that change what the pipeline checks, from the command line.
  public struct Options: Sendable {
    /// `--memory-limit`: replaces the spec's `limits.memory`.
    public var memoryLimit: Int?

    public init(memoryLimit: Int? = nil) {
      self.memoryLimit = memoryLimit
    }
  }

  /// What checking one file produced.
  public struct CheckResult {
    /// The file as read (nil when it could not be read); the renderer quotes its lines.
    public var source: SourceFile?
    public var diagnostics: DiagnosticEngine
    /// Set when every stage passed.
    public var validated: ValidatedGraph?
    /// True when the failure was reading the file, not its content (exit code 2).
    public var ioFailure: Bool
  }

  /// Runs read → parse → decode → lower → validate on `path`.
  public static func check(path: String, options: Options = Options()) -> CheckResult {
    let diagnostics = DiagnosticEngine()
    let source: SourceFile
    do {
      source = try SourceFile.read(path: path)
    } catch let d as Diagnostic {
      diagnostics.emit(d)
      return CheckResult(source: nil, diagnostics: diagnostics, validated: nil, ioFailure: true)
    } catch {
      diagnostics.emit(.error("io-error", "cannot read '\(path)': \(error)", at: nil))
      return CheckResult(source: nil, diagnostics: diagnostics, validated: nil, ioFailure: true)
    }
    return check(source: source, options: options, diagnostics: diagnostics)
  }

  /// Runs parse → decode → lower → validate on text already in memory.
  public static func check(source: SourceFile, options: Options = Options(),
                           diagnostics: DiagnosticEngine = DiagnosticEngine()) -> CheckResult {
    var result = CheckResult(source: source, diagnostics: diagnostics, validated: nil, ioFailure: false)
    let document = YAMLParser().parse(source, diagnostics: diagnostics)
    guard !diagnostics.hasErrors, let spec = decodeSpec(document, diagnostics: diagnostics), !diagnostics.hasErrors,
      var graph = lowerToGraph(spec, diagnostics: diagnostics), !diagnostics.hasErrors
    else { return result }
    if let limit = options.memoryLimit {
      graph.settings.memoryLimit = Setting(limit, at: graph.settings.memoryLimit.range, isDefault: false)
    }
    result.validated = validate(graph, diagnostics: diagnostics)
    return result
  }
}
