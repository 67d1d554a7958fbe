#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#else
  import Darwin
#endif

/// How a CSV reader treats the first non-blank line.
public enum CSVHeader: Sendable, Equatable {
  /// A header when every one of its fields is a name: it starts with a letter, `_` or a
  /// quote and is not a spelling of NaN or infinity (`x,y` and `"a","b"` are headers;
  /// `1,2`, `0x10,3`, `1.2.3,4` and `x,1` are data rows, and a field of them that is not
  /// a number is an error at line 1).
  case auto
  /// The first line is always a header and is skipped.
  case present
  /// Every line is data.
  case absent
}

/// Reads a numeric CSV file (plain or gzipped) into a dataset: one row per line, every row
/// the same width, every field a finite number that fits a 32-bit float.
///
/// Fields are separated by commas (with optional spaces around them) when the first data
/// line holds a comma, otherwise by runs of spaces or tabs (what `np.savetxt` writes by
/// default). Blank lines and lines starting with `#` are skipped; `\r\n` line ends are
/// accepted. Lines and columns in messages count from 1, as editors do.
///
/// - Parameters:
///   - path: the file.
///   - header: whether the first line is a header.
///   - limits: the memory bounds.
/// - Throws: `DataError` with `notANumber`, `notFinite` (NaN, infinity, or beyond Float's
///   range), `raggedRow`, `empty` or a read error.
public func readCSV(_ path: String, header: CSVHeader = .auto, limits: ReadLimits = .standard) throws -> Dataset {
  try decodeCSV(readFileBytes(path, limits: limits), path: path, header: header)
}

/// `readCSV` on bytes already read (and inflated); `path` names them in errors.
public func decodeCSV(_ bytes: [UInt8], path: String, header: CSVHeader = .auto) throws -> Dataset {
  try decodeCSVTable(bytes, path: path, header: header).data
}

/// A CSV file's rows with the names of its header line, if it has one.
public struct CSVTable: Sendable, Equatable {
  /// Every column of every row.
  public var data: Dataset
  /// The header's names in column order (quotes removed), or nil for a file without a
  /// header line.
  public var header: [String]?
}

/// `readCSV`, keeping the header's names (for a context taken from named columns).
public func readCSVTable(_ path: String, header: CSVHeader = .auto, limits: ReadLimits = .standard) throws -> CSVTable {
  try decodeCSVTable(readFileBytes(path, limits: limits), path: path, header: header)
}

/// `readCSVTable` on bytes already read (and inflated); `path` names them in errors.
public func decodeCSVTable(_ bytes: [UInt8], path: String, header: CSVHeader = .auto) throws -> CSVTable {
  var bytes = bytes
  if let found = binaryFormat(of: bytes) { throw DataError(path: path, .formatMismatch(declared: "csv", found: found)) }
  // A terminating NUL so strtod can never run past the buffer.
  bytes.append(0)
  return try bytes.withUnsafeBufferPointer { buf in
    var parser = CSVParser(buf: buf, path: path, header: header)
    let data = try parser.parse()
    return CSVTable(data: data, header: parser.names)
  }
}

/// The line-by-line state of one CSV read.
private struct CSVParser {
  /// The file's bytes, NUL-terminated.
  let buf: UnsafeBufferPointer<UInt8>
  /// The file name for error messages.
  let path: String
  /// The header policy.
  let header: CSVHeader
  /// True once the separator has been chosen from the first data line.
  var separatorChosen = false
  /// True for comma-separated, false for whitespace-separated.
  var commaSeparated = false
  /// The parsed values, row-major.
  var values = [Float]()
  /// The width every row must have, fixed by the first row (header or data).
  var width: Int?
  /// The line that fixed `width`, for the ragged-row message.
  var widthLine = 0
  /// The number of data rows so far.
  var rows = 0
  /// Field (start, end) offsets of the current line, reused between lines.
  var fields = [(Int, Int)]()
  /// The header's names, once a header line is read.
  var names: [String]?

