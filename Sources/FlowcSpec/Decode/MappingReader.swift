import FlowcDiagnostics

/// How to read one kind of value from a node: `.int`, `.double`, `.oneOf(NetIO.self)`,
/// or a section decoder. The `String` is how messages name the value ("'lr'").
struct ValueReader<Value> {
  let read: (SpecDecoder, YAMLNode, String) -> Value?

  init(_ read: @escaping (SpecDecoder, YAMLNode, String) -> Value?) {
    self.read = read
  }
}

extension ValueReader where Value == Located<Int> {
  static var int: Self { Self { $0.int($1, $2) } }
}

extension ValueReader where Value == Located<Double> {
  static var double: Self { Self { $0.double($1, $2) } }
}

extension ValueReader where Value == Located<Bool> {
  static var bool: Self { Self { $0.bool($1, $2) } }
}

extension ValueReader where Value == Located<String> {
  static var string: Self { Self { $0.string($1, $2) } }
}

extension ValueReader where Value == Located<[Located<Int>]> {
  static var intList: Self { Self { $0.intList($1, $2) } }
}

extension ValueReader where Value == Located<[Located<String>]> {
  static var stringList: Self { Self { $0.stringList($1, $2) } }
}

extension ValueReader where Value == Located<[Located<Double>]> {
  static var doubleList: Self { Self { $0.doubleList($1, $2) } }
}

extension ValueReader {
  /// A name from a closed vocabulary, the raw values of `type`.
  static func oneOf<E: RawRepresentable & CaseIterable>(_ type: E.Type) -> ValueReader<Located<E>>
  where E.RawValue == String {
    ValueReader<Located<E>> { $0.oneOf($1, $2, type) }
  }
}

