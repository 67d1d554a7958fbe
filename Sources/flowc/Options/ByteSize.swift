/// Parses a size such as `4 GiB`, `512MiB`, `1.5 GB` or `1000000` (bytes). Binary units
/// (KiB, MiB, GiB, TiB) are powers of 1024, decimal ones (kB, MB, GB, TB) of 1000.
/// Returns nil for anything else, or for a size that does not fit in 64 bits.
func parseByteSize(_ text: String) -> Int? {
  let trimmed = text.trimmingCharacters(in: " ")
  let numberEnd = trimmed.firstIndex { !($0.isNumber || $0 == ".") } ?? trimmed.endIndex
  guard let number = Double(trimmed[..<numberEnd]), number >= 0 else { return nil }
  let unit = trimmed[numberEnd...].trimmingCharacters(in: " ")
  let factors: [String: Double] = [
    "": 1, "B": 1, "KiB": 1024, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40,
    "kB": 1e3, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12,
  ]
  guard let f = factors[unit] else { return nil }
  let bytes = (number * f).rounded()
  guard bytes < 9.2e18 else { return nil }
  return Int(bytes)
}

extension StringProtocol {
  fileprivate func trimmingCharacters(in set: Character) -> String {
    var s = Substring(self)
    while s.first == set { s.removeFirst() }
    while s.last == set { s.removeLast() }
    return String(s)
  }
}
