/// A JSON value whose objects keep their keys in insertion order, so that the JSON
/// forms flowc prints are byte-for-byte stable (scripts and `diff` rely on that).
package indirect enum JSONValue: Sendable, Equatable {
  case null
  case bool(Bool)
  case int(Int)
  case double(Double)
  case string(String)
  case array([JSONValue])
  case object([(String, JSONValue)])

  package static func == (a: JSONValue, b: JSONValue) -> Bool { a.serialized() == b.serialized() }

  /// Serialises with two-space indentation (or on one line when `pretty` is false).
  package func serialized(pretty: Bool = true) -> String {
    var out = ""
    write(into: &out, indent: pretty ? 0 : nil)
    return out
  }

  private func write(into out: inout String, indent: Int?) {
    switch self {
    case .null: out += "null"
    case .bool(let b): out += b ? "true" : "false"
    case .int(let i): out += String(i)
    case .double(let d):
      // JSON has no inf/nan: such values never reach a valid graph, but be safe.
      out += d.isFinite ? (d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : "\(d)") : "null"
    case .string(let s): out += JSONValue.quote(s)
    case .array(let items):
      if items.isEmpty { out += "[]"; return }
      // Arrays of numbers stay on one line: masks and permutations are long.
      let flat = indent == nil || items.allSatisfy { if case .int = $0 { return true }; if case .double = $0 { return true }; return false }
      out += "["
      for (i, item) in items.enumerated() {
        if i > 0 { out += flat ? ", " : "," }
        if !flat, let indent { out += "\n" + String(repeating: "  ", count: indent + 1) }
        item.write(into: &out, indent: indent.map { $0 + 1 })
      }
      if !flat, let indent { out += "\n" + String(repeating: "  ", count: indent) }
      out += "]"
    case .object(let pairs):
      if pairs.isEmpty { out += "{}"; return }
      out += "{"
      for (i, (k, v)) in pairs.enumerated() {
        if i > 0 { out += indent == nil ? ", " : "," }
        if let indent { out += "\n" + String(repeating: "  ", count: indent + 1) }
        out += JSONValue.quote(k) + ": "
        v.write(into: &out, indent: indent.map { $0 + 1 })
      }
      if let indent { out += "\n" + String(repeating: "  ", count: indent) }
      out += "}"
    }
  }

  static func quote(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
      switch u {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where u.value < 0x20:
        let hex = String(u.value, radix: 16)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: out.unicodeScalars.append(u)
      }
    }
    return out + "\""
  }
}
