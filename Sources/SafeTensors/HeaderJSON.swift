/// A JSON value as the header parser returns it.
///
/// Objects keep their keys in order and with duplicates, so the header check can report a
/// name given twice (Foundation's `JSONSerialization` silently keeps one). Numbers keep their
/// text: the header needs exact integers, and a float or an over-long integer is an error the
/// checker names, not a silently rounded value.
enum HeaderJSON: Equatable {
  case object([(key: String, value: HeaderJSON)])
  case array([HeaderJSON])
  case string(String)
  case number(String)
  case bool(Bool)
  case null

  /// Equality by structure (tuples are not `Equatable`, so objects compare pairwise).
  static func == (a: HeaderJSON, b: HeaderJSON) -> Bool {
    switch (a, b) {
    case (.object(let x), .object(let y)):
      x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    case (.array(let x), .array(let y)): x == y
    case (.string(let x), .string(let y)): x == y
    case (.number(let x), .number(let y)): x == y
    case (.bool(let x), .bool(let y)): x == y
    case (.null, .null): true
    default: false
    }
  }

  /// A short name of the value's kind for messages: `a string`, `a list`, ...
  var kind: String {
    switch self {
    case .object: "an object"
    case .array: "a list"
    case .string: "a string"
    case .number(let text): "the number \(text.count > 30 ? String(text.prefix(30)) + "…" : text)"
    case .bool(let b): b ? "true" : "false"
    case .null: "null"
    }
  }
}

/// Where and why the header is not well-formed JSON.
struct HeaderJSONSyntaxError: Error, Equatable {
  /// What was expected or found, e.g. `expected ',' or '}'`.
  let reason: String
  /// The byte offset in the header.
  let offset: Int
}

// Why this parser is hand-written and not Foundation's JSONSerialization or JSONDecoder: a
// header that names a tensor twice must be refused, and Foundation's JSON keeps one of the two
// values without a word, so the duplicate is gone before any check could see it. It also
// turns numbers into Int or Double, so an offset too long for 64 bits comes back rounded
// instead of refused, and it builds the whole tree before the caller sees a member, where
// this parser hands the members over one at a time.

/// Parses a header: one JSON value filling `bytes` but for surrounding whitespace (RFC 8259),
/// handing each member of a top-level object to `onMember` as soon as it is parsed.
///
/// A recursive-descent parser over the bytes: every read is bounds-checked; nesting is capped
/// at `maxDepth`, so a header of ten million `[` cannot overflow the stack; and the work is
/// linear in the header length. The bytes must already be valid UTF-8.
///
/// Memory stays near the header's own size however it is shaped: members are handed over one
/// at a time (the caller keeps only what it checked, and can stop at the first bad one), and
/// no member's value may hold more than `maxValuesPerMember` values, so `{"w": [0,0,0,…]}`
/// cannot grow into a tree twenty times its text.
///
/// - Returns: `nil` when the top level is an object (its members went to `onMember`), or the
///   value found instead, for the caller to report.
/// - Throws: `HeaderJSONSyntaxError`, or whatever `onMember` throws.
func parseHeaderJSON(
  _ bytes: [UInt8], maxDepth: Int = 64, maxValuesPerMember: Int = 1_000_000,
  onMember: (_ key: String, _ value: HeaderJSON) throws -> Void
) throws -> HeaderJSON? {
  var parser = HeaderJSONParser(bytes: bytes, maxDepth: maxDepth, maxValues: maxValuesPerMember)
  parser.skipWhitespace()
  var other: HeaderJSON?
  if parser.current == UInt8(ascii: "{") {
    try parser.parseMembers(depth: 1) { key, value in try onMember(key, value) }
  } else {
    other = try parser.parseValue(depth: 0)
  }
  parser.skipWhitespace()
  guard parser.position == bytes.count else {
    throw parser.failure("unexpected \(parser.describeCurrent()) after the end of the header object")
  }
  return other
}

/// The parser's state: the bytes and a read position.
private struct HeaderJSONParser {
  let bytes: [UInt8]
  let maxDepth: Int
  let maxValues: Int
  var position = 0
  /// Values parsed since the budget was last reset (at each top-level member).
  var valueCount = 0

  init(bytes: [UInt8], maxDepth: Int, maxValues: Int) {
    self.bytes = bytes
    self.maxDepth = maxDepth
    self.maxValues = maxValues
  }

