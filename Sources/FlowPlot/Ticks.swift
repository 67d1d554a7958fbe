import Foundation

/// Round tick positions (1, 2 or 5 times a power of ten) covering `range`, about `count` of them.
public func niceTicks(_ range: ClosedRange<Double>, count: Int = 5) -> [Double] {
  let span = range.upperBound - range.lowerBound
  guard span > 0, span.isFinite else { return [range.lowerBound] }
  let rough = span / Double(max(1, count))
  let power = pow(10, floor(log10(rough)))
  let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= rough } ?? 10 * power
  // k · step rounded to the step's decimals, so 3 · 0.1 is 0.3, not 0.30000000000000004.
  let scale = pow(10, max(0, -floor(log10(step))))
  var ticks: [Double] = []
  var k = (range.lowerBound / step).rounded(.up)
  while k * step <= range.upperBound + step * 1e-9 {
    ticks.append((k * step * scale).rounded() / scale + 0)
    k += 1
  }
  return ticks
}

/// A tick label: as few decimals as the spacing of `ticks` needs; large or tiny values in
/// exponent form.
public func tickLabel(_ value: Double, ticks: [Double]) -> String {
  let step = ticks.count > 1 ? abs(ticks[1] - ticks[0]) : max(abs(value), 1)
  let magnitude = max(abs(ticks.first ?? value), abs(ticks.last ?? value))
  if magnitude >= 1e5 || (magnitude > 0 && magnitude < 1e-3) { return String(format: "%.1e", value) }
  let decimals = max(0, Int(-floor(log10(step) + 1e-9)))
  return String(format: "%.\(decimals)f", value)
}

/// A range padded by `fraction` of its span on each side (a unit range around a single value).
public func padded(_ range: ClosedRange<Double>, _ fraction: Double = 0.05) -> ClosedRange<Double> {
  let span = range.upperBound - range.lowerBound
  guard span > 0 else { return (range.lowerBound - 0.5)...(range.upperBound + 0.5) }
  return (range.lowerBound - span * fraction)...(range.upperBound + span * fraction)
}

/// The smallest range holding every finite value (0...1 when there is none).
public func extent(_ values: some Sequence<Double>) -> ClosedRange<Double> {
  var lo = Double.infinity
  var hi = -Double.infinity
  for v in values where v.isFinite {
    lo = min(lo, v)
    hi = max(hi, v)
  }
  return lo <= hi ? lo...hi : 0...1
}
