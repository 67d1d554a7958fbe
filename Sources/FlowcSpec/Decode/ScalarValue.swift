/// What a YAML scalar means where the spec expects a number, a boolean or a string.
///
/// The rules are the YAML 1.2 core schema, made deliberately stricter so that every
/// spec means one thing and no spelling changes meaning silently:
///
/// - Only *plain* (unquoted) scalars are numbers, booleans or null. A quoted or block
///   scalar is always a string: `"1"` where an integer is expected is a type error.
/// - Null: an empty plain scalar, `~`, `null` (`Null`, `NULL`). A key whose value is
///   null is reported as a missing value; no key means "use the default".
/// - Booleans: exactly `true` and `false`. YAML 1.1's `yes`/`no`/`on`/`off`/`y`/`n` and
///   the capitalised `True`/`FALSE` are errors where a boolean is expected (the "Norway
///   problem": YAML 1.1 reads the country code `NO` as false), with a suggestion.
/// - Integers: decimal digits with an optional sign, `[-+]?[0-9]+`. No hexadecimal,
///   octal or binary forms, and no YAML 1.1 digit separators (`1_000` is an error that
///   suggests `1000`). A literal outside Int64 is its own error, never a trap.
/// - Floats: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, so `1e-4`, `0.0001`,
///   `.5`, `5.` and `-3`; and `.inf`, `+.inf`, `-.inf`, `.nan` (also `.Inf`, `.INF`,
///   `.NaN`, `.NAN`). An integer is fine where a float is expected. Non-finite values
///   are read here and rejected by the validator where they make no sense; a finite
///   literal too large for a Double (`1e999`) is an error, as it cannot mean infinity.
/// - Any other plain scalar is a string (`relu`, `4 GiB`, `yes`, `inf`, `0x10`).
enum ScalarValue {
  /// Reading a scalar as an integer.
  enum IntReading: Equatable {
    case value(Int)
    /// Matches the integer pattern but lies outside Int64.
    case tooLarge
    /// `1_000`; the payload is the number without separators.
    case digitSeparators(String)
    case notAnInteger
  }

  /// Reading a scalar as a float.
  enum DoubleReading: Equatable {
    case value(Double)
    /// A finite literal that overflows to infinity.
    case outOfRange
    /// `1_000.5`; the payload is the number without separators.
    case digitSeparators(String)
    case notANumber
  }

  /// Reading a scalar as a boolean.
  enum BoolReading: Equatable {
    case value(Bool)
    /// A YAML 1.1 or capitalised spelling; the payload is what it was meant to say.
    case misspelt(Bool)
    case notABoolean
  }

  /// The plain spellings of infinity and NaN in the core schema.
  private static let specialFloats: [String: Double] = [
    ".inf": .infinity, ".Inf": .infinity, ".INF": .infinity,
    "+.inf": .infinity, "+.Inf": .infinity, "+.INF": .infinity,
    "-.inf": -.infinity, "-.Inf": -.infinity, "-.INF": -.infinity,
    ".nan": .nan, ".NaN": .nan, ".NAN": .nan,
  ]

  /// YAML 1.1 boolean words and capitalised core-schema booleans, with what they meant.
  private static let misspeltBooleans: [String: Bool] = {
    var table: [String: Bool] = [:]
    for word in ["yes", "on", "y", "True", "TRUE"] { table[word] = true }
    for word in ["no", "off", "n", "False", "FALSE"] { table[word] = false }
    for (word, meaning) in table where word.count > 1 && word.lowercased() == word {
      table[word.capitalized] = meaning
      table[word.uppercased()] = meaning
    }
    table["Y"] = true
    table["N"] = false
    return table
  }()

  /// Reads `scalar` as an integer.
  static func int(_ scalar: YAMLScalar) -> IntReading {
    guard scalar.style == .plain else { return .notAnInteger }
    let text = scalar.value
    if isIntegerLiteral(text) {
      return Int(text).map(IntReading.value) ?? .tooLarge
    }
    if let cleaned = withoutSeparators(text), isIntegerLiteral(cleaned) { return .digitSeparators(cleaned) }
    return .notAnInteger
  }

  /// Reads `scalar` as a float (integers included).
  static func double(_ scalar: YAMLScalar) -> DoubleReading {
    guard scalar.style == .plain else { return .notANumber }
    let text = scalar.value
    if let special = specialFloats[text] { return .value(special) }
    if isFloatLiteral(text) {
      guard let x = Double(text) else { return .notANumber }
      return x.isFinite ? .value(x) : .outOfRange
    }
    if let cleaned = withoutSeparators(text), isFloatLiteral(cleaned) { return .digitSeparators(cleaned) }
    return .notANumber
  }

  /// Reads `scalar` as a boolean.
  static func bool(_ scalar: YAMLScalar) -> BoolReading {
    guard scalar.style == .plain else { return .notABoolean }
    switch scalar.value {
    case "true": return .value(true)
    case "false": return .value(false)
    default: return misspeltBooleans[scalar.value].map(BoolReading.misspelt) ?? .notABoolean
    }
  }

  /// Whether `scalar` is a string under these rules: quoted, or plain but not null,
  /// `true`/`false` or a number.
  static func isString(_ scalar: YAMLScalar) -> Bool {
    guard scalar.style == .plain else { return true }
    if scalar.isNull || scalar.value == "true" || scalar.value == "false" { return false }
    return !isFloatLiteral(scalar.value) && specialFloats[scalar.value] == nil
  }

  /// Whether `scalar` is a plain number (integer or float, in or out of range).
  static func isNumber(_ scalar: YAMLScalar) -> Bool {
    scalar.style == .plain && (isFloatLiteral(scalar.value) || specialFloats[scalar.value] != nil)
  }

  // MARK: - Patterns

  /// `[-+]?[0-9]+`
  static func isIntegerLiteral(_ text: String) -> Bool {
    var bytes = Substring(text).utf8[...]
    if let first = bytes.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
    return !bytes.isEmpty && bytes.allSatisfy(isDigit)
  }

  /// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?` (integers included).
  static func isFloatLiteral(_ text: String) -> Bool {
    let b = Array(text.utf8)
    var i = 0
    if i < b.count, b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+") { i += 1 }
    let intStart = i
    while i < b.count, isDigit(b[i]) { i += 1 }
    let intDigits = i - intStart
    var fracDigits = 0
    if i < b.count, b[i] == UInt8(ascii: ".") {
      i += 1
      let fracStart = i
      while i < b.count, isDigit(b[i]) { i += 1 }
      fracDigits = i - fracStart
    }
    guard intDigits > 0 || fracDigits > 0 else { return false }
    if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
      i += 1
      if i < b.count, b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+") { i += 1 }
      let expStart = i
      while i < b.count, isDigit(b[i]) { i += 1 }
      guard i > expStart else { return false }
    }
    return i == b.count
  }

  /// `text` without `_` if it has some between digits (YAML 1.1 separators), else nil.
  private static func withoutSeparators(_ text: String) -> String? {
    guard text.contains("_"), let first = text.utf8.first, first != UInt8(ascii: "_"),
          text.utf8.last != UInt8(ascii: "_") else { return nil }
    return text.filter { $0 != "_" }
  }

  private static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
}