  /// The byte at the read position, or `nil` at the end.
  var current: UInt8? { position < bytes.count ? bytes[position] : nil }

  /// An error at the read position.
  func failure(_ reason: String) -> HeaderJSONSyntaxError {
    HeaderJSONSyntaxError(reason: reason, offset: position)
  }

  /// `'x'`, `byte 0x07` or `end of header`, for messages.
  func describeCurrent() -> String {
    guard let c = current else { return "end of header" }
    if c >= 0x20, c < 0x7F { return "'\(Character(Unicode.Scalar(c)))'" }
    return "byte 0x" + String(c, radix: 16)
  }

  /// Skips spaces, tabs, line feeds and carriage returns.
  mutating func skipWhitespace() {
    while let c = current, c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { position += 1 }
  }

  /// Parses any value at the read position.
  mutating func parseValue(depth: Int) throws(HeaderJSONSyntaxError) -> HeaderJSON {
    valueCount += 1
    guard valueCount <= maxValues else { throw failure("more than \(grouped(maxValues)) values under one key") }
    guard let c = current else { throw failure("expected a value but found the end of header") }
    switch c {
    case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
    case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
    case UInt8(ascii: "\""): return .string(try parseString())
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
    case UInt8(ascii: "t"): try expectWord("true"); return .bool(true)
    case UInt8(ascii: "f"): try expectWord("false"); return .bool(false)
    case UInt8(ascii: "n"): try expectWord("null"); return .null
    default: throw failure("expected a value but found \(describeCurrent())")
    }
  }

  /// Consumes `word` (`true`, `false`, `null`) or fails.
  mutating func expectWord(_ word: StaticString) throws(HeaderJSONSyntaxError) {
    let start = position
    let expected = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
    for b in expected {
      guard current == b else {
        position = start
        throw failure("expected a value but found \(describeCurrent())")
      }
      position += 1
    }
  }

  /// Parses `{ "key": value, ... }`.
  mutating func parseObject(depth: Int) throws(HeaderJSONSyntaxError) -> HeaderJSON {
    guard depth <= maxDepth else { throw failure("nesting deeper than \(maxDepth) levels") }
    position += 1  // {
    var members: [(key: String, value: HeaderJSON)] = []
    skipWhitespace()
    if current == UInt8(ascii: "}") {
      position += 1
      return .object(members)
    }
    while true {
      skipWhitespace()
      guard current == UInt8(ascii: "\"") else {
        throw failure("expected a quoted key but found \(describeCurrent())")
      }
      let key = try parseString()
      skipWhitespace()
      guard current == UInt8(ascii: ":") else { throw failure("expected ':' but found \(describeCurrent())") }
      position += 1
      skipWhitespace()
      members.append((key, try parseValue(depth: depth)))
      skipWhitespace()
      switch current {
      case UInt8(ascii: ","): position += 1
      case UInt8(ascii: "}"):
        position += 1
        return .object(members)
      default: throw failure("expected ',' or '}' but found \(describeCurrent())")
      }
    }
  }

  /// Parses the top-level object, handing over each member as soon as it is parsed and
  /// resetting the value budget for the next.
  mutating func parseMembers(
    depth: Int, onMember: (String, HeaderJSON) throws -> Void
  ) throws {
    position += 1  // {
    skipWhitespace()
    if current == UInt8(ascii: "}") {
      position += 1
      return
    }
    while true {
      skipWhitespace()
      guard current == UInt8(ascii: "\"") else {
        throw failure("expected a quoted key but found \(describeCurrent())")
      }
      let key = try parseString()
      skipWhitespace()
      guard current == UInt8(ascii: ":") else { throw failure("expected ':' but found \(describeCurrent())") }
      position += 1
      skipWhitespace()
      valueCount = 0
      try onMember(key, try parseValue(depth: depth))
      skipWhitespace()
      switch current {
      case UInt8(ascii: ","): position += 1
      case UInt8(ascii: "}"):
        position += 1
        return
      default: throw failure("expected ',' or '}' but found \(describeCurrent())")
      }
    }
  }

