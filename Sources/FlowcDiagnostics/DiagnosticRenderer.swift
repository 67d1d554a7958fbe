/// Prints diagnostics the way swiftc does: a header line, the quoted source line
/// with a caret and underline, then notes at their own locations.
///
/// ```
/// specs/x.yaml:12:9: error: mask has 3 entries but the flow has dimension 2 [mask-size]
///    12 |   keep: [1, 0, 1]
///       |         ^~~~~~~~~
/// specs/x.yaml:3:6: note: the dimension is set here
///     3 | dim: 2
///       |      ^
///   help: write a mask with 2 entries
/// ```
package struct DiagnosticRenderer {
  /// The source files that locations refer to, by path; a location in a file not
  /// listed here prints its header line without a quote.
  package var sources: [String: SourceFile]
  /// ANSI colours; the caller turns them on only for a terminal.
  package var colors: Bool
  /// The widest quoted source excerpt, in characters: a longer line is cut around the
  /// caret with `...` on the cut sides, so a 20 MB one-line file prints one short line.
  package var maxLineWidth: Int
  /// How many errors and warnings to print before summarising the rest (0: all),
  /// like clang's `-ferror-limit`.
  package var limit: Int

  package init(sources: [SourceFile] = [], colors: Bool = false, maxLineWidth: Int = 100, limit: Int = 50) {
    self.sources = Dictionary(sources.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
    self.colors = colors
    self.maxLineWidth = max(20, maxLineWidth)
    self.limit = limit
  }

  /// Renders `diagnostics` in the order given, honouring `limit`.
  package func render(_ diagnostics: [Diagnostic]) -> String {
    var out = ""
    var shown = 0
    var hidden = 0
    for d in diagnostics {
      if limit > 0, shown >= limit {
        hidden += 1
        continue
      }
      out += render(d)
      shown += 1
    }
    if hidden > 0 {
      let word = hidden == 1 ? "diagnostic" : "diagnostics"
      out += paint("error: ", .red) + bold("too many diagnostics: \(hidden) more \(word) not shown")
        + "\n" + "  help: pass --error-limit 0 to show all of them, or a larger number\n"
    }
    return out
  }

  /// Renders one diagnostic with its notes and suggestion, ending in a newline.
  package func render(_ d: Diagnostic) -> String {
    var out = header(range: d.range, label: d.severity.rawValue, color: color(of: d.severity),
                     message: d.message + " [\(d.id)]")
    out += excerpt(d.range)
    for note in d.notes {
      out += header(range: note.range, label: "note", color: .cyan, message: note.message)
      out += excerpt(note.range)
    }
    if let suggestion = d.suggestion {
      out += "  " + paint("help: ", .green) + suggestion + "\n"
    }
    return out
  }

  // MARK: - Pieces

  private func header(range: SourceRange?, label: String, color: Color, message: String) -> String {
    let place = range.map { bold("\($0.description): ") } ?? ""
    return place + paint("\(label): ", color) + bold(message) + "\n"
  }

  private func excerpt(_ range: SourceRange?) -> String {
    guard let range, let file = sources[range.file], let line = file.lineText(range.start.line) else {
      return ""
    }
    var scalars = Array(line.unicodeScalars)
    // libyaml does not count a byte-order mark as a column: drop it so the caret lines up.
    if range.start.line == 1, scalars.first == "\u{FEFF}" { scalars.removeFirst() }
    let chars = scalars.map(Self.printable)
    let caret = max(0, min(range.start.column - 1, chars.count))
    let underlineEnd: Int =
      range.end.line == range.start.line ? max(caret + 1, min(range.end.column - 1, chars.count)) : max(caret + 1, chars.count)
    // Cut the line to a window around the caret so a huge line stays readable.
    var from = 0
    var to = chars.count
    if chars.count > maxLineWidth {
      from = max(0, min(caret - maxLineWidth / 3, chars.count - maxLineWidth))
      to = min(chars.count, from + maxLineWidth)
    }
    let prefix = from > 0 ? "..." : ""
    let suffix = to < chars.count ? "..." : ""
    let shownText = prefix + String(String.UnicodeScalarView(chars[from..<to])) + suffix
    let caretPad = prefix.count + (caret - from)
    let underlineLength = max(0, min(underlineEnd, to) - caret - 1)
    let number = String(range.start.line)
    let gutter = String(repeating: " ", count: max(number.count, 4))
    let paddedNumber = String(repeating: " ", count: gutter.count - number.count) + number
    var out = "\(paddedNumber) | \(shownText)\n"
    out += "\(gutter) | " + String(repeating: " ", count: caretPad)
      + paint("^" + String(repeating: "~", count: underlineLength), .green) + "\n"
    return out
  }

  /// Tabs and control characters would move the caret or garble a terminal: show each
  /// as one visible character so columns still line up.
  private static func printable(_ s: Unicode.Scalar) -> Unicode.Scalar {
    switch s.value {
    case 0x09: return " "
    case 0x00..<0x20: return Unicode.Scalar(0x2400 + s.value)!  // control pictures: NUL is U+2400
    case 0x7F: return "\u{2421}"
    case 0x80..<0xA0, 0xFEFF: return "\u{FFFD}"
    default: return s
    }
  }

  // MARK: - Colour

  enum Color: String {
    case red = "31", magenta = "35", cyan = "36", green = "32"
  }

  private func color(of s: Diagnostic.Severity) -> Color {
    switch s {
    case .error: .red
    case .warning: .magenta
    case .note: .cyan
    }
  }

  private func paint(_ s: String, _ c: Color) -> String {
    colors ? "\u{1B}[1;\(c.rawValue)m\(s)\u{1B}[0m" : s
  }

  private func bold(_ s: String) -> String {
    colors ? "\u{1B}[1m\(s)\u{1B}[0m" : s
  }
}
