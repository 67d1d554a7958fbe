import FlowcIR
import FlowcTestSupport
import FlowData
import FlowRandom
import Testing

/// The data ranges the `spline-bound` rule assumes (FlowcIR's `DataSettings.knownBounds`,
/// which cannot import FlowData) hold the points FlowData's toy sources draw.
@Suite struct DataBoundsTests {
  @Test(arguments: ToySource.allCases)
  func toyPointsLieWithinTheirKnownBounds(_ source: ToySource) throws {
    let noise = source == .moons || source == .circles ? "noise: 0.1, " : ""
    let yaml = """
      dim: 2
      prior: standard_normal
      flow:
        - {kind: spline_coupling, keep: [1, 0], net: {hidden: [4]}, bound: 100}
        - {kind: spline_coupling, keep: flip, net: {hidden: [4]}, bound: 100}
      data: {\(noise)source: \(source.rawValue)}
      train: {steps: 10}
      """
    let v = try graph(yaml)
    let bounds = try #require(v.graph.settings.data.knownBounds(dimension: 2)).bounds
    var rng = Xoshiro256(seed: 7, stream: source.rawValue)
    let options = noise.isEmpty ? ToyOptions() : ToyOptions(noise: 0.1, factor: source == .circles ? 0.5 : nil)
    let points = try source.sample(count: 200_000, options: options, generator: &rng)
    var low = [Double](repeating: .infinity, count: 2), high = [Double](repeating: -.infinity, count: 2)
    for r in 0..<points.count {
      for j in 0..<2 {
        let v = Double(points.values[r * 2 + j])
        low[j] = min(low[j], v)
        high[j] = max(high[j], v)
      }
    }
    for j in 0..<2 {
      #expect(bounds[j].contains(low[j]) && bounds[j].contains(high[j]),
              "\(source) dimension \(j): drawn [\(low[j]), \(high[j])], known bound \(bounds[j])")
      // And not absurdly loose: the drawn range covers at least 60 % of the bound's width.
      #expect(high[j] - low[j] > 0.6 * (bounds[j].upperBound - bounds[j].lowerBound))
    }
  }
}
