import FlowcIR

/// A Python expression of the generated code: literals, lists, dicts and calls of the
/// exported package's classes. A call names the family file its class comes from, so the
/// imports of `flow.py` follow from the expressions alone.
///
/// Rendered on one line when it fits in `width` columns, otherwise with one argument (or
/// one dict entry) a line; long lists of numbers wrap, several to a line.
package indirect enum PythonExpr: Sendable {
  case int(Int)
  /// Printed with Swift's shortest round-trip spelling, which Python reads back exactly.
  case float(Double)
  case string(String)
  case bool(Bool)
  case none
  case list([PythonExpr])
  case dict([(String, PythonExpr)])
  /// `Name(positional..., key=value...)`; `family` is the file that defines `Name` (nil for
  /// a builtin).
  case call(PyTorchFamily?, String, [PythonExpr], [(String, PythonExpr)])

  /// A list of integers.
  package static func ints(_ values: [Int]) -> PythonExpr { .list(values.map { .int($0) }) }

  /// An optional number: `None` for nil.
  package static func float(_ value: Double?) -> PythonExpr { value.map { .float($0) } ?? .none }

  /// Every (family, name) a call in this expression needs imported.
  package var imports: [(PyTorchFamily, String)] {
    switch self {
    case .list(let items): return items.flatMap(\.imports)
    case .dict(let pairs): return pairs.flatMap(\.1.imports)
    case .call(let family, let name, let args, let kwargs):
      return (family.map { [($0, name)] } ?? []) + args.flatMap(\.imports) + kwargs.flatMap(\.1.imports)
    default: return []
    }
  }

  /// The expression as Python text on a line indented by `indent`, starting at `column`
  /// (default: `indent`); continuation lines are indented from `indent`.
  package func render(indent: Int = 0, column: Int? = nil, width: Int = 100) -> String {
    let flat = renderFlat()
    if (column ?? indent) + flat.count <= width { return flat }
    let pad = String(repeating: " ", count: indent + 4)
    let close = String(repeating: " ", count: indent)
    switch self {
    case .list(let items):
      if items.allSatisfy({ if case .int = $0 { return true }; return false }) {
        // Numbers: as many a line as fit.
        var lines: [String] = []
        var line = ""
        for item in items.map({ $0.renderFlat() + "," }) {
          if !line.isEmpty, pad.count + line.count + 1 + item.count > width {
            lines.append(line)
            line = item
          } else {
            line += line.isEmpty ? item : " " + item
          }
        }
        if !line.isEmpty { lines.append(line) }
        return "[\n" + lines.map { pad + $0 }.joined(separator: "\n") + "\n" + close + "]"
      }
      return "[\n" + items.map { pad + $0.render(indent: indent + 4, width: width) + ",\n" }.joined() + close + "]"
    case .dict(let pairs):
      return "{\n" + pairs.map { k, v in
        let key = PythonExpr.quote(k) + ": "
        return pad + key + v.render(indent: indent + 4, column: indent + 4 + key.count, width: width) + ",\n"
      }.joined() + close + "}"
    case .call(_, let name, let args, let kwargs):
      let parts = args.map { pad + $0.render(indent: indent + 4, width: width) }
        + kwargs.map { k, v in pad + k + "=" + v.render(indent: indent + 4, column: indent + 5 + k.count, width: width) }
      return name + "(\n" + parts.map { $0 + ",\n" }.joined() + close + ")"
    default:
      return flat
    }
  }

  /// The expression on one line.
  package func renderFlat() -> String {
    switch self {
    case .int(let i): return String(i)
    case .float(let d):
      if d.isNaN { return "float(\"nan\")" }
      if d.isInfinite { return d > 0 ? "float(\"inf\")" : "-float(\"inf\")" }
      return d.description
    case .string(let s): return PythonExpr.quote(s)
    case .bool(let b): return b ? "True" : "False"
    case .none: return "None"
    case .list(let items): return "[" + items.map { $0.renderFlat() }.joined(separator: ", ") + "]"
    case .dict(let pairs): return "{" + pairs.map { PythonExpr.quote($0.0) + ": " + $0.1.renderFlat() }.joined(separator: ", ") + "}"
    case .call(_, let name, let args, let kwargs):
      return name + "(" + (args.map { $0.renderFlat() } + kwargs.map { "\($0.0)=\($0.1.renderFlat())" }).joined(separator: ", ") + ")"
    }
  }

  /// A double-quoted Python string literal (UTF-8 text; control characters escaped).
  package static func quote(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
      switch u {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where u.value < 0x20 || u.value == 0x7F: out += "\\x" + String(u.value, radix: 16).leftPadded(to: 2)
      default: out.unicodeScalars.append(u)
      }
    }
    return out + "\""
  }

  /// A JSON value (the IR's settings) as the Python literal of the same value.
  package init(json: JSONValue) {
    switch json {
    case .null: self = .none
    case .bool(let b): self = .bool(b)
    case .int(let i): self = .int(i)
    case .double(let d): self = .float(d)
    case .string(let s): self = .string(s)
    case .array(let a): self = .list(a.map(PythonExpr.init(json:)))
    case .object(let o): self = .dict(o.map { ($0.0, PythonExpr(json: $0.1)) })
    }
  }
}

extension String {
  /// The string with leading zeros up to `width` characters.
  fileprivate func leftPadded(to width: Int) -> String {
    String(repeating: "0", count: max(0, width - count)) + self
  }
}
