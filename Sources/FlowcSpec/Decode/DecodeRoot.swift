import FlowcDiagnostics

/// Decodes a parsed YAML document into the typed spec.
///
/// Checks types and structure only: which keys exist where, what type each value has,
/// which names are known. Value ranges (sizes >= 1, lr > 0, mask entries 0/1, lengths)
/// are the validator's job and are kept as written; defaults are not filled in (absent
/// fields stay nil). Every problem in the file is reported in one pass.
///
/// - Parameters:
///   - document: the parser's output.
///   - diagnostics: where problems go.
/// - Returns: the spec, possibly with fields left nil where they were wrong; nil only
///   when the root is unusable (no document, or a root that is not a mapping).
package func decodeSpec(_ document: YAMLDocument, diagnostics: DiagnosticEngine) -> FlowSpec? {
  SpecDecoder(diagnostics: diagnostics).decodeRoot(document)
}

/// Parses `source` with ``YAMLParser`` and decodes it with ``decodeSpec(_:diagnostics:)``.
///
/// Decoding runs even after parser errors that leave a tree (tags, duplicate keys), so
/// one run reports them all; it stops after a syntax error, which leaves no tree.
package func parseSpec(_ source: SourceFile, diagnostics: DiagnosticEngine,
                      limits: YAMLLimits = YAMLLimits()) -> FlowSpec? {
  let document = YAMLParser(limits: limits).parse(source, diagnostics: diagnostics)
  return decodeSpec(document, diagnostics: diagnostics)
}

extension SpecDecoder {
  /// Minimal examples of the required sections, shown when one is missing.
  static let sectionExamples: [(name: String, example: String)] = [
    ("prior", "prior: standard_normal"),
    ("flow", "flow: [{kind: affine_coupling, keep: first_half}]"),
    ("data", "data: {source: moons}"),
    ("train", "train: {lr: 0.001, batch_size: 128, steps: 1000}"),
  ]

  /// The root mapping: the sections.
  func decodeRoot(_ document: YAMLDocument) -> FlowSpec? {
    let source = document.source
    guard let root = document.root else {
      // No document at all: an empty file or only comments. A syntax error also leaves
      // no root, but the parser has reported it already.
      if Self.isBlank(source) { emit(SpecDiagnostics.emptySpec(at: source.startRange)) }
      return nil
    }
    if let s = root.scalar, s.isNull {
      emit(SpecDiagnostics.emptySpec(at: source.startRange))
      return nil
    }
    guard root.mapping != nil else {
      emit(SpecDiagnostics.rootNotMapping(found: describe(root), at: root.range))
      return nil
    }
    let r = MappingReader(mapping: root, place: "at the top level of the spec", decoder: self)
    let start = SourceRange(file: root.range.file, at: root.range.start)
    var spec = FlowSpec(file: source.path, range: root.range)
    spec.version = r.optional("version", .int)
    spec.name = r.optional("name", .string)
    spec.dimension = r.optional("dim", .int)
    spec.shape = r.optional("shape", .intList)
    spec.dtype = r.optional("dtype", .oneOf(DType.self))
    spec.prior = r.optional("prior", ValueReader { $0.decodePrior($1, $2) })
    spec.templates = r.optional("templates", ValueReader { $0.decodeTemplates($1, $2) }) ?? []
    spec.flow = r.optional("flow", ValueReader { $0.decodeFlow($1, $2) })
    spec.data = r.optional("data", ValueReader { $0.decodeData($1, $2) })
    spec.train = r.optional("train", ValueReader { $0.decodeTrain($1, $2) })
    spec.eval = r.optional("eval", ValueReader { $0.decodeEval($1, $2) })
    spec.limits = r.optional("limits", ValueReader { $0.decodeLimits($1, $2) })
    r.finish()

    if !r.has("dim"), !r.has("shape") { emit(SpecDiagnostics.missingShape(at: start)) }
    for (name, example) in Self.sectionExamples where !r.has(name) {
      emit(SpecDiagnostics.missingSection(name, at: start, example: example))
    }
    return spec
  }

  /// `templates:`: a mapping from names to nets, in file order.
  func decodeTemplates(_ node: YAMLNode, _ subject: String) -> [NamedNet]? {
    guard let pairs = node.mapping else {
      mismatch(node, subject, expected: "a mapping from template names to nets")
      return nil
    }
    var out: [NamedNet] = []
    for p in pairs {
      let name = Located(p.name, at: p.key.range)
      let netSubject = "template '\(p.name)'"
      if p.value.scalar?.isNull == true {
        emit(SpecDiagnostics.missingValue(netSubject, at: p.key.range))
        continue
      }
      if let net = decodeNet(p.value, netSubject, anchor: p.key.range, inline: false) {
        out.append(NamedNet(name: name, net: net))
      }
    }
    return out
  }

  /// Whether a file has nothing but blank lines, comments and document markers.
  static func isBlank(_ source: SourceFile) -> Bool {
    for line in 1...max(1, source.lineCount) {
      let text = (source.lineText(line) ?? "").drop { $0 == " " || $0 == "\t" || $0 == "\u{FEFF}" }
      if text.isEmpty || text.hasPrefix("#") || text == "---" || text == "..." { continue }
      return false
    }
    return true
  }
}