/// Reads the keys of one YAML mapping with typed accessors and reports the keys nobody
/// asked for.
///
/// A reader for a mapping the language describes carries its `SpecSection`: in debug
/// builds (the tests) asking for a key the section does not list, or finishing without
/// having asked for every key it lists, stops with a message, so the decoders and the
/// key tables that the JSON Schema and the docs are made from cannot drift apart.
///
/// Every accessor (`optional`, `require`, `has`, `pair`) declares its key as valid in
/// this mapping, so the valid keys are exactly those the section decoder reads and
/// `finish()` can suggest the nearest one for a typo: `unknown key 'hiden' in a net`,
/// `help: did you mean 'hidden'?`. Call every accessor before `finish()`, even for keys
/// that turn out not to apply, so that they are not reported as unknown.
package final class MappingReader {
  let decoder: SpecDecoder
  /// The mapping node.
  let node: YAMLNode
  /// Its pairs in file order.
  let pairs: [YAMLPair]
  /// Where the mapping is, for unknown-key messages: "in a net", "in 'train'".
  var place: String
  /// Where a missing key is reported: the key this mapping is the value of, or the
  /// mapping's first key.
  let anchor: SourceRange
  /// The keys this mapping may have, when the language lists them.
  var section: SpecSection?
  /// Valid keys in the order they were first asked for.
  private(set) var validKeys: [String] = []
  private var valid: Set<String> = []
  private var byName: [String: YAMLPair] = [:]
  /// Required keys found missing, reported by `finish()`: a missing key that an unknown
  /// key is a typo of (`kepe:` for `keep`) is reported as that typo alone, so the
  /// message leads with what to fix.
  private var missing: [(key: String, example: String?)] = []
  private var finished = false

  /// Wraps `node`, which must be a mapping.
  init(mapping node: YAMLNode, place: String, anchor: SourceRange? = nil, section: SpecSection?, decoder: SpecDecoder) {
    self.decoder = decoder
    self.section = section
    self.node = node
    self.pairs = node.mapping ?? []
    self.place = place
    self.anchor = anchor ?? decoder.head(node)
    for p in pairs where byName[p.name] == nil { byName[p.name] = p }
  }

  /// A reader for `node` if it is a mapping; otherwise reports that `subject` expects
  /// `expected` and returns nil.
  static func open(_ node: YAMLNode, _ subject: String, place: String, anchor: SourceRange? = nil,
                   expected: String = "a mapping", section: SpecSection?, decoder: SpecDecoder) -> MappingReader? {
    let anchor = anchor ?? decoder.valueKey
    decoder.valueKey = nil
    guard node.mapping != nil else {
      if node.scalar?.isNull == true {
        decoder.emit(SpecDiagnostics.missingValue(subject, at: anchor ?? node.range))
      } else {
        decoder.mismatch(node, subject, expected: expected)
      }
      return nil
    }
    return MappingReader(mapping: node, place: place, anchor: anchor, section: section, decoder: decoder)
  }

  // MARK: - Keys

  /// Declares keys valid without reading them.
  func declare(_ keys: String...) {
    for k in keys where valid.insert(k).inserted {
      assert(section.map { $0.key(k) != nil } ?? true, "key '\(k)' is read but not listed in section '\(section!.name)'")
      validKeys.append(k)
    }
  }

  /// The pair for `key`, if present; declares the key valid.
  func pair(_ key: String) -> YAMLPair? {
    declare(key)
    return byName[key]
  }

  /// Whether `key` is present; declares it valid.
  func has(_ key: String) -> Bool { pair(key) != nil }

  // MARK: - Typed accessors

  /// The value of `key` read with `reader`, or nil if the key is absent or its value is
  /// wrong (reported). A null value is reported as a missing value.
  func optional<V>(_ key: String, _ reader: ValueReader<V>) -> V? {
    guard let p = pair(key) else { return nil }
    if p.value.scalar?.isNull == true {
      decoder.emit(SpecDiagnostics.missingValue("'\(key)'", at: p.key.range))
      return nil
    }
    decoder.valueKey = p.key.range
    defer { decoder.valueKey = nil }
    return reader.read(decoder, p.value, "'\(key)'")
  }

  /// As `optional`, but an absent key is reported as missing (`example` is shown in the
  /// suggestion, e.g. "keep: first_half").
  func require<V>(_ key: String, _ reader: ValueReader<V>, example: String? = nil) -> V? {
    guard has(key) else {
      missing.append((key, example))
      return nil
    }
    return optional(key, reader)
  }

  /// A nested mapping under `key`, as a reader whose missing keys are reported at `key`.
  func optionalMapping(_ key: String, place: String, section: SpecSection?) -> MappingReader? {
    guard let p = pair(key) else { return nil }
    return MappingReader.open(p.value, "'\(key)'", place: place, anchor: p.key.range, section: section, decoder: decoder)
  }

  // MARK: - Finishing

  /// Reports every key that no accessor asked for, with a did-you-mean among the valid
  /// keys of this mapping, and every required key that is missing, except one that an
  /// unknown key is a typo of: that typo's message says so instead. `notes` adds notes
  /// for a key (e.g. which layer kind it belongs to).
  func finish(notes: (String) -> [Diagnostic.Note] = { _ in [] }) {
    finished = true
    if let section {
      let unread = section.keyNames.filter { !valid.contains($0) }
      assert(unread.isEmpty, "section '\(section.name)' lists \(unread) but its decoder never asks for them")
    }
    var missingKeys = Set(missing.map(\.key))
    for p in pairs where !valid.contains(p.name) {
      let suggest = decoder.diagnostics.wantsSuggestions
      let near = suggest ? SpecDiagnostics.nearest(p.name, among: validKeys) : nil
      let isMissing = near.map { missingKeys.remove($0) != nil } ?? false
      decoder.emit(SpecDiagnostics.unknownKey(p.name, in: place, at: p.key.range, validKeys: validKeys,
                                              notes: notes(p.name), near: near, nearIsMissing: isMissing, suggest: suggest))
    }
    reportMissing(missingKeys)
  }

  /// Reports the required keys in `keys` that were found missing, in the order asked.
  private func reportMissing(_ keys: Set<String>) {
    for m in missing where keys.contains(m.key) {
      decoder.emit(SpecDiagnostics.missingKey(m.key, in: place, at: anchor, example: m.example))
    }
    missing.removeAll()
  }

  deinit {
    // A decoder that returned before `finish()` still reports what was missing.
    if !finished { reportMissing(Set(missing.map(\.key))) }
  }
}
