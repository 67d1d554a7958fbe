/// Compact, readable index lists for masks and permutations: `0,2,4`, `0-391`,
/// `0,2,...,782`, `783,782,...,0`. The IR, `flowc diff` and diagnostics all print
/// index lists with this one function.
package enum IndexListFormat {
  /// Runs of a constant step are shortened: step 1 from three entries (`3-9`), any
  /// other step from four (`0,2,...,782`). With a `width`, a list longer than about that
  /// many characters ends in `,... (392 entries)`; without one it is printed whole.
  package static func format(_ indices: [Int], width: Int? = 48) -> String {
    guard !indices.isEmpty else { return "none" }
    var parts: [String] = []
    var i = 0
    while i < indices.count {
      // Longest run with a constant step starting at i.
      var j = i
      let (step, overflow) = i + 1 < indices.count ? indices[i + 1].subtractingReportingOverflow(indices[i]) : (0, false)
      if step != 0, !overflow {
        while j + 1 < indices.count, indices[j + 1].subtractingReportingOverflow(indices[j]) == (step, false) { j += 1 }
      }
      let runLength = j - i + 1
      if step == 1, runLength >= 3 {
        parts.append("\(indices[i])-\(indices[j])")
        i = j + 1
      } else if step != 0, runLength >= 4 {
        parts.append("\(indices[i]),\(indices[i + 1]),...,\(indices[j])")
        i = j + 1
      } else {
        parts.append(String(indices[i]))
        i += 1
      }
    }
    guard let width else { return parts.joined(separator: ",") }
    var text = ""
    for (n, p) in parts.enumerated() {
      let next = (text.isEmpty ? "" : ",") + p
      if text.count + next.count > width, n > 0 {
        return text + ",... (\(indices.count) entries)"
      }
      text += next
    }
    return text
  }
}
