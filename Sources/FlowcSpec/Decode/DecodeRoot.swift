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
      // no root, but the parser has reported it already. Whatever else leaves no root
      // without an error (a file of only a UTF-16 byte-order mark, found by fuzzing) is
      // empty too: a file without a document must never pass silently.
      if Self.isBlank(source) || !diagnostics.hasErrors { emit(SpecDiagnostics.emptySpec(at: source.startRange)) }
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
    let r = MappingReader(mapping: root, place: "at the top level of the spec", section: .root, decoder: self)
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
  ///
  /// Byte by byte, not by `Character`: a comment whose `#` is followed by a combining mark
  /// (`#\u{594}...`) is one grapheme cluster that does not start with "#", and was taken
  /// for content, so an only-comments file got no diagnostic at all (found by fuzzing).
  static func isBlank(_ source: SourceFile) -> Bool {
    let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
    for line in 1...max(1, source.lineCount) {
      var text = ArraySlice((source.lineText(line) ?? "").utf8)
      while true {
        if let c = text.first, c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") {
          text = text.dropFirst()
        } else if text.starts(with: bom) {
          text = text.dropFirst(3)
        } else {
          break
        }
      }
      if text.isEmpty || text.first == UInt8(ascii: "#") || text.elementsEqual("---".utf8) || text.elementsEqual("...".utf8) { continue }
      return false
    }
    return true
  }
}

extension SpecSection {
  /// The top level of a spec.
  package static let root = SpecSection("root", "A flowc spec: a normalizing flow, its data and how to train it.", keys: [
    SpecKey("version", .integer, "The spec language version.", default: "1"),
    SpecKey("name", .string, "A label for runs and reports; default the file name without extension."),
    SpecKey("dim", .integer, "The number of features; give `dim` or `shape` (or both, agreeing)."),
    SpecKey("shape", .list(.integer), "The data's image shape, e.g. [28, 28]; the flow acts on it flattened."),
    SpecKey("dtype", .names(.rawValues(of: DType.self)), "The element type of every tensor.", default: SpecDefaults.dtype.rawValue),
    SpecKey("prior", .oneOf([.names(.rawValues(of: PriorSpec.Kind.self)), .section("prior")]),
            "The base distribution: a name or a mapping with `kind`.", required: true),
    SpecKey("templates", .mapOf(.section("net")), "Named networks that layers refer to by name."),
    SpecKey("flow", .layers, "The layers from data to latent, with `repeat` blocks.", required: true),
    SpecKey("data", .section("data"), "Where examples come from.", required: true),
    SpecKey("train", .section("train"), "The optimisation settings.", required: true),
    SpecKey("eval", .section("eval"), "How the trained flow is scored and sampled."),
    SpecKey("limits", .section("limits"), "Resource budgets."),
  ])

  /// Every section the language has, for the schema's `$defs` (layer kinds come from
  /// `LayerKinds`).
  package static let all: [SpecSection] = [root, data, preprocess, context, train, eval, limits, prior, net, inlineNet, repeatBlock]
}
