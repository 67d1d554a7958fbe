/// Compact, readable index lists for masks: `0,2,4`, `0-391`, `0,2,...,782`.
enum IndexListFormat {
  /// At most about `width` characters; longer lists end in `... (392 of 784)`.
  static func format(_ indices: [Int], width: Int = 48) -> String {
    guard !indices.isEmpty else { return "none" }
    var parts: [String] = []
    var i = 0
    while i < indices.count {
      // Longest run with a constant step of 1 or 2 starting at i.
      var j = i
      let step = i + 1 < indices.count ? indices[i + 1] - indices[i] : 1
      if step == 1 || step == 2 {
        while j + 1 < indices.count, indices[j + 1] - indices[j] == step { j += 1 }
      }
      let runLength = j - i + 1
      if step == 1, runLength >= 3 {
        parts.append("\(indices[i])-\(indices[j])")
        i = j + 1
      } else if step == 2, runLength >= 4 {
        parts.append("\(indices[i]),\(indices[i + 1]),...,\(indices[j])")
        i = j + 1
      } else {
        parts.append(String(indices[i]))
        i += 1
      }
    }
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
