import FlowcDiagnostics

/// One layer as written: `- kind: affine_coupling` and the keys of that kind.
package struct LayerSpec: Sendable {
  /// `kind:`, a registered kind's name (see `LayerKinds`).
  package var kind: Located<String>
  /// `name:`; an optional label shown in the IR and in diagnostics.
  package var name: Located<String>?
  /// The kind's own keys, decoded by its `LayerOptions` type.
  package var options: any LayerOptions
  package var range: SourceRange

  package init(kind: Located<String>, name: Located<String>?, options: any LayerOptions, range: SourceRange) {
    self.kind = kind
    self.name = name
    self.options = options
    self.range = range
  }
}
