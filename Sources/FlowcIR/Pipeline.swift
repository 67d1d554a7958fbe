import FlowcDiagnostics
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
/// | data files | `ValidatedGraph` -> the same, checked against the disk | FlowcIR (`checkDataFiles`) |
/// | build    | `ValidatedGraph` -> `Flow<T>`    | FlowcDriver + FlowRuntime (`flowDescription`, `buildFlow`) |
/// | run      | `Flow<T>` + data -> run directory | FlowcDriver (`Runner`) |
///
/// Each stage appends to one `DiagnosticEngine`; the pipeline stops after the first
/// stage that reported an error, so no stage ever sees input an earlier one rejected.
/// The build and run stages take a `ValidatedGraph`, which only `validate` creates.
package enum Pipeline {
  package typealias Read = (String) throws -> SourceFile
  package typealias Parse = (SourceFile, DiagnosticEngine) -> YAMLDocument
  package typealias Decode = (YAMLDocument, DiagnosticEngine) -> FlowSpec?
  package typealias Lower = (FlowSpec, DiagnosticEngine) -> FlowGraph?
  package typealias Validate = (FlowGraph, DiagnosticEngine) -> ValidatedGraph?

  /// Options that change what the pipeline checks, from the command line.
  package struct Options: Sendable {
    /// `--memory-limit`: replaces the spec's `limits.memory`.
    package var memoryLimit: Int?
    /// `--set key.path=value` changes, applied to the YAML tree before decoding.
    package var overrides: [String]
    /// The folder relative data paths are read from; nil: the spec file's own folder.
    /// A resumed run or a checkpoint passes the folder its spec was first read from.
    package var dataDirectory: String?
    /// Whether to look at the data files on disk (the `data-file` stage). Loading a
    /// checkpoint to sample from it needs no data, so it skips them.
    package var checkDataFiles: Bool
    /// How many diagnostics get a computed did-you-mean (`--error-limit`; 0: all).
    package var suggestionLimit: Int

    package init(memoryLimit: Int? = nil, overrides: [String] = [], dataDirectory: String? = nil, checkDataFiles: Bool = true,
                 suggestionLimit: Int = 50) {
      self.memoryLimit = memoryLimit
      self.overrides = overrides
      self.dataDirectory = dataDirectory
      self.checkDataFiles = checkDataFiles
      self.suggestionLimit = suggestionLimit
    }
  }

  /// What checking one file produced.
  package struct CheckResult {
    /// The file as read (nil when it could not be read); the renderer quotes its lines.
    package var source: SourceFile?
    package var diagnostics: DiagnosticEngine
    /// Set when every stage passed.
    package var validated: ValidatedGraph?
    /// True when the failure was reading the file, not its content (exit code 2).
    package var ioFailure: Bool
    /// The `--set` values, as sources diagnostics may point into.
    package var overrideSources: [SourceFile] = []

    /// Every source a diagnostic of this check may quote.
    package var sources: [SourceFile] { (source.map { [$0] } ?? []) + overrideSources }
  }

  /// Runs read → parse → decode → lower → validate on `path`.
  package static func check(path: String, options: Options = Options()) -> CheckResult {
    let diagnostics = DiagnosticEngine(suggestionLimit: options.suggestionLimit)
    let source: SourceFile
    do {
      source = try SourceFile.read(path: path)
    } catch let d as Diagnostic {
      diagnostics.emit(d)
      return CheckResult(source: nil, diagnostics: diagnostics, validated: nil, ioFailure: true)
    } catch {
      diagnostics.emit(ReadDiagnostics.unreadable(path, error: error))
      return CheckResult(source: nil, diagnostics: diagnostics, validated: nil, ioFailure: true)
    }
    return check(source: source, options: options, diagnostics: diagnostics)
  }

  /// Runs parse → decode → lower → validate on text already in memory.
  package static func check(source: SourceFile, options: Options = Options(),
                           diagnostics: DiagnosticEngine? = nil) -> CheckResult {
    let diagnostics = diagnostics ?? DiagnosticEngine(suggestionLimit: options.suggestionLimit)
    var result = CheckResult(source: source, diagnostics: diagnostics, validated: nil, ioFailure: false)
    var document = YAMLParser().parse(source, diagnostics: diagnostics)
    let overrides = options.overrides.compactMap { Override.parse($0, diagnostics: diagnostics) }
    result.overrideSources = overrides.map(\.source)
    guard !diagnostics.hasErrors else { return result }
    document = applyOverrides(overrides, to: document, diagnostics: diagnostics)
    guard !diagnostics.hasErrors, let spec = decodeSpec(document, diagnostics: diagnostics), !diagnostics.hasErrors,
      var graph = lowerToGraph(spec, diagnostics: diagnostics), !diagnostics.hasErrors
    else { return result }
    if let limit = options.memoryLimit {
      graph.settings.memoryLimit = Setting(limit, at: graph.settings.memoryLimit.range, isDefault: false)
    }
    graph.resolveDataPaths(against: options.dataDirectory ?? folder(of: source.path))
    guard let validated = validate(graph, diagnostics: diagnostics) else { return result }
    // The data files, once the spec itself is valid: a missing file is a warning, a
    // directory, device or empty path an error.
    if options.checkDataFiles {
      let found = checkDataFiles(validated.graph)
      diagnostics.emit(contentsOf: found)
      if found.contains(where: { $0.severity == .error }) { return result }
    }
    result.validated = validated
    return result
  }
}
