import FlowcDiagnostics

/// The decode stage's messages: one factory per message, in alphabetical order.
///
/// Call sites never spell out message text; they call a factory here. Every message is
/// lower case without a final period, names spec keys and values in single quotes, and
/// carries the range of the offending key or value. The ids are stable (tests and
/// docs/diagnostics.md match on them); ``ID`` lists them all.
package enum SpecDiagnostics {
  /// Every id this stage emits; the raw value is the id printed and documented.
  package enum ID: String, DiagnosticID {
    case betasCount = "betas-count"
    case booleanSpelling = "boolean-spelling"
    case emptyFlow = "empty-flow"
    case emptyRepeat = "empty-repeat"
    case emptySpec = "empty-spec"
    case flowItemForm = "flow-item-form"
    case functionForm = "function-form"
    case integerTooLarge = "integer-too-large"
    case memoryFormat = "memory-format"
    case memoryTooLarge = "memory-too-large"
    case memoryUnit = "memory-unit"
    case missingKey = "missing-key"
    case missingSection = "missing-section"
    case missingValue = "missing-value"
    case numberOutOfRange = "number-out-of-range"
    case numberUnderscore = "number-underscore"
    case rootNotMapping = "root-not-mapping"
    case seedWithoutRandom = "seed-without-random"
    case typeMismatch = "type-mismatch"
    case unexpectedParameter = "unexpected-parameter"
    case unknownKey = "unknown-key"
    case unknownLayerKind = "unknown-layer-kind"
    case unknownValue = "unknown-value"
  }

  /// `betas: [0.9]`: Adam's betas are a pair.
  static func betasCount(_ count: Int, at range: SourceRange) -> Diagnostic {
    .error(ID.betasCount, "'betas' takes two numbers, found \(count)", at: range,
           suggestion: "write both, e.g. 'betas: [0.9, 0.999]'")
  }

  /// `fresh: yes`, `fresh: True`: only `true` and `false` are booleans.
  static func booleanSpelling(_ subject: String, found text: String, meaning: Bool, at range: SourceRange) -> Diagnostic {
    .error(ID.booleanSpelling, "\(subject) expects true or false, found '\(text)'", at: range,
           suggestion: "write \(meaning); a spec reads only 'true' and 'false' as booleans (YAML 1.2), never yes/no/on/off")
  }

  /// `flow: []`.
  static func emptyFlow(at range: SourceRange) -> Diagnostic {
    .error(ID.emptyFlow, "'flow' has no layers", at: range,
           suggestion: "add at least one layer, e.g. '- kind: affine_coupling' with 'keep: first_half'")
  }

  /// `- repeat: 4` with `layers: []`.
  static func emptyRepeat(at range: SourceRange) -> Diagnostic {
    .error(ID.emptyRepeat, "this repeat has no layers", at: range,
           suggestion: "list the layers to repeat under 'layers:', or remove the repeat")
  }

  /// A file with no content, only comments, or an empty document.
  static func emptySpec(at range: SourceRange) -> Diagnostic {
    .error(ID.emptySpec, "the spec is empty", at: range,
           suggestion: "a spec needs at least 'dim', 'prior', 'flow', 'data' and 'train'; see docs/spec.md")
  }

  /// A flow entry with both `kind` and `repeat`.
  static func flowItemBoth(at range: SourceRange, other: SourceRange) -> Diagnostic {
    .error(ID.flowItemForm, "a flow entry is either a layer ('kind') or a repeat ('repeat'), not both", at: range,
           notes: [.init("the other one is here", at: other)],
           suggestion: "write a layer as '- kind: actnorm', and a repeated block as '- repeat: 4' with 'layers:' listing entries")
  }

  /// A flow entry with neither `kind` nor `repeat`.
  static func flowItemNeither(at range: SourceRange) -> Diagnostic {
    .error(ID.flowItemForm, "a flow entry needs 'kind' (a layer) or 'repeat' (a repeated block of layers)", at: range,
           suggestion: "write a layer as '- kind: actnorm', and a repeated block as '- repeat: 4' with 'layers:' listing entries")
  }

  /// `activation: {leaky_relu: 0.2, elu: 1}` or `{}`.
  static func functionForm(_ subject: String, keyCount: Int, at range: SourceRange) -> Diagnostic {
    .error(ID.functionForm, "\(subject) written as a mapping takes one key, the function's name, found \(keyCount)",
           at: range, suggestion: "write a name such as 'tanh', or a name with its parameter such as '{leaky_relu: 0.2}'")
  }

  /// An integer literal outside Int64.
  static func integerTooLarge(_ text: String, at range: SourceRange) -> Diagnostic {
    .error(ID.integerTooLarge, "integer \(text) does not fit in 64 bits", at: range,
           suggestion: "integers in a spec lie between -9223372036854775808 and 9223372036854775807")
  }

  /// `memory: lots`.
  static func memoryFormat(_ text: String, at range: SourceRange) -> Diagnostic {
    .error(ID.memoryFormat, "cannot read '\(text)' as an amount of memory", at: range,
           suggestion: "write a number of bytes, or a number and a unit such as '4 GiB', '512MiB' or '1.5 GB'")
  }

  /// `memory: 99999999 TiB`.
  static func memoryTooLarge(_ text: String, at range: SourceRange) -> Diagnostic {
    .error(ID.memoryTooLarge, "'\(text)' is more bytes than fit in 64 bits", at: range,
           suggestion: "write an amount below 8 EiB")
  }

  /// `memory: 4 GiBs`, `memory: "4096"`.
  static func memoryUnit(_ unit: String, at range: SourceRange, suggestion: String) -> Diagnostic {
    let message = unit.isEmpty ? "a memory amount written as a string needs a unit" : "unknown memory unit '\(unit)'"
    return .error(ID.memoryUnit, message, at: range, suggestion: suggestion)
  }

  /// A required key is absent from a mapping.
  static func missingKey(_ key: String, in place: String, at range: SourceRange, example: String? = nil) -> Diagnostic {
    .error(ID.missingKey, "missing key '\(key)' \(place)", at: range,
           suggestion: example.map { "add it, e.g. '\($0)'" })
  }

  /// A required section is absent from the root.
  static func missingSection(_ name: String, at range: SourceRange, example: String) -> Diagnostic {
    .error(ID.missingSection, "the spec has no '\(name)' section", at: range, suggestion: "add one, e.g. '\(example)'")
  }

  /// Neither `dim` nor `shape` at the root.
  static func missingShape(at range: SourceRange) -> Diagnostic {
    .error(ID.missingSection, "the spec gives neither 'dim' nor 'shape'", at: range,
           suggestion: "add the number of features, e.g. 'dim: 2', or an image shape, e.g. 'shape: [28, 28]'")
  }

  /// `lr:` with nothing after it.
  static func missingValue(_ subject: String, at range: SourceRange) -> Diagnostic {
    .error(ID.missingValue, "missing value for \(subject)", at: range,
           suggestion: "write a value after the colon, or remove the key")
  }

  /// `lr: 1e999`: a finite literal that is infinite as a double.
  static func numberOutOfRange(_ text: String, at range: SourceRange) -> Diagnostic {
    .error(ID.numberOutOfRange, "number \(text) is too large for a 64-bit float", at: range,
           suggestion: "write '.inf' if infinity is meant")
  }

  /// `steps: 1_000`: YAML 1.1 digit separators.
  static func numberUnderscore(_ text: String, cleaned: String, at range: SourceRange) -> Diagnostic {
    .error(ID.numberUnderscore, "digit separators ('_') are not allowed in numbers: '\(text)'", at: range,
           suggestion: "write \(cleaned)")
  }

  /// The root is a list or a scalar.
  static func rootNotMapping(found: String, at range: SourceRange) -> Diagnostic {
    .error(ID.rootNotMapping, "the spec must be a mapping of sections, found \(found)", at: range,
           suggestion: "start the file with sections such as 'dim: 2', 'prior: standard_normal' and 'flow:'")
  }

  /// `seed:` beside an `order:` that is not `random`.
  static func seedWithoutRandom(at range: SourceRange, order: SourceRange) -> Diagnostic {
    .error(ID.seedWithoutRandom, "'seed' applies only to a permutation with 'order: random'", at: range,
           notes: [.init("the order is set here", at: order)],
           suggestion: "remove 'seed', or write 'order: random'")
  }

  /// `seed: 3` on a `maf` or `iaf` layer whose `order` is not `random`.
  static func seedWithoutRandomOrder(_ kind: String, at range: SourceRange, order: SourceRange?) -> Diagnostic {
    .error(ID.seedWithoutRandom, "'seed' applies only to '\(kind)' layers with 'order: random'", at: range,
           notes: order.map { [.init("the order is set here", at: $0)] } ?? [.init("the order defaults to 'natural'", at: nil)],
           suggestion: "remove 'seed', or write 'order: random'")
  }

  /// A value of the wrong type: `'batch_size' expects an integer, found a list`.
  static func typeMismatch(_ subject: String, expected: String, found: String, at range: SourceRange,
                           suggestion: String? = nil) -> Diagnostic {
    .error(ID.typeMismatch, "\(subject) expects \(expected), found \(found)", at: range, suggestion: suggestion)
  }

  /// `activation: {relu: 0.2}`: a function without a parameter given one.
  static func unexpectedParameter(_ name: String, at range: SourceRange) -> Diagnostic {
    .error(ID.unexpectedParameter, "'\(name)' takes no parameter", at: range, suggestion: "write just '\(name)'")
  }

  /// A key that the mapping does not have.
  static func unknownKey(_ key: String, in place: String, at range: SourceRange, validKeys: [String],
                         notes: [Diagnostic.Note] = [], near: String? = nil, nearIsMissing: Bool = false,
                         suggest: Bool = true) -> Diagnostic {
    let suggestion: String?
    if let near = near ?? (suggest ? nearest(key, among: validKeys) : nil) {
      suggestion = nearIsMissing ? "did you mean '\(near)'? '\(near)' is required here and missing" : "did you mean '\(near)'?"
    } else if !suggest {
      suggestion = nil
    } else if validKeys.isEmpty {
      suggestion = "remove it; nothing else goes here"
    } else {
      suggestion = "the keys here are " + quotedList(validKeys)
    }
    return .error(ID.unknownKey, "unknown key '\(key)' \(place)", at: range, notes: notes, suggestion: suggestion)
  }

  /// `kind: afine_coupling`.
  static func unknownLayerKind(_ name: String, at range: SourceRange) -> Diagnostic {
    let kinds = LayerKinds.names
    let suggestion = nearest(name, among: kinds).map { "did you mean '\($0)'?" }
      ?? "the layer kinds are " + quotedList(kinds)
    return .error(ID.unknownLayerKind, "unknown layer kind '\(name)'", at: range, suggestion: suggestion)
  }

  /// A name outside a closed vocabulary: `optimizer: adma`.
  static func unknownValue(_ value: String, for subject: String, at range: SourceRange, candidates: [String]) -> Diagnostic {
    let suggestion = nearest(value, among: candidates).map { "did you mean '\($0)'?" }
      ?? "expected one of " + quotedList(candidates)
    return .error(ID.unknownValue, "unknown value '\(value)' for \(subject)", at: range, suggestion: suggestion)
  }

  // MARK: - Notes

  /// An unknown key of a layer that belongs to other layer kinds.
  static func keyBelongsToOtherKinds(_ key: String, kinds: [String], thisKind: String, at range: SourceRange) -> Diagnostic.Note {
    let owners = kinds.count == 1 ? kinds[0] : kinds.dropLast().joined(separator: ", ") + " and " + kinds.last!
    return .init("'\(key)' belongs to \(owners) layers; this layer is \(thisKind)", at: range)
  }

  /// `use` inside a template.
  static func useOnlyInline() -> Diagnostic.Note {
    .init("'use' starts a net written inside a layer from a template; a template cannot use another")
  }

  // MARK: - Helpers

  /// The candidate a misspelt word most likely meant: the nearest by edit distance, or
  /// else one that differs by two swapped neighbouring letters (`stpes` for `steps`,
  /// two edits for Levenshtein distance but one slip of the fingers).
  static func nearest(_ word: String, among candidates: [String]) -> String? {
    if let near = EditDistance.suggestion(for: word, among: candidates) { return near }
    let w = Array(word.lowercased())
    return candidates.first { candidate in
      let c = Array(candidate.lowercased())
      guard c.count == w.count, c.count >= 2 else { return false }
      let differing = (0..<c.count).filter { c[$0] != w[$0] }
      return differing.count == 2 && differing[1] == differing[0] + 1
        && c[differing[0]] == w[differing[1]] && c[differing[1]] == w[differing[0]]
    }
  }

  /// `'a', 'b' and 'c'`.
  static func quotedList(_ words: [String]) -> String {
    let q = words.map { "'\($0)'" }
    guard q.count > 1 else { return q.first ?? "" }
    return q.dropLast().joined(separator: ", ") + " and " + q.last!
  }
}
