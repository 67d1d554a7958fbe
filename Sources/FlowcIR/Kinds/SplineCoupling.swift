import FlowcDiagnostics
import FlowcSpec

/// A rational-quadratic spline coupling with a concrete mask, network and spline settings.
package struct SplineCouplingOp: LayerOperation {
  /// The mask, io and the one conditioner net (stored as `.shared`).
  package var coupling: Coupling
  package var bins: Located<Int>
  package var bound: Located<Double>
  package var tails: Located<SplineTails>
  package var minBinWidth: Located<Double>
  package var minBinHeight: Located<Double>
  package var minDerivative: Located<Double>

  package var kind: String { SplineCouplingSpec.kind }
  package var mask: LayerMask? { coupling.mask }
  package var nets: [Net] { coupling.nets.all }
  package func parameterCount(input: TensorShape) -> Int { coupling.nets.parameterCount }
  package func flopsPerSample(input: TensorShape) -> Int { nets.reduce(0) { $0.addingSaturating($1.flopsPerSample) } }

  /// The conditioner's outputs per transformed dimension: K widths, K heights and the
  /// derivatives at the K − 1 inner knots (linear tails) or at all K + 1 (none).
  package static func parametersPerDimension(bins: Int, tails: SplineTails) -> Int {
    let k = max(0, bins)
    return tails == .linear ? k.multipliedSaturating(by: 3).addingSaturating(-1) : k.multipliedSaturating(by: 3).addingSaturating(1)
  }

  var parametersPerDimension: Int { Self.parametersPerDimension(bins: bins.value, tails: tails.value) }

  /// `value-range` for the spline's settings: at least 2 bins, a finite bound > 0, minimum
  /// sizes that leave room for K bins, a minimum slope in (0, 1).
  package func validate(_ node: GraphNode, in graph: FlowGraph) -> [Diagnostic] {
    var out: [Diagnostic] = []
    let k = bins.value
    if k < 2 {
      out.append(IRDiagnostics.valueRange("'bins'", k, "at least 2 (one bin with linear tails is the identity)", at: bins.range))
    }
    if !(bound.value > 0 && bound.value.isFinite) {
      out.append(IRDiagnostics.valueRange("'bound'", bound.value, "a finite number > 0", at: bound.range))
    }
    for (name, m) in [("'min_bin_width'", minBinWidth), ("'min_bin_height'", minBinHeight)]
    where !(m.value > 0 && (k < 2 || Double(k) * m.value < 1)) {
      let limit = k >= 2 ? " and below 1/bins = \(formatNumber(1 / Double(k)))" : ""
      out.append(IRDiagnostics.valueRange(name, m.value, "> 0\(limit), so that \(max(k, 2)) bins of at least that size fit", at: m.range))
    }
    if !(minDerivative.value > 0 && minDerivative.value < 1) {
      out.append(IRDiagnostics.valueRange("'min_derivative'", minDerivative.value, "in (0, 1)", at: minDerivative.range))
    }
    return out
  }

  // MARK: - Value bounds

  /// A spline maps [−B, B] onto itself: with linear tails the values outside stay where
  /// they are, without tails the outputs are within [−B, B] whatever the input.
  package func outputBounds(_ input: [ClosedRange<Double>?]) -> [ClosedRange<Double>?] {
    let b = bound.value
    guard b > 0, b.isFinite else { return input.map { _ in nil } }
    var out = input
    for i in coupling.mask.transformed where out.indices.contains(i) {
      switch tails.value {
      case .absent: out[i] = -b...b
      case .linear: out[i] = input[i].map { min($0.lowerBound, -b)...max($0.upperBound, b) }
      }
    }
    return out
  }

  package var inputBound: InputBound? {
    let b = bound.value
    guard b > 0, b.isFinite else { return nil }
    let outside: String, suggestion: String
    switch tails.value {
    case .linear:
      outside = "outside it the linear tails pass values through unchanged, so this layer cannot reshape them"
      suggestion = "raise 'bound' to cover the data, or scale the data first"
    case .absent:
      outside = "without tails the spline is undefined there and gives NaN"
      suggestion = "raise 'bound' to cover the data, or use 'tails: linear' (the identity outside the bound)"
    }
    return InputBound(interval: -b...b, positions: coupling.mask.transformed, range: bound.range, outside: outside,
                      suggestion: suggestion)
  }

  // MARK: - Printers

  /// `bins 8 · bound 3 · tails linear`, then the minimum sizes that differ from nflows'.
  var splineText: String {
    var s = "bins \(bins.value) · bound \(formatNumber(bound.value)) · tails \(tails.value.rawValue)"
    for (name, v, d) in [("min_bin_width", minBinWidth.value, SplineCouplingSpec.defaultMinBinWidth),
                         ("min_bin_height", minBinHeight.value, SplineCouplingSpec.defaultMinBinHeight),
                         ("min_derivative", minDerivative.value, SplineCouplingSpec.defaultMinDerivative)] where v != d {
      s += " · \(name) \(formatNumber(v))"
    }
    return s
  }

  package var irColumns: (String, String) {
    (coupling.maskColumn, (coupling.netsColumn + [splineText]).joined(separator: "  "))
  }

  package var jsonFields: [(String, JSONValue)] {
    coupling.jsonFields(layout: "spline") + [
      ("bins", .int(bins.value)),
      ("bound", .double(bound.value)),
      ("tails", .string(tails.value.rawValue)),
      ("min_bin_width", .double(minBinWidth.value)),
      ("min_bin_height", .double(minBinHeight.value)),
      ("min_derivative", .double(minDerivative.value)),
      ("parameters_per_dimension", .int(parametersPerDimension)),
      ("parameter_layout", .string(tails.value == .linear ? "widths[K] heights[K] derivatives[K-1]" : "widths[K] heights[K] derivatives[K+1]")),
    ]
  }

  package func comparedFields(_ node: GraphNode) -> [NodeField] {
    coupling.comparedFields(layout: "spline", node: node) + [
      NodeField("bins", String(bins.value), at: bins.range),
      NodeField("bound", formatNumber(bound.value), at: bound.range),
      NodeField("tails", tails.value.rawValue, at: tails.range),
      NodeField("min_bin_width", formatNumber(minBinWidth.value), at: minBinWidth.range),
      NodeField("min_bin_height", formatNumber(minBinHeight.value), at: minBinHeight.range),
      NodeField("min_derivative", formatNumber(minDerivative.value), at: minDerivative.range),
    ]
  }
}

