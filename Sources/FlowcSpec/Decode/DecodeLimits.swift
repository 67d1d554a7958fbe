import FlowcDiagnostics

extension SpecDecoder {
  /// `limits:`: resource budgets.
  func decodeLimits(_ node: YAMLNode, _ subject: String) -> LimitsSpec? {
    guard let r = MappingReader.open(node, subject, place: "in 'limits'", section: .limits, decoder: self) else { return nil }
    var spec = LimitsSpec(range: node.range)
    spec.memory = r.optional("memory", ValueReader { $0.decodeMemory($1, $2) })
    r.finish()
    return spec
  }

  /// Memory units: binary (KiB ... TiB, powers of 1024) and decimal (kB ... TB, powers of 1000).
  static let memoryUnits: [(name: String, bytes: Int)] = [
    ("B", 1), ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40),
    ("kB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("TB", 1_000_000_000_000),
  ]

  /// `memory:`: a plain integer number of bytes, or a string with a unit (`4 GiB`,
  /// `512MiB`, `1.5 GB`, `100 kB`). A fractional amount is rounded down to whole bytes.
  /// Overflow is reported, never trapped on.
  func decodeMemory(_ node: YAMLNode, _ subject: String) -> Located<Int>? {
    let expected = "a number of bytes or an amount with a unit such as '4 GiB'"
    guard let scalar = scalarValue(node, subject, expected: expected) else { return nil }
    if scalar.style == .plain {
      switch ScalarValue.int(scalar) {
      case .value(let bytes): return Located(bytes, at: node.range)
      case .tooLarge, .digitSeparators: return int(node, subject)
      case .notAnInteger:
        if !ScalarValue.isString(scalar) {
          mismatch(node, subject, expected: expected,
                   suggestion: ScalarValue.isNumber(scalar) ? "write a whole number of bytes, or a unit: '\(scalar.value) GB'" : nil)
          return nil
        }
      }
    }
    return parseMemory(scalar.value, at: node.range).map { Located($0, at: node.range) }
  }

  /// Parses `<number> <unit>`; reports and returns nil if it cannot.
  func parseMemory(_ text: String, at range: SourceRange) -> Int? {
    let chars = Array(text.trimmingSpaces())
    var i = 0
    var negative = false
    if i < chars.count, chars[i] == "-" || chars[i] == "+" {
      negative = chars[i] == "-"
      i += 1
    }
    var whole = ""
    while i < chars.count, chars[i].isASCII, chars[i].isNumber { whole.append(chars[i]); i += 1 }
    var fraction = ""
    if i < chars.count, chars[i] == "." {
      i += 1
      while i < chars.count, chars[i].isASCII, chars[i].isNumber { fraction.append(chars[i]); i += 1 }
    }
    guard !whole.isEmpty || !fraction.isEmpty else {
      emit(SpecDiagnostics.memoryFormat(text, at: range))
      return nil
    }
    while i < chars.count, chars[i] == " " { i += 1 }
    let unit = String(chars[i...])
    guard let multiplier = Self.memoryUnits.first(where: { $0.name == unit })?.bytes else {
      emit(SpecDiagnostics.memoryUnit(unit, at: range, suggestion: Self.unitSuggestion(unit, number: whole)))
      return nil
    }
    // whole * multiplier + fraction * multiplier / 10^digits, in integers, checking for
    // overflow; fraction * multiplier is computed in 128 bits (it is below 10^digits *
    // multiplier), and digits past the 18th cannot change the result by a whole byte.
    guard let w = Int(whole.isEmpty ? "0" : whole) else {
      emit(SpecDiagnostics.memoryTooLarge(text, at: range))
      return nil
    }
    let (scaled, overflow) = w.multipliedReportingOverflow(by: multiplier)
    var bytes = scaled
    var tooLarge = overflow
    let digits = String(fraction.prefix(18))
    if !tooLarge, !digits.isEmpty, let f = Int(digits) {
      var divisor = 1
      for _ in 0..<digits.count { divisor *= 10 }
      let product = f.multipliedFullWidth(by: multiplier)
      let (part, _) = divisor.dividingFullWidth(product)
      let (sum, o) = bytes.addingReportingOverflow(part)
      bytes = sum
      tooLarge = o
    }
    guard !tooLarge else {
      emit(SpecDiagnostics.memoryTooLarge(text, at: range))
      return nil
    }
    return negative ? -bytes : bytes
  }

  /// "did you mean ..." for a unit: `GB`/`GiB` for a bare or miscased `G`, the nearest
  /// unit otherwise, or the list of units.
  static func unitSuggestion(_ unit: String, number: String) -> String {
    let amount = number.isEmpty ? "4" : number
    if unit.isEmpty {
      return "write the number without quotes for bytes, or add a unit, e.g. '\(amount) MiB'"
    }
    let prefixes: [Character: (String, String)] = [
      "k": ("kB", "KiB"), "m": ("MB", "MiB"), "g": ("GB", "GiB"), "t": ("TB", "TiB"),
    ]
    if let first = unit.lowercased().first, let (decimal, binary) = prefixes[first],
       ["", "b", "i", "ib", "byte", "bytes"].contains(unit.lowercased().dropFirst()) {
      return "did you mean '\(decimal)' (decimal) or '\(binary)' (binary)?"
    }
    if let near = SpecDiagnostics.nearest(unit, among: memoryUnits.map(\.name)), near != "B" {
      return "did you mean '\(near)'?"
    }
    return "the units are " + SpecDiagnostics.quotedList(memoryUnits.map(\.name))
  }
}

extension String {
  /// Without leading and trailing spaces and tabs.
  fileprivate func trimmingSpaces() -> Substring {
    var s = Substring(self)
    while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
    while let c = s.last, c == " " || c == "\t" { s.removeLast() }
    return s
  }
}

/// Parses a memory size written as in `limits.memory` (`8 GiB`, `512MiB`, `1.5 GB`, or
/// a number of bytes), for command-line options that take the same form. Returns nil
/// when the text is not a size or does not fit in 64 bits.
package func parseByteSize(_ text: String) -> Int? {
  let scratch = DiagnosticEngine()
  let decoder = SpecDecoder(diagnostics: scratch)
  let range = SourceRange(file: "<command line>", at: SourceLocation(line: 1, column: 1))
  if let bytes = Int(text) { return bytes }
  guard let bytes = decoder.parseMemory(text, at: range), !scratch.hasErrors else { return nil }
  return bytes
}

extension SpecSection {
  /// `limits:`.
  package static let limits = SpecSection("limits", "Resource budgets checked before anything is allocated.", keys: [
    SpecKey("memory", .oneOf([.integer, .string]),
            "Bytes for parameters, optimizer state and a batch's activations: a number of bytes or an amount such as '8 GiB'.",
            default: "4 GiB"),
  ])
}
