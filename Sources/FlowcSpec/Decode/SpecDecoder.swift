import FlowcDiagnostics

/// The state of one decode pass: where diagnostics go. The section decoders are
/// extensions of this type (`decodeRoot`, `decodeNet`, ...), one file each.
///
/// Every conversion reports what is wrong and returns nil; the caller keeps going, so
/// one pass collects every problem in the file.
final class SpecDecoder {
  let diagnostics: DiagnosticEngine
  /// The key whose value is being read, set by ``MappingReader`` around a value reader
  /// so that a nested mapping can report its missing keys there (`data:` rather than
  /// the first key inside it). Taken (and cleared) by ``MappingReader/open``.
  var valueKey: SourceRange?

  init(diagnostics: DiagnosticEngine) {
    self.diagnostics = diagnostics
  }

  /// Diagnostics already emitted. Aliases make one node appear many times in the tree
  /// (up to ``YAMLLimits/maxNodes``), and a problem inside it would be reported once per
  /// appearance at the same place: an aliased block of a million copies must give one
  /// diagnostic, not a million.
  private var emitted: Set<Diagnostic> = []

  /// Reports `diagnostic` unless the very same one (id, message, range) was reported.
  func emit(_ diagnostic: Diagnostic) {
    guard emitted.insert(diagnostic).inserted else { return }
    diagnostics.emit(diagnostic)
  }

  // MARK: - Scalars

  /// Reads an integer. `subject` names the value in messages ("'steps'", "an entry of 'hidden'").
  func int(_ node: YAMLNode, _ subject: String) -> Located<Int>? {
    guard let scalar = scalarValue(node, subject, expected: "an integer") else { return nil }
    switch ScalarValue.int(scalar) {
    case .value(let v): return Located(v, at: node.range)
    case .tooLarge: emit(SpecDiagnostics.integerTooLarge(scalar.value, at: node.range))
    case .digitSeparators(let cleaned):
      emit(SpecDiagnostics.numberUnderscore(scalar.value, cleaned: cleaned, at: node.range))
    case .notAnInteger: mismatch(node, subject, expected: "an integer")
    }
    return nil
  }

  /// Reads a float; integers are fine.
  func double(_ node: YAMLNode, _ subject: String) -> Located<Double>? {
    guard let scalar = scalarValue(node, subject, expected: "a number") else { return nil }
    switch ScalarValue.double(scalar) {
    case .value(let v): return Located(v, at: node.range)
    case .outOfRange: emit(SpecDiagnostics.numberOutOfRange(scalar.value, at: node.range))
    case .digitSeparators(let cleaned):
      emit(SpecDiagnostics.numberUnderscore(scalar.value, cleaned: cleaned, at: node.range))
    case .notANumber: mismatch(node, subject, expected: "a number")
    }
    return nil
  }

  /// Reads `true` or `false`.
  func bool(_ node: YAMLNode, _ subject: String) -> Located<Bool>? {
    guard let scalar = scalarValue(node, subject, expected: "true or false") else { return nil }
    switch ScalarValue.bool(scalar) {
    case .value(let v): return Located(v, at: node.range)
    case .misspelt(let meant):
      emit(SpecDiagnostics.booleanSpelling(subject, found: scalar.value, meaning: meant, at: node.range))
    case .notABoolean: mismatch(node, subject, expected: "true or false")
    }
    return nil
  }

  /// Reads a string: a quoted scalar, or a plain one that is not null, a boolean or a number.
  func string(_ node: YAMLNode, _ subject: String) -> Located<String>? {
    guard let scalar = scalarValue(node, subject, expected: "a string") else { return nil }
    guard ScalarValue.isString(scalar) else {
      mismatch(node, subject, expected: "a string", suggestion: "quote it to make it a string: '\"\(scalar.value)\"'")
      return nil
    }
    return Located(scalar.value, at: node.range)
  }

