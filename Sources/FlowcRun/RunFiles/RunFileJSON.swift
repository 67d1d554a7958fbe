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
  package static func write(_ value: some Encodable, to path: String) throws {
    try encoder(pretty: true).encode(value).write(to: URL(fileURLWithPath: path), options: .atomic)
  }

  /// Reads a `T` from the file at `path`.
  package static func read<T: Decodable>(_: T.Type, from path: String) throws -> T {
    try decoder.decode(T.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
  }

  /// Reads a `T` from JSON text.
  package static func decode<T: Decodable>(_: T.Type, from text: String) throws -> T {
    try decoder.decode(T.self, from: Data(text.utf8))
  }
}
