#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#else
  import Darwin
#endif
import FlowcDiagnostics
import FlowcSpec

/// `spline-bound`: the data's known range (toy sources, image data after preprocessing) is
/// followed through the flow (`LayerOperation.outputBounds`), and a layer with an input
/// bound (a spline's [−B, B]) that values can leave is reported, with what the layer does
/// there: a spline without tails is undefined outside its bound (NaNs: bayesflow #721,
/// FrEIA #160), one with linear tails is the identity there.
@Sendable func checkInputBounds(_ g: FlowGraph) -> [Diagnostic] {
  guard g.nodes.contains(where: { $0.op.inputBound != nil }),
        let data = g.settings.data.knownBounds(dimension: g.dimension.value) else { return [] }
  var bounds: [ClosedRange<Double>?] = data.bounds
  var out: [Diagnostic] = []
  var seen = Set<SourceRange>()
  for node in g.nodes {
    guard bounds.count == node.inputDim else { break }
    if let b = node.op.inputBound, !seen.contains(b.range) {
      // The position whose values go furthest beyond the bound.
      var worst: (position: Int, range: ClosedRange<Double>, excess: Double)?
      for i in b.positions where bounds.indices.contains(i) {
        guard let r = bounds[i] else { continue }
        let excess = max(b.interval.lowerBound - r.lowerBound, r.upperBound - b.interval.upperBound)
        if excess > 0, excess > (worst?.excess ?? 0) { worst = (i, r, excess) }
      }
      if let worst {
        seen.insert(b.range)
        out.append(IRDiagnostics.splineBound(
          node: node.index, position: worst.position, values: worst.range, origin: data.origin, bound: b,
          source: g.settings.data.source.range))
      }
    }
    bounds = node.op.outputBounds(bounds)
    if bounds.allSatisfy({ $0 == nil }) { break }
  }
  return out
}

extension DataSettings {
  /// Toy data are drawn from Gaussians or bounded shapes; these ranges hold every point
  /// except those of noise beyond 6 standard deviations (about one value in 500 million).
  /// The constants are those of FlowData's `ScikitLearnToys.swift` and `FFJORDToys.swift`
  /// (FlowcBuildTests draws from each source to check them).
  static let noiseSigmas = 6.0

  /// The interval each data dimension lies in, after preprocessing, when the source
  /// determines it (toy sources; `idx` images, whose bytes are 0 to 255; any source with
  /// `dequantize`, which promises integers in [0, levels)), with a description of where it
  /// comes from; nil when the range depends on a file's contents.
  package func knownBounds(dimension: Int) -> (bounds: [ClosedRange<Double>], origin: String)? {
    let m = Self.noiseSigmas
    let σ = noise.value
    var raw: [ClosedRange<Double>]
    var origin = "'\(source.value.rawValue)' data"
    switch source.value {
    case .moons:
      raw = [(-1 - m * σ)...(2 + m * σ), (-0.5 - m * σ)...(1 + m * σ)]
      origin += " with noise \(formatNumber(σ))"
    case .circles:
      raw = [(-1 - m * σ)...(1 + m * σ), (-1 - m * σ)...(1 + m * σ)]
      origin += " with noise \(formatNumber(σ))"
    case .eightGaussians:
      // Centres at radius 4/1.414, standard deviation 0.5/1.414.
      let r = (4 + m * 0.5) / 1.414
      raw = [(-r)...r, (-r)...r]
    case .checkerboard:
      raw = [-4...4, -4...4]
    case .twoSpirals:
      // |−cos t · t + U[0, 0.5)| ≤ 3π + 0.5 for t ≤ 3π, divided by 3, plus N(0, 0.1²) noise.
      let r = (3 * Double.pi + 0.5) / 3 + m * 0.1
      raw = [(-r)...r, (-r)...r]
    case .pinwheel:
      // Radius 2·|(f₁, f₂)| with f₁ ~ N(1, 0.3²), f₂ ~ N(0, 0.1²).
      let f1 = 1 + m * 0.3, f2 = m * 0.1
      let r = 2 * (f1 * f1 + f2 * f2).squareRoot()
      raw = [(-r)...r, (-r)...r]
    case .idx:
      raw = [ClosedRange<Double>](repeating: 0...255, count: max(0, dimension))
    case .csv, .npy:
      guard dequantize.value else { return nil }
      // Dequantization promises integer intensities in [0, levels).
      raw = [ClosedRange<Double>](repeating: 0...Double(levels.value - 1), count: max(0, dimension))
    }
    guard raw.count == dimension else { return nil }  // data-dimension reports a toy source with dim ≠ 2
    if dequantize.value {
      raw = raw.map { $0.lowerBound...($0.upperBound + 1) }
      origin += ", dequantized"
    }
    if source.value == .idx || dequantize.value {
      let l = Double(max(1, levels.value))
      raw = raw.map { ($0.lowerBound / l)...($0.upperBound / l) }
      origin += ", divided by \(levels.value)"
    }
    if let a = logitAlpha?.value {
      guard a > 0, a < 0.5, raw.allSatisfy({ $0.lowerBound >= 0 && $0.upperBound <= 1 }) else { return nil }
      func logit(_ x: Double) -> Double {
        let y = a + (1 - 2 * a) * x
        return log(y / (1 - y))
      }
      raw = raw.map { logit($0.lowerBound)...logit($0.upperBound) }
      origin += ", logit(α = \(formatNumber(a)))"
    }
    return (raw, origin)
  }
}
