import Foundation

/// The one JSON codec of a run directory's files (run.json, final.json, metrics.jsonl)
/// and of a checkpoint's metadata. Metrics can be infinite or NaN (a diverged run, an
/// empty validation set), which JSON cannot spell: they are written as the strings
/// `"inf"`, `"-inf"` and `"nan"` and read back the same way, everywhere.
package enum RunFileJSON {
  private static let nonFinite = (positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")

  /// An encoder for a whole file (pretty, keys sorted, so files diff well) or for one
  /// line of metrics.jsonl (compact, keys sorted).
  package static func encoder(pretty: Bool) -> JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: nonFinite.positiveInfinity, negativeInfinity: nonFinite.negativeInfinity, nan: nonFinite.nan)
    return encoder
  }

  /// The decoder that reads what `encoder` writes.
  package static var decoder: JSONDecoder {
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: nonFinite.positiveInfinity, negativeInfinity: nonFinite.negativeInfinity, nan: nonFinite.nan)
    return decoder
  }

  /// `value` as one compact JSON line (no newline).
  package static func line(_ value: some Encodable) -> String {
    String(decoding: (try? encoder(pretty: false).encode(value)) ?? Data("{}".utf8), as: UTF8.self)
  }

  /// Writes `value` to `path` atomically (a reader never sees half a file).
  /// - Throws: `RunFileError` naming the file.
  package static func write(_ value: some Encodable, to path: String) throws {
    let data: Data
    do {
      data = try encoder(pretty: true).encode(value)
    } catch {
      throw RunFileError(path: path, problem: "the value cannot be encoded as JSON")
    }
    try RunFileIO.write([UInt8](data), to: path)
  }

  /// Reads a `T` from the file at `path`.
  /// - Throws: `RunFileError` (reading) naming the file: missing, unreadable, or not
  ///   the JSON flowc writes there.
  package static func read<T: Decodable>(_: T.Type, from path: String) throws -> T {
    let bytes = try RunFileIO.read(path)
    do {
      return try decoder.decode(T.self, from: Data(bytes))
    } catch {
      throw RunFileError(path: path, problem: "it is not the JSON flowc writes there (\(decodingProblem(error)))", writing: false)
    }
  }

  /// What a decoding error says, in words, without Foundation's error codes.
  static func decodingProblem(_ error: any Error) -> String {
    guard let e = error as? DecodingError else { return "unreadable JSON" }
    func at(_ path: [any CodingKey]) -> String { path.isEmpty ? "" : " at '\(path.map(\.stringValue).joined(separator: "."))'" }
    switch e {
    case .dataCorrupted(let c): return "malformed JSON\(at(c.codingPath))"
    case .keyNotFound(let key, let c): return "no '\(key.stringValue)'\(at(c.codingPath))"
    case .typeMismatch(_, let c), .valueNotFound(_, let c): return "a value of the wrong type\(at(c.codingPath))"
    @unknown default: return "unreadable JSON"
    }
  }

  /// Reads a `T` from JSON text.
  package static func decode<T: Decodable>(_: T.Type, from text: String) throws -> T {
    try decoder.decode(T.self, from: Data(text.utf8))
  }
}
