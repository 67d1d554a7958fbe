import FlowcDiagnostics

extension SpecDecoder {
  /// A layer: `kind:`, an optional `name:`, and the keys of that kind, read by the kind's
  /// own `LayerOptions` type.
  func decodeLayer(_ node: YAMLNode) -> LayerSpec? {
    let r = MappingReader(mapping: node, place: "in a layer", section: nil, decoder: self)
    r.declare("kind")
    let name = r.optional("name", .string)
    let kindReader = ValueReader { $0.string($1, $2, expected: "a layer kind such as 'affine_coupling'") }
    guard let kindName = r.optional("kind", kindReader) else { return nil }
    guard let kind = LayerKinds.named(kindName.value) else {
      // Without a kind the valid keys are unknown: report the kind only.
      emit(SpecDiagnostics.unknownLayerKind(kindName.value, at: kindName.range))
      return nil
    }
    r.place = "in \(Self.article(kind.kind)) \(kind.kind) layer"
    r.section = kind.section
    let options = kind.init(decoding: r)
    r.finish { key in
      let owners = LayerKinds.all.filter { $0.keys.contains { $0.name == key } }.map { $0.kind }
      guard !owners.isEmpty else { return [] }
      return [SpecDiagnostics.keyBelongsToOtherKinds(key, kinds: owners, thisKind: kind.kind, at: kindName.range)]
    }
    return LayerSpec(kind: Located(kind.kind, at: kindName.range), name: name, options: options, range: node.range)
  }

  /// "an" before a vowel sound, for "in an affine_coupling layer".
  static func article(_ word: String) -> String {
    guard let first = word.first else { return "a" }
    return "aeio".contains(first) ? "an" : "a"
  }
}
