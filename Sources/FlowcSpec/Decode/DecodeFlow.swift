import FlowcDiagnostics

extension SpecDecoder {
  /// `flow:`: a non-empty list of layers and repeats.
  func decodeFlow(_ node: YAMLNode, _ subject: String) -> Located<[FlowItem]>? {
    guard let items = node.sequence else {
      mismatch(node, subject, expected: "a list of layers")
      return nil
    }
    if items.isEmpty { emit(SpecDiagnostics.emptyFlow(at: node.range)) }
    return Located(decodeItems(items, subject), at: node.range)
  }

  /// The entries of `flow:` or of a repeat's `layers:`; wrong entries are reported and left out.
  func decodeItems(_ items: [YAMLNode], _ subject: String) -> [FlowItem] {
    items.compactMap { decodeFlowItem($0, "an entry of \(subject)") }
  }

  /// One entry: a layer (`kind:`) or a repeat (`repeat:` and `layers:`), never both.
  func decodeFlowItem(_ node: YAMLNode, _ subject: String) -> FlowItem? {
    guard let pairs = node.mapping else {
      var suggestion: String? = nil
      if let s = node.scalar, LayerKinds.named(s.value) != nil {
        suggestion = "write a layer as a mapping: '- kind: \(s.value)'"
      }
      if node.scalar?.isNull == true {
        emit(SpecDiagnostics.missingValue(subject, at: node.range))
      } else {
        mismatch(node, subject, expected: "a layer ('kind: ...') or a repeat ('repeat: N')", suggestion: suggestion)
      }
      return nil
    }
    let kind = pairs.first { $0.name == "kind" }
    let count = pairs.first { $0.name == "repeat" }
    switch (kind, count) {
    case let (kind?, count?):
      let (first, second) = kind.key.range.start < count.key.range.start ? (kind, count) : (count, kind)
      emit(SpecDiagnostics.flowItemBoth(at: second.key.range, other: first.key.range))
      return nil
    case (nil, nil):
      emit(SpecDiagnostics.flowItemNeither(at: head(node)))
      return nil
    case (_?, nil):
      return decodeLayer(node).map(FlowItem.layer)
    case (nil, _?):
      return decodeRepeat(node).map(FlowItem.repeat)
    }
  }

  /// `- repeat: N` with `layers:`; no other keys.
  func decodeRepeat(_ node: YAMLNode) -> RepeatSpec? {
    let r = MappingReader(mapping: node, place: "in a repeat", section: .repeatBlock, decoder: self)
    let count = r.require("repeat", .int)
    let layers = r.require("layers", ValueReader { decoder, node, subject -> [FlowItem]? in
      guard let items = node.sequence else {
        decoder.mismatch(node, subject, expected: "a list of layers")
        return nil
      }
      if items.isEmpty { decoder.emit(SpecDiagnostics.emptyRepeat(at: node.range)) }
      return decoder.decodeItems(items, subject)
    }, example: "layers: [{kind: actnorm}]")
    r.finish()
    guard let count, let layers else { return nil }
    return RepeatSpec(count: count, layers: layers, range: node.range)
  }
}

extension SpecSection {
  /// `- repeat: N` with `layers:`.
  package static let repeatBlock = SpecSection("repeat", "The layers written N times in a row.", keys: [
    SpecKey("repeat", .integer, "How many times (at least 1).", required: true),
    SpecKey("layers", .layers, "The layers (and nested repeats) to repeat.", required: true),
  ])
}