  /// Reads a name from a closed vocabulary: the raw values of `E`.
  func oneOf<E: RawRepresentable & CaseIterable>(_ node: YAMLNode, _ subject: String, _: E.Type) -> Located<E>?
  where E.RawValue == String {
    let names = E.allCases.map(\.rawValue)
    let expected = "one of " + SpecDiagnostics.quotedList(names)
    guard let name = string(node, subject, expected: expected) else { return nil }
    guard let value = E(rawValue: name.value) else {
      emit(SpecDiagnostics.unknownValue(name.value, for: subject, at: node.range, candidates: names))
      return nil
    }
    return Located(value, at: node.range)
  }

  /// Reads a string where `expected` describes what was wanted, for the type-mismatch message.
  func string(_ node: YAMLNode, _ subject: String, expected: String) -> Located<String>? {
    guard let scalar = scalarValue(node, subject, expected: expected) else { return nil }
    guard ScalarValue.isString(scalar) else {
      mismatch(node, subject, expected: expected)
      return nil
    }
    return Located(scalar.value, at: node.range)
  }

  // MARK: - Lists and mappings

  /// Reads a list, each entry with `entry` (named "an entry of <subject>"). Nil if the
  /// node is not a list or any entry is wrong (every wrong entry is reported).
  func list<T>(_ node: YAMLNode, _ subject: String, expected: String,
               _ entry: (YAMLNode, String) -> T?) -> Located<[T]>? {
    guard let items = node.sequence else {
      mismatch(node, subject, expected: expected)
      return nil
    }
    var out: [T] = []
    var ok = true
    for item in items {
      if let v = entry(item, "an entry of \(subject)") { out.append(v) } else { ok = false }
    }
    return ok ? Located(out, at: node.range) : nil
  }

  /// Reads a list of integers.
  func intList(_ node: YAMLNode, _ subject: String) -> Located<[Located<Int>]>? {
    list(node, subject, expected: "a list of integers") { int($0, $1) }
  }

  /// Reads a list of strings.
  func stringList(_ node: YAMLNode, _ subject: String) -> Located<[Located<String>]>? {
    list(node, subject, expected: "a list of strings") { string($0, $1) }
  }

  /// Reads a list of numbers.
  func doubleList(_ node: YAMLNode, _ subject: String) -> Located<[Located<Double>]>? {
    list(node, subject, expected: "a list of numbers") { double($0, $1) }
  }

  // MARK: - Reporting

  /// The scalar of `node`, or nil after reporting a null or a list/mapping.
  func scalarValue(_ node: YAMLNode, _ subject: String, expected: String) -> YAMLScalar? {
    guard let scalar = node.scalar else {
      mismatch(node, subject, expected: expected)
      return nil
    }
    if scalar.isNull {
      emit(SpecDiagnostics.missingValue(subject, at: node.range))
      return nil
    }
    return scalar
  }

  /// Reports a type mismatch, adding a hint when a quoted number or boolean was meant as one.
  func mismatch(_ node: YAMLNode, _ subject: String, expected: String, suggestion: String? = nil) {
    var hint = suggestion
    if hint == nil, let s = node.scalar, s.style != .plain {
      let plain = YAMLScalar(s.value)
      if ScalarValue.isNumber(plain) || ScalarValue.bool(plain) != .notABoolean {
        hint = "remove the quotes: a quoted value is always a string"
      }
    }
    emit(SpecDiagnostics.typeMismatch(subject, expected: expected, found: describe(node), at: node.range,
                                      suggestion: hint))
  }

  /// What a node is, in words, following this stage's scalar rules: plain `inf` is a
  /// string here although Swift's `Double("inf")` would read it.
  func describe(_ node: YAMLNode) -> String {
    guard let s = node.scalar, s.style == .plain, !s.isNull else { return node.describedKind }
    let shown = s.value.count > 40 ? String(s.value.prefix(40)) + "..." : s.value
    if ScalarValue.isNumber(s) { return "the number \(shown)" }
    if s.value == "true" || s.value == "false" { return "the boolean \(shown)" }
    return "the string '\(shown)'"
  }

  /// A one-character range at the start of `node` (or its first key, for a mapping), for
  /// diagnostics about a whole mapping such as a missing key.
  func head(_ node: YAMLNode) -> SourceRange {
    if let first = node.mapping?.first { return first.key.range }
    return SourceRange(file: node.range.file, at: node.range.start)
  }
}