  /// Starts a parse of `buf` (NUL-terminated).
  init(buf: UnsafeBufferPointer<UInt8>, path: String, header: CSVHeader) {
    self.buf = buf
    self.path = path
    self.header = header
  }

  /// Reads every line and returns the dataset.
  mutating func parse() throws -> Dataset {
    let end = buf.count - 1  // the NUL
    var lineStart = 0
    var lineNumber = 0
    var sawFirstLine = false
    while lineStart < end {
      lineNumber += 1
      var lineEnd = lineStart
      while lineEnd < end && buf[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
      defer { lineStart = lineEnd + 1 }
      var a = lineStart
      var b = lineEnd
      while a < b && isSpace(buf[a]) { a += 1 }
      while b > a && (isSpace(buf[b - 1]) || buf[b - 1] == UInt8(ascii: "\r")) { b -= 1 }
      if a == b || buf[a] == UInt8(ascii: "#") { continue }

      if !separatorChosen {
        commaSeparated = buf[a..<b].contains(UInt8(ascii: ","))
        separatorChosen = true
      }
      splitFields(a, b)
      if !sawFirstLine {
        sawFirstLine = true
        let isHeader: Bool
        switch header {
        case .present: isHeader = true
        case .absent: isHeader = false
        case .auto: isHeader = fields.allSatisfy { isName($0.0, $0.1) }
        }
        if isHeader {
          width = fields.count
          widthLine = lineNumber
          names = fields.map(name)
          continue
        }
      }
      if let width, fields.count != width {
        throw DataError(
          path: path, .raggedRow(line: lineNumber, columns: fields.count, expected: width, firstLine: widthLine))
      }
      if width == nil {
        width = fields.count
        widthLine = lineNumber
      }
      for (k, f) in fields.enumerated() {
        guard let v = parseNumber(f.0, f.1) else {
          throw DataError(path: path, .notANumber(line: lineNumber, column: k + 1, text: text(f)))
        }
        let x = Float(v)
        guard v.isFinite, x.isFinite else {
          throw DataError(path: path, .notFinite(line: lineNumber, column: k + 1, text: text(f)))
        }
        values.append(x)
      }
      rows += 1
    }
    guard rows > 0, let width, width > 0 else { throw DataError(path: path, .empty) }
    return Dataset(values: values, count: rows, dimension: width, source: path)
  }

  /// Fills `fields` with the (start, end) offsets of the fields in `a..<b` (already trimmed).
  mutating func splitFields(_ a: Int, _ b: Int) {
    fields.removeAll(keepingCapacity: true)
    var i = a
    if commaSeparated {
      while true {
        var j = i
        while j < b && buf[j] != UInt8(ascii: ",") { j += 1 }
        var s = i
        var e = j
        while s < e && isSpace(buf[s]) { s += 1 }
        while e > s && isSpace(buf[e - 1]) { e -= 1 }
        fields.append((s, e))
        if j >= b { break }
        i = j + 1
      }
    } else {
      while i < b {
        var j = i
        while j < b && !isSpace(buf[j]) { j += 1 }
        fields.append((i, j))
        while j < b && isSpace(buf[j]) { j += 1 }
        i = j
      }
    }
  }

  /// Whether `s..<e` is a header field: it starts with a letter, `_` or a quote, and is
  /// not a NaN or infinity spelling (those are data, rejected as not finite).
  func isName(_ s: Int, _ e: Int) -> Bool {
    guard s < e else { return false }
    let c = buf[s] | 0x20  // lower case for letters
    let startsLikeName = (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || buf[s] == UInt8(ascii: "_")
      || buf[s] == UInt8(ascii: "\"") || buf[s] == UInt8(ascii: "'")
    return startsLikeName && !isSpecialNumber(s, e)
  }

  /// `nan`, `inf` or `infinity` in any case, with an optional sign.
  func isSpecialNumber(_ s: Int, _ e: Int) -> Bool {
    var a = s
    if a < e, buf[a] == UInt8(ascii: "+") || buf[a] == UInt8(ascii: "-") { a += 1 }
    let word = String(decoding: UnsafeBufferPointer(rebasing: buf[a..<e]), as: UTF8.self).lowercased()
    return word == "nan" || word == "inf" || word == "infinity"
  }

  /// Whether `s..<e` is a decimal number as a CSV writes it: an optional sign, digits
  /// with an optional fraction (or a fraction alone), an optional exponent; or a NaN or
  /// infinity spelling. strtod alone would also take hexadecimal (`0x10` as 16) and
  /// hexadecimal floats (`0x1p3`), which no numeric CSV means.
  func isDecimal(_ s: Int, _ e: Int) -> Bool {
    if isSpecialNumber(s, e) { return true }
    func isDigit(_ i: Int) -> Bool { i < e && buf[i] >= UInt8(ascii: "0") && buf[i] <= UInt8(ascii: "9") }
    var i = s
    if i < e, buf[i] == UInt8(ascii: "+") || buf[i] == UInt8(ascii: "-") { i += 1 }
    var digits = 0
    while isDigit(i) { i += 1; digits += 1 }
    if i < e, buf[i] == UInt8(ascii: ".") {
      i += 1
      while isDigit(i) { i += 1; digits += 1 }
    }
    guard digits > 0 else { return false }
    if i < e, buf[i] == UInt8(ascii: "e") || buf[i] == UInt8(ascii: "E") {
      i += 1
      if i < e, buf[i] == UInt8(ascii: "+") || buf[i] == UInt8(ascii: "-") { i += 1 }
      guard isDigit(i) else { return false }
      while isDigit(i) { i += 1 }
    }
    return i == e
  }

  /// The number in `s..<e`, or nil when it is not a decimal number (`isDecimal`) or
  /// strtod does not consume exactly that text. NaN and infinity parse here and are
  /// rejected by the caller with their own message.
  func parseNumber(_ s: Int, _ e: Int) -> Double? {
    guard s < e, isDecimal(s, e) else { return nil }
    let start = buf.baseAddress! + s
    var endPtr: UnsafeMutablePointer<CChar>?
    let v = start.withMemoryRebound(to: CChar.self, capacity: e - s) { strtod($0, &endPtr) }
    guard let endPtr else { return nil }
    let consumed = UnsafeRawPointer(endPtr) - UnsafeRawPointer(start)
    return consumed == e - s ? v : nil
  }

  /// A header field's name: its text without surrounding quotes.
  func name(_ f: (Int, Int)) -> String {
    var (s, e) = f
    if e - s >= 2, buf[s] == buf[e - 1], buf[s] == UInt8(ascii: "\"") || buf[s] == UInt8(ascii: "'") {
      s += 1
      e -= 1
    }
    return String(decoding: UnsafeBufferPointer(rebasing: buf[s..<e]), as: UTF8.self)
  }

  /// The field's text for messages, shortened past 40 characters.
  func text(_ f: (Int, Int)) -> String {
    let s = String(decoding: UnsafeBufferPointer(rebasing: buf[f.0..<f.1]), as: UTF8.self)
    return s.count > 40 ? String(s.prefix(40)) + "…" : s
  }
}

/// Space or tab.
@inline(__always) private func isSpace(_ c: UInt8) -> Bool {
  c == 0x20 || c == 0x09
}

/// The binary format `bytes` start like, for a file read as text: a NumPy `.npy` (its
/// magic `\x93NUMPY`) or an IDX file (two zero bytes, then a type code 0x08-0x0E and a
/// rank 1-4); nil for anything else.
func binaryFormat(of bytes: [UInt8]) -> String? {
  if bytes.count >= 6, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) { return "npy" }
  if bytes.count >= 4, bytes[0] == 0, bytes[1] == 0, (0x08...0x0E).contains(bytes[2]), (1...4).contains(bytes[3]) { return "idx" }
  return nil
}
