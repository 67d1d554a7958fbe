/// A safetensors header, checked: metadata, and each tensor's dtype, shape and byte range.
///
/// `validateHeader` builds one from the header bytes and the data buffer's size before any
/// tensor storage is allocated, so a hostile header costs at most its own (capped) length.
struct SafeTensorsHeader: Equatable {
  /// One tensor's entry; `range` is relative to the data buffer and is the exact size
  /// `shape` and `dtype` call for.
  struct Entry: Equatable {
    let name: String
    let dtype: SafeTensorDType
    let shape: [Int]
    let range: Range<Int>
  }

  /// The `__metadata__` strings (empty when the key is absent or null).
  let metadata: [String: String]
  /// The tensors, in header order.
  let entries: [Entry]
}

/// The largest header accepted, in bytes (the reference implementation's limit).
let maxHeaderBytes = 100_000_000

/// Parses and checks a header against the data buffer that follows it.
///
/// Checks, in order: UTF-8; then, member by member as the JSON is parsed, a top-level object,
/// `__metadata__` a map of strings, each tensor an object with a known `dtype`, a `shape` of
/// non-negative integers and `data_offsets` `[begin, end]` with `begin <= end`, no name twice,
/// the shape's byte count (computed without overflow) equal to `end - begin`; finally the
/// ranges covering the buffer from 0 with no overlap or gap, and the covered length equal to
/// `bufferSize`.
///
/// - Parameters:
///   - bytes: the header, as stored (padding included).
///   - bufferSize: the number of bytes after the header.
///   - path: the file name for error messages.
/// - Throws: `SafeTensorsError`.
func validateHeader(_ bytes: [UInt8], bufferSize: Int, path: String) throws -> SafeTensorsHeader {
  func fail(_ problem: SafeTensorsError.Problem) -> SafeTensorsError { SafeTensorsError(path: path, problem) }

  guard isValidUTF8(bytes) else { throw fail(.headerNotUTF8) }
  var metadata: [String: String] = [:]
  var entries: [SafeTensorsHeader.Entry] = []
  var seen: Set<String> = []
  let other: HeaderJSON?
  do {
    // Each member is checked as soon as it is parsed, so a bad header stops at its first bad
    // entry and only checked entries are kept.
    other = try parseHeaderJSON(bytes) { name, value in
      guard seen.insert(name).inserted else {
        if name == reservedMetadataKey {
          throw fail(.invalidHeader(reason: "'__metadata__' appears twice"))
        }
        throw fail(.duplicateName(name: name))
      }
      if name == reservedMetadataKey {
        metadata = try decodeMetadata(value, path: path)
      } else {
        entries.append(try decodeEntry(name: name, value, path: path))
      }
    }
  } catch let error as HeaderJSONSyntaxError {
    throw fail(.malformedJSON(reason: error.reason, offset: error.offset))
  }
  if let other {
    throw fail(.invalidHeader(reason: "the header is \(other.kind), not an object of tensors"))
  }
  try checkCoverage(entries, bufferSize: bufferSize, path: path)
  return SafeTensorsHeader(metadata: metadata, entries: entries)
}

/// Decodes `__metadata__`: an object of string values (or null, meaning none).
private func decodeMetadata(_ value: HeaderJSON, path: String) throws -> [String: String] {
  func fail(_ reason: String) -> SafeTensorsError { SafeTensorsError(path: path, .invalidHeader(reason: reason)) }
  if value == .null { return [:] }
  guard case .object(let pairs) = value else {
    throw fail("'__metadata__' is \(value.kind), not an object of strings")
  }
  var metadata: [String: String] = [:]
  for (key, item) in pairs {
    guard case .string(let text) = item else {
      throw fail("metadata \(quoted(key)) is \(item.kind), not a string")
    }
    guard metadata.updateValue(text, forKey: key) == nil else {
      throw fail("metadata key \(quoted(key)) appears twice")
    }
  }
  return metadata
}

