import ArgumentParser

/// The `--context` syntax of a flow conditioned on CSV columns: one value per column,
/// in the spec's order (`0.5,1.2`) or by name (`temperature=0.5,pressure=1.2`, any order,
/// every column once).
enum ColumnContext {
  /// The context row `text` gives, one value per column of `columns` in their order.
  /// - Throws: `ExitCode(1)` after a message naming what is wrong: a count other than
  ///   the number of columns, an unknown or repeated name, a value that is not a finite
  ///   number, or names mixed with bare values.
  static func parse(_ text: String, columns: [String]) throws -> [Float] {
    let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingSpaces() }
    let named = parts.filter { $0.contains("=") }
    guard named.isEmpty || named.count == parts.count else {
      return try fail(text, "give every value by name (\(example(columns, named: true))) or none (\(example(columns, named: false)))")
    }
    var row = [Float?](repeating: nil, count: columns.count)
    if named.isEmpty {
      guard parts.count == columns.count else {
        return try fail(text, "the flow is conditioned on \(columns.count) \(columns.count == 1 ? "column" : "columns") (\(columns.joined(separator: ", "))), "
                        + "but \(parts.count) \(parts.count == 1 ? "value is" : "values are") given; e.g. --context \(example(columns, named: false))")
      }
      for (j, p) in parts.enumerated() { row[j] = try value(p, of: columns[j], in: text) }
    } else {
      for p in parts {
        let kv = p.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map { String($0).trimmingSpaces() }
        guard let j = columns.firstIndex(of: kv[0]) else {
          return try fail(text, "'\(kv[0])' is not a context column; the flow is conditioned on \(columns.map { "'\($0)'" }.joined(separator: ", "))")
        }
        guard row[j] == nil else { return try fail(text, "'\(kv[0])' is given twice") }
        row[j] = try value(kv.count > 1 ? kv[1] : "", of: columns[j], in: text)
      }
      if let missing = row.indices.first(where: { row[$0] == nil }) {
        return try fail(text, "no value for '\(columns[missing])'; give every context column, e.g. --context \(example(columns, named: true))")
      }
    }
    return row.map { $0! }
  }

  /// The value of column `name`, a finite number.
  private static func value(_ s: String, of name: String, in text: String) throws -> Float {
    guard let v = Double(s), v.isFinite, Float(v).isFinite else {
      return try fail(text, "'\(s)' (column '\(name)') is not a finite number")
    }
    return Float(v)
  }

  /// `temperature=0,pressure=0` or `0,0`.
  private static func example(_ columns: [String], named: Bool) -> String {
    columns.map { named ? "\($0)=0" : "0" }.joined(separator: ",")
  }

  /// Prints `error: --context TEXT: WHY` and exits 1.
  private static func fail<T>(_ text: String, _ why: String) throws -> T {
    writeStderr("error: --context \(text): \(why)\n")
    throw ExitCode(1)
  }
}

extension StringProtocol {
  /// The text without leading and trailing spaces.
  fileprivate func trimmingSpaces() -> String {
    var s = Substring(self)
    while s.first == " " { s.removeFirst() }
    while s.last == " " { s.removeLast() }
    return String(s)
  }
}