  /// Parses `[ value, ... ]`.
  mutating func parseArray(depth: Int) throws(HeaderJSONSyntaxError) -> HeaderJSON {
    guard depth <= maxDepth else { throw failure("nesting deeper than \(maxDepth) levels") }
    position += 1  // [
    var elements: [HeaderJSON] = []
    skipWhitespace()
    if current == UInt8(ascii: "]") {
      position += 1
      return .array(elements)
    }
    while true {
      skipWhitespace()
      elements.append(try parseValue(depth: depth))
      skipWhitespace()
      switch current {
      case UInt8(ascii: ","): position += 1
      case UInt8(ascii: "]"):
        position += 1
        return .array(elements)
      default: throw failure("expected ',' or ']' but found \(describeCurrent())")
      }
    }
  }

  /// Parses a number and returns its text; the grammar is checked, the value is not computed.
  mutating func parseNumber() throws(HeaderJSONSyntaxError) -> String {
    let start = position
    func digits(_ p: inout HeaderJSONParser) -> Int {
      let s = p.position
      while let c = p.current, c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") { p.position += 1 }
      return p.position - s
    }
    if current == UInt8(ascii: "-") { position += 1 }
    if current == UInt8(ascii: "0") {
      position += 1
    } else if digits(&self) == 0 {
      throw failure("expected a digit but found \(describeCurrent())")
    }
    if current == UInt8(ascii: ".") {
      position += 1
      guard digits(&self) > 0 else { throw failure("expected a digit after '.' but found \(describeCurrent())") }
    }
    if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
      position += 1
      if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
      guard digits(&self) > 0 else { throw failure("expected a digit in the exponent but found \(describeCurrent())") }
    }
    return String(decoding: bytes[start..<position], as: UTF8.self)
  }

  /// Parses a quoted string with its escapes.
  mutating func parseString() throws(HeaderJSONSyntaxError) -> String {
    position += 1  // "
    var out: [UInt8] = []
    while true {
      guard let c = current else { throw failure("unterminated string") }
      switch c {
      case UInt8(ascii: "\""):
        position += 1
        return String(decoding: out, as: UTF8.self)
      case UInt8(ascii: "\\"):
        position += 1
        try parseEscape(into: &out)
      case 0..<0x20:
        throw failure("control character \(describeCurrent()) in a string (it must be escaped)")
      default:
        out.append(c)
        position += 1
      }
    }
  }

  /// Parses the escape after a backslash and appends its UTF-8 bytes.
  mutating func parseEscape(into out: inout [UInt8]) throws(HeaderJSONSyntaxError) {
    guard let c = current else { throw failure("unterminated string") }
    let simple: UInt8? =
      switch c {
      case UInt8(ascii: "\""): 0x22
      case UInt8(ascii: "\\"): 0x5C
      case UInt8(ascii: "/"): 0x2F
      case UInt8(ascii: "b"): 0x08
      case UInt8(ascii: "f"): 0x0C
      case UInt8(ascii: "n"): 0x0A
      case UInt8(ascii: "r"): 0x0D
      case UInt8(ascii: "t"): 0x09
      default: nil
      }
    if let simple {
      out.append(simple)
      position += 1
      return
    }
    guard c == UInt8(ascii: "u") else { throw failure("invalid escape '\\\(describeCurrent())'") }
    position += 1
    var scalar = try parseHex4()
    if (0xD800..<0xDC00).contains(scalar) {
      // A high surrogate must be followed by an escaped low one; together they are one scalar.
      guard current == UInt8(ascii: "\\"), position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "u")
      else { throw failure("unpaired surrogate in a \\u escape") }
      position += 2
      let low = try parseHex4()
      guard (0xDC00..<0xE000).contains(low) else { throw failure("unpaired surrogate in a \\u escape") }
      scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
    }
    guard let u = Unicode.Scalar(scalar) else { throw failure("unpaired surrogate in a \\u escape") }
    out.append(contentsOf: Array(String(Character(u)).utf8))
  }

  /// Parses four hex digits.
  mutating func parseHex4() throws(HeaderJSONSyntaxError) -> UInt32 {
    var value: UInt32 = 0
    for _ in 0..<4 {
      guard let c = current else { throw failure("unterminated \\u escape") }
      let digit: UInt32
      switch c {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
      default: throw failure("expected a hex digit in a \\u escape but found \(describeCurrent())")
      }
      value = value << 4 | digit
      position += 1
    }
    return value
  }
}