/// Decodes one tensor entry and checks its dtype, shape and size (not yet its place).
private func decodeEntry(name: String, _ value: HeaderJSON, path: String) throws -> SafeTensorsHeader.Entry {
  func fail(_ reason: String) -> SafeTensorsError { SafeTensorsError(path: path, .invalidEntry(name: name, reason: reason)) }
  guard case .object(let pairs) = value else { throw fail("the entry is \(value.kind), not an object") }
  var fields: [String: HeaderJSON] = [:]
  for (key, item) in pairs {
    // Keys other than the three are ignored, as the reference implementation does.
    guard fields.updateValue(item, forKey: key) == nil else { throw fail("\(quoted(key)) appears twice") }
  }

  guard let dtypeValue = fields["dtype"] else { throw fail("no 'dtype'") }
  guard case .string(let dtypeName) = dtypeValue else { throw fail("'dtype' is \(dtypeValue.kind), not a string") }
  guard let dtype = SafeTensorDType(rawValue: dtypeName) else {
    throw SafeTensorsError(path: path, .unknownDType(name: name, dtype: dtypeName))
  }

  guard let shapeValue = fields["shape"] else { throw fail("no 'shape'") }
  guard case .array(let dims) = shapeValue else { throw fail("'shape' is \(shapeValue.kind), not a list") }
  var dimTexts: [String] = []
  for dim in dims {
    guard case .number(let text) = dim, isIntegerLiteral(text) else {
      throw fail("'shape' holds \(dim.kind), not an integer")
    }
    dimTexts.append(text)
  }
  // An integer too long for `Int` (either sign) is an overflow; a negative one that fits is a
  // negative dimension (`-0` is zero, as JSON has it).
  let parsed = dimTexts.compactMap { Int($0) }
  guard parsed.count == dimTexts.count else {
    throw SafeTensorsError(path: path, .shapeOverflow(name: name, shape: dimTexts, dtype: dtype))
  }
  let shape = parsed
  let needed = try byteCount(name: name, shape: shape, dtype: dtype, path: path)

  guard let offsetsValue = fields["data_offsets"] else { throw fail("no 'data_offsets'") }
  guard case .array(let offsets) = offsetsValue, offsets.count == 2 else {
    throw fail("'data_offsets' is \(offsetsValue.kind), not a list [begin, end]")
  }
  var bounds: [Int] = []
  for offset in offsets {
    guard case .number(let text) = offset, isIntegerLiteral(text), !text.hasPrefix("-") else {
      throw fail("'data_offsets' holds \(offset.kind), not a non-negative integer")
    }
    guard let n = Int(text) else { throw fail("'data_offsets' holds \(offset.kind), too large for a file offset") }
    bounds.append(n)
  }
  let (begin, end) = (bounds[0], bounds[1])
  guard begin <= end else {
    throw fail("'data_offsets' [\(grouped(begin)), \(grouped(end))] ends before it begins")
  }
  guard end - begin == needed else {
    throw SafeTensorsError(
      path: path,
      .sizeMismatch(name: name, shape: shape, dtype: dtype, expectedBytes: needed, actualBytes: end - begin))
  }
  return .init(name: name, dtype: dtype, shape: shape, range: begin..<end)
}

/// True when `bytes` is well-formed UTF-8: decoding repairs bad sequences with U+FFFD, so the
/// bytes are valid exactly when decoding and re-encoding gives them back (`String(validating:)`
/// would do, but needs macOS 15).
private func isValidUTF8(_ bytes: [UInt8]) -> Bool {
  String(decoding: bytes, as: UTF8.self).utf8.elementsEqual(bytes)
}

/// True for a JSON number without fraction or exponent: `0`, `-12`, `3219552`.
private func isIntegerLiteral(_ text: String) -> Bool {
  !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" })
}

/// Checks that the ranges tile `0..<bufferSize`: sorted by start, each begins where the
/// previous ended, and the last ends at the buffer's end.
private func checkCoverage(_ entries: [SafeTensorsHeader.Entry], bufferSize: Int, path: String) throws {
  // Sort by (begin, end) so an empty tensor sits before a non-empty one at the same offset;
  // the enumeration index keeps the order stable for ties (equal empty ranges).
  let sorted = entries.enumerated().sorted {
    ($0.element.range.lowerBound, $0.element.range.upperBound, $0.offset)
      < ($1.element.range.lowerBound, $1.element.range.upperBound, $1.offset)
  }.map(\.element)
  var covered = 0
  var previous: SafeTensorsHeader.Entry?
  for entry in sorted {
    if entry.range.lowerBound < covered, let previous {
      throw SafeTensorsError(
        path: path,
        .overlap(first: previous.name, firstRange: previous.range, second: entry.name, secondRange: entry.range))
    }
    if entry.range.lowerBound > covered {
      throw SafeTensorsError(path: path, .gap(range: covered..<entry.range.lowerBound, after: previous?.name))
    }
    covered = entry.range.upperBound
    // An empty tensor covers nothing, so the last non-empty one is the one to blame for overlaps.
    if !entry.range.isEmpty || previous == nil { previous = entry }
  }
  if covered > bufferSize {
    throw SafeTensorsError(path: path, .truncated(declaredBytes: covered, actualBytes: bufferSize))
  }
  if covered < bufferSize {
    throw SafeTensorsError(path: path, .trailingBytes(declaredBytes: covered, actualBytes: bufferSize))
  }
}
