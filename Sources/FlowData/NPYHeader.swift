/// The header of a NumPy `.npy` file (format versions 1.0, 2.0 and 3.0).
///
/// Layout, from numpy's `numpy/lib/format.py`: the magic `\x93NUMPY`, a major and a minor
/// version byte, the header length (little-endian: 2 bytes in 1.0, 4 bytes in 2.0 and 3.0),
/// then that many bytes of a Python dict literal such as
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (100, 2), }` padded with spaces and
/// a newline; the array's bytes follow. Version 3.0 differs from 2.0 only in allowing UTF-8
/// in the header, which this parser accepts since it only looks at ASCII tokens.
struct NPYHeader: Equatable {
  /// The dtype string, e.g. `<f4`.
  var descr: String
  /// True for column-major storage.
  var fortranOrder: Bool
  /// The array's shape, outermost first.
  var shape: [Int]
  /// Where the data starts, in bytes from the start of the file.
  var dataOffset: Int

  /// The magic string every `.npy` file starts with.
  static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

  /// Parses the preamble and dict at the start of `bytes`.
  ///
  /// - Throws: `DataError` with `wrongMagic` or `malformedHeader`.
  init(parsing bytes: [UInt8], path: String) throws {
    guard bytes.count >= 10, Array(bytes[0..<6]) == Self.magic else {
      let found = bytes.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
      throw DataError(path: path, .wrongMagic(found: found, expected: 0x934E_554D, format: "a NumPy .npy file (\\x93NUMPY)"))
    }
    let major = bytes[6]
    let length: Int
    let start: Int
    switch major {
    case 1:
      length = Int(bytes[8]) | Int(bytes[9]) << 8
      start = 10
    case 2, 3:
      guard bytes.count >= 12 else { throw DataError(path: path, .malformedHeader(reason: "the file ends inside the preamble")) }
      length = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
      start = 12
    default:
      throw DataError(
        path: path, .malformedHeader(reason: "format version \(major).\(bytes[7]) is not supported (1.0, 2.0 and 3.0 are)"))
    }
    guard start + length <= bytes.count else {
      throw DataError(
        path: path,
        .malformedHeader(reason: "the header claims \(length) bytes but the file ends after \(bytes.count - start)"))
    }
    var parser = DictParser(bytes: bytes[start..<start + length], path: path)
    let dict = try parser.parseDict()
    guard Set(dict.keys) == ["descr", "fortran_order", "shape"] else {
      throw DataError(
        path: path,
        .malformedHeader(
          reason: "the header has keys \(dict.keys.sorted()) but needs exactly descr, fortran_order and shape"))
    }
    guard case .string(let descr)? = dict["descr"] else {
      if case .list? = dict["descr"] {
        throw DataError(path: path, .unsupportedDType(dtype: "a structured dtype", supported: NPYElementType.names))
      }
      throw DataError(path: path, .malformedHeader(reason: "'descr' is not a string"))
    }
    guard case .bool(let fortran)? = dict["fortran_order"] else {
      throw DataError(path: path, .malformedHeader(reason: "'fortran_order' is not True or False"))
    }
    guard case .tuple(let shape)? = dict["shape"] else {
      throw DataError(path: path, .malformedHeader(reason: "'shape' is not a tuple of integers"))
    }
    self.descr = descr
    self.fortranOrder = fortran
    self.shape = shape
    self.dataOffset = start + length
  }
}

/// The values a header dict can hold, as far as `.npy` headers use them.
enum DictValue: Equatable {
  /// A quoted string, e.g. `'<f4'`.
  case string(String)
  /// `True` or `False`.
  case bool(Bool)
  /// A tuple of non-negative integers, e.g. `(100, 2)`.
  case tuple([Int])
  /// A list (a structured dtype's fields); its contents are skipped.
  case list
}

/// A parser for the small Python-literal subset of `.npy` headers: a dict with string keys
/// whose values are strings, True/False, tuples of integers (Python 2 files may write
/// `3L`), or lists (structured dtypes, rejected later).
struct DictParser {
  /// The header bytes.
  let bytes: ArraySlice<UInt8>
  /// The file name for error messages.
  let path: String
  /// The read position.
  var i: Int

  /// Starts at the first header byte.
  init(bytes: ArraySlice<UInt8>, path: String) {
    self.bytes = bytes
    self.path = path
    self.i = bytes.startIndex
  }

  /// Parses `{key: value, ...}`.
  mutating func parseDict() throws -> [String: DictValue] {
    try expect(UInt8(ascii: "{"))
    var dict = [String: DictValue]()
    while true {
      skipSpace()
      if peek() == UInt8(ascii: "}") { i += 1; return dict }
      let key = try parseString()
      try expect(UInt8(ascii: ":"))
      dict[key] = try parseValue()
      skipSpace()
      if peek() == UInt8(ascii: ",") { i += 1 } else if peek() != UInt8(ascii: "}") { throw fail("expected ',' or '}'") }
    }
  }

  /// Parses one value.
  mutating func parseValue() throws -> DictValue {
    skipSpace()
    switch peek() {
    case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try parseString())
    case UInt8(ascii: "("): return .tuple(try parseTuple())
    case UInt8(ascii: "["):
      // A structured dtype's field list: skip to the matching bracket.
      var depth = 0
      repeat {
        guard let c = peek() else { throw fail("unterminated list") }
        if c == UInt8(ascii: "[") { depth += 1 } else if c == UInt8(ascii: "]") { depth -= 1 }
        i += 1
      } while depth > 0
      return .list
    default:
      if consume("True") { return .bool(true) }
      if consume("False") { return .bool(false) }
      throw fail("unexpected value")
    }
  }

  /// Parses `(a, b, ...)`, `(a,)` or `()`.
  mutating func parseTuple() throws -> [Int] {
    try expect(UInt8(ascii: "("))
    var items = [Int]()
    while true {
      skipSpace()
      if peek() == UInt8(ascii: ")") { i += 1; return items }
      var v = 0
      var digits = 0
      while let c = peek(), c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") {
        let (m, o1) = v.multipliedReportingOverflow(by: 10)
        let (s, o2) = m.addingReportingOverflow(Int(c - UInt8(ascii: "0")))
        guard !o1, !o2 else { throw fail("a dimension does not fit in 64 bits") }
        v = s
        digits += 1
        i += 1
      }
      guard digits > 0 else { throw fail("expected a non-negative integer in the shape") }
      if peek() == UInt8(ascii: "L") { i += 1 }
      items.append(v)
      skipSpace()
      if peek() == UInt8(ascii: ",") { i += 1 } else if peek() != UInt8(ascii: ")") { throw fail("expected ',' or ')'") }
    }
  }

  /// Parses a quoted string (no escapes occur in `.npy` headers).
  mutating func parseString() throws -> String {
    skipSpace()
    guard let q = peek(), q == UInt8(ascii: "'") || q == UInt8(ascii: "\"") else { throw fail("expected a quoted string") }
    i += 1
    let begin = i
    while let c = peek(), c != q { i += 1 }
    guard peek() == q else { throw fail("unterminated string") }
    let s = String(decoding: bytes[begin..<i], as: UTF8.self)
    i += 1
    return s
  }

  /// Skips spaces, tabs and newlines.
  mutating func skipSpace() {
    while let c = peek(), c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { i += 1 }
  }

  /// The byte at the read position, or nil at the end.
  func peek() -> UInt8? { i < bytes.endIndex ? bytes[i] : nil }

  /// Skips space, then requires `c`.
  mutating func expect(_ c: UInt8) throws {
    skipSpace()
    guard peek() == c else { throw fail("expected '\(Character(Unicode.Scalar(c)))'") }
    i += 1
  }

  /// Consumes `word` if it comes next.
  mutating func consume(_ word: String) -> Bool {
    let w = Array(word.utf8)
    guard i + w.count <= bytes.endIndex, Array(bytes[i..<i + w.count]) == w else { return false }
    i += w.count
    return true
  }

  /// A malformed-header error that says where parsing stopped.
  func fail(_ what: String) -> DataError {
    DataError(path: path, .malformedHeader(reason: "\(what) at byte \(i - bytes.startIndex) of the header dict"))
  }
}
