import FlowcDiagnostics
import FlowcSpec

extension Lowering {
  /// Resolves a network reference (template name, or inline net possibly `use:`-ing a
  /// template) into concrete sizes.
  func resolveNet(_ ref: NetRef, role: String, inputs: Int, outputs: Int) -> Net? {
    var spec: NetSpec
    var templateName: String?
    switch ref {
    case .template(let name):
      guard let t = templates[name.value] else {
        diagnostics.emit(IRDiagnostics.unknownTemplate(name.value, at: name.range, known: templateNames))
        return nil
      }
      spec = t.net
      templateName = name.value
    case .inline(let inline):
      spec = inline
      if let base = inline.base {
        guard let t = templates[base.value] else {
          diagnostics.emit(IRDiagnostics.unknownTemplate(base.value, at: base.range, known: templateNames))
          return nil
        }
        templateName = base.value
        // Fields the inline net writes override the template's.
        spec = t.net
        spec.range = inline.range
        if let h = inline.hidden { spec.hidden = h }
        if let a = inline.activation { spec.activation = a }
        if let o = inline.outputActivation { spec.outputActivation = o }
        if let i = inline.initialization { spec.initialization = i }
      }
    }
    guard let hidden = spec.hidden else {
      diagnostics.emit(IRDiagnostics.missingHidden(role, at: ref.range))
      return nil
    }
    return Net(role: role, inputs: inputs, hidden: hidden.value, outputs: outputs,
               activation: spec.activation ?? Located(SpecDefaults.activation, at: spec.range),
               outputActivation: spec.outputActivation ?? Located(SpecDefaults.outputActivation, at: spec.range),
               initialization: spec.initialization?.value ?? SpecDefaults.netInit,
               template: templateName, range: spec.range)
  }

  var templateNames: [String] { spec.templates.map(\.name.value) }
}
