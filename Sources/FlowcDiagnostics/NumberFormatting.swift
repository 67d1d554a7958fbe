/// The number formats of every message, printout and table flowc writes. They use no
/// locale (Foundation's formatters follow the user's, so `1,5` could appear in a spec
/// diagnostic) and never trap, whatever the value: an absurd spec's sizes are printed,
/// not crashed on.

/// Shortest decimal form of a number that reads back the same (`0.0001` → `0.0001`,
/// `1e-4` → `0.0001`), used wherever specs and IR print numbers, so equal values print equally.
package func formatNumber(_ x: Double) -> String {
  if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
  return "\(x)"
}

/// `x` with exactly `digits` decimals (`-1.2346`), rounded half away from zero;
/// `inf`, `-inf` and `nan` as such, and magnitudes from 1e15 on in exponent form.
package func formatFixed(_ x: Double, _ digits: Int) -> String {
  guard x.isFinite else { return "\(x)" }
  let digits = max(0, min(digits, 12))
  var scale = 1.0
  for _ in 0..<digits { scale *= 10 }
  let scaled = (abs(x) * scale).rounded()
  guard scaled < 9e15 else { return "\(x)" }
  let units = Int64(scaled)
  let whole = units / Int64(scale)
  let frac = units % Int64(scale)
  let sign = x < 0 && units != 0 ? "-" : ""
  guard digits > 0 else { return sign + String(whole) }
  let fracText = String(frac)
  return sign + "\(whole)." + String(repeating: "0", count: digits - fracText.count) + fracText
}

/// `804,888`.
package func formatCount(_ n: Int) -> String {
  let s = String(n)
  var out = ""
  for (i, ch) in s.reversed().enumerated() {
    if i > 0, i % 3 == 0, ch != "-" { out.append(",") }
    out.append(ch)
  }
  return String(out.reversed())
}

/// `3.07 MiB`, `804 B`: binary units, three significant digits.
package func formatBytes(_ n: Int) -> String {
  if n == .max { return "more than 8 EiB" }
  let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
  var x = Double(n)
  var u = 0
  while x >= 1024, u < units.count - 1 {
    x /= 1024
    u += 1
  }
  return u == 0 ? "\(n) B" : "\(formatSignificant(x)) \(units[u])"
}

/// `1.61 MFLOP`, `479 MFLOP`.
package func formatFLOPs(_ n: Int) -> String {
  if n == .max { return "more than 9.2 EFLOP" }
  let units = ["FLOP", "kFLOP", "MFLOP", "GFLOP", "TFLOP", "PFLOP", "EFLOP"]
  var x = Double(n)
  var u = 0
  while x >= 1000, u < units.count - 1 {
    x /= 1000
    u += 1
  }
  return u == 0 ? "\(n) FLOP" : "\(formatSignificant(x)) \(units[u])"
}

/// Three significant digits for x in [1, 1000), trailing zeros dropped: `3.07`, `479`, `12.5`.
package func formatSignificant(_ x: Double) -> String {
  let digits = x >= 100 ? 0 : (x >= 10 ? 1 : 2)
  var s = formatFixed(x, digits)
  if s.contains(".") {
    while s.hasSuffix("0") { s.removeLast() }
    if s.hasSuffix(".") { s.removeLast() }
  }
  return s
}