extension SplineCouplingSpec: LowerableLayer {
  /// Resolves the mask and the one network, whose output is a block of 3K − 1 (3K + 1)
  /// parameters for each position it serves: every dimension with `masked` io, every
  /// transformed one with `split`.
  func lower(_ l: inout Lowering, _ layer: LayerSpec) -> (any LayerOperation)? {
    guard let keep, let net else { return nil }  // the decoder reported the missing key
    guard let (mask, origin) = l.resolveMask(keep) else {
      l.previousMask = nil
      l.previousMaskUnresolved = true
      return nil
    }
    l.previousMask = (mask, l.nodes.count)
    l.previousMaskUnresolved = false
    let bins = bins ?? Located(Self.defaultBins, at: layer.range)
    let tails = tails ?? Located(Self.defaultTails, at: layer.range)
    let io = netIO?.value ?? CouplingKeys.defaultNetIO
    let d = max(0, l.dimension)
    let positions = io == .masked ? d : mask.count { $0 == 0 }
    let perDimension = SplineCouplingOp.parametersPerDimension(bins: bins.value, tails: tails.value)
    let slot = NetSlot.flat(inputs: io == .masked ? d : mask.count { $0 == 1 },
                            outputs: positions.multipliedSaturating(by: max(1, perDimension)),
                            problem: "a spline coupling's conditioner is an MLP over the flattened input")
    guard let n = l.resolveNet(net, role: "net", slot: slot) else { return nil }
    let coupling = Coupling(mask: LayerMask(values: mask, range: keep.range, origin: origin), io: io, nets: .shared(n))
    return SplineCouplingOp(
      coupling: coupling, bins: bins, bound: bound ?? Located(Self.defaultBound, at: layer.range), tails: tails,
      minBinWidth: minBinWidth ?? Located(Self.defaultMinBinWidth, at: layer.range),
      minBinHeight: minBinHeight ?? Located(Self.defaultMinBinHeight, at: layer.range),
      minDerivative: minDerivative ?? Located(Self.defaultMinDerivative, at: layer.range))
  }
}
