import FlowcDiagnostics
import Testing

@testable import FlowcSpec

/// The result of decoding an inline snippet.
struct Decoded {
  var spec: FlowSpec?
  var diagnostics: [Diagnostic]

  /// The ids, in file order.
  var ids: [String] { diagnostics.map(\.id) }

  /// The diagnostics other than the missing sections a short snippet leaves out.
  var problems: [Diagnostic] { diagnostics.filter { $0.id != "missing-section" } }
}

/// Parses and decodes `yaml` as the file `snippet.yaml`.
func decode(_ yaml: String) -> Decoded {
  let engine = DiagnosticEngine()
  let spec = parseSpec(SourceFile(path: "snippet.yaml", text: yaml), diagnostics: engine)
  return Decoded(spec: spec, diagnostics: engine.sorted)
}

/// Decodes a snippet that must have no problems (missing sections aside); records an
/// issue listing the diagnostics otherwise.
func decodeClean(_ yaml: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> FlowSpec? {
  let d = decode(yaml)
  if !d.problems.isEmpty {
    Issue.record(Comment(rawValue: "unexpected diagnostics:\n" + d.problems.map(\.description).joined(separator: "\n")),
                 sourceLocation: sourceLocation)
  }
  return d.spec
}

/// `line:column` of a range's start.
func at(_ range: SourceRange?) -> String {
  guard let range else { return "-" }
  return "\(range.start.line):\(range.start.column)"
}

/// `line:column-line:column` of a whole range.
func span(_ range: SourceRange?) -> String {
  guard let range else { return "-" }
  return "\(range.start.line):\(range.start.column)-\(range.end.line):\(range.end.column)"
}

/// The one layer of a decoded flow item, if it is a layer.
func layer(_ item: FlowItem?) -> LayerSpec? {
  if case .layer(let l)? = item { return l }
  return nil
}

/// The affine coupling options of a layer.
func coupling(_ item: FlowItem?) -> AffineCouplingSpec? {
  layer(item)?.options as? AffineCouplingSpec
}
