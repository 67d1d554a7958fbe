/// "Did you mean" support: the closest known word to a misspelt one.
package enum EditDistance {
  /// Levenshtein distance between two short strings (keys, kind names). Bounded
  /// input: callers pass spec keys, and words longer than 64 characters are never
  /// a typo of a known key, so they are not compared.
  package static func distance(_ a: String, _ b: String) -> Int {
    let x = Array(a.lowercased().unicodeScalars)
    let y = Array(b.lowercased().unicodeScalars)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var previous = Array(0...y.count)
    var current = [Int](repeating: 0, count: y.count + 1)
    for i in 1...x.count {
      current[0] = i
      for j in 1...y.count {
        let cost = x[i - 1] == y[j - 1] ? 0 : 1
        current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
      }
      swap(&previous, &current)
    }
    return previous[y.count]
  }

  /// The candidate nearest to `word`, if it is near enough to be a plausible typo
  /// (at most a third of the word's length, and at least one edit allowed).
  package static func suggestion(for word: String, among candidates: some Sequence<String>) -> String? {
    guard word.count <= 64 else { return nil }
    let allowed = max(1, word.count / 3)
    var best: (String, Int)?
    for c in candidates {
      let d = distance(word, c)
      if d <= allowed, best.map({ d < $0.1 }) ?? true { best = (c, d) }
    }
    return best?.0
  }
}
