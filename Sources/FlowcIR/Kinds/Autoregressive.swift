import FlowcDiagnostics
import FlowcSpec
import FlowRandom

/// What the autoregressive kinds (`maf`, `iaf`) share once lowered: a concrete order of
/// the dimensions, the MADE network with its sizes, the elementwise transform, and the
/// printers and rules for them. The two kinds differ only in which direction the single
/// network pass serves (see `AutoregressiveDirection`).
package struct Autoregressive: Sendable {
  /// order[k] is the dimension generated k-th; its MADE degree is k + 1, so output i
  /// depends on exactly the dimensions before i in this list. As written for explicit
  /// orders (the validator checks it is a permutation of 0..<D).
  package var order: [Int]
  /// "natural", "reversed", "random(seed 3, node 4)" or "explicit".
  package var orderOrigin: String
  /// Where the order is set (the `order:` value, or the layer when it defaults).
  package var orderRange: SourceRange
  /// The MADE: D inputs, the spec's hidden widths, D·k outputs.
  package var net: Net
  /// The elementwise transform the MADE parametrises.
  package var transform: Located<AutoregressiveTransform>
  /// exp or sigmoid; `linear` is kept as written for the validator to reject.
  package var scaleFunction: Located<ScaleFunction>
  /// Soft bound c: s = c·tanh(s/c) before the scale function.
  package var scaleClamp: Located<Double>?

  /// Network outputs per dimension (2 for `affine`).
  package var parametersPerDimension: Int { transform.value.parametersPerDimension }

  /// Whether `order` lists every index 0..<D exactly once.
  func isPermutation(of d: Int) -> Bool {
    order.count == d && Set(order) == Set(0..<d) && order.allSatisfy { $0 >= 0 && $0 < d }
  }

  /// The MADE degree of each input dimension (1-based position in the order); nil when
  /// the order is not a permutation.
  package func inputDegrees(dimension d: Int) -> [Int]? {
    guard isPermutation(of: d) else { return nil }
    var degrees = [Int](repeating: 0, count: d)
    for (k, i) in order.enumerated() { degrees[i] = k + 1 }
    return degrees
  }

  // MARK: - Rules

  /// `autoregressive-order`, `scale-not-positive`, `value-range` (clamp) and the
  /// `made-narrow-hidden` warning.
  func validate(_ node: GraphNode, in graph: FlowGraph) -> [Diagnostic] {
    var out: [Diagnostic] = []
    let d = node.inputDim
    if order.count != d {
      out.append(IRDiagnostics.autoregressiveOrderSize(order.count, dimension: graph.dimension, at: orderRange))
    } else if let bad = order.first(where: { $0 < 0 || $0 >= d }) {
      out.append(IRDiagnostics.autoregressiveOrderOutOfRange(bad, dimension: d, at: orderRange))
    } else if !isPermutation(of: d) {
      var count = [Int](repeating: 0, count: d)
      for i in order { count[i] += 1 }
      let dup = count.indices.first { count[$0] > 1 }!
      out.append(IRDiagnostics.autoregressiveOrderDuplicate(dup, missing: count.indices.first { count[$0] == 0 }!, at: orderRange))
    }
    if scaleFunction.value == .linear {
      out.append(IRDiagnostics.scaleNotPositive(at: scaleFunction.range, layer: "\(node.op.kind) layer"))
    }
    if let clamp = scaleClamp, !(clamp.value > 0 && clamp.value.isFinite) {
      out.append(IRDiagnostics.valueRange("scale_clamp", clamp.value, "a finite number > 0", at: clamp.range))
    }
    if let degrees = inputDegrees(dimension: d), net.hidden.allSatisfy({ $0.value >= 1 }) {
      let connectivity = MADEConnectivity(inputDegrees: degrees, hidden: net.hidden.map(\.value))
      guard let narrow = connectivity.narrowest else { return out }
      let missing = connectivity.missingInputs(limit: 3)
      out.append(IRDiagnostics.madeNarrowHidden(layer: narrow + 1, width: net.hidden[narrow].value, dimension: d,
                                                order: order, reachable: connectivity.reachableDegree,
                                                affected: missing.outputs, shown: missing.shown,
                                                at: net.hidden[narrow].range, orderAt: orderRange, notes: IRDiagnostics.repeatNote(node)))
    }
    return out
  }

  // MARK: - Printers

  /// `order natural: 0,1`, the first IR column.
  var orderColumn: String { "order \(orderOrigin): \(IndexListFormat.format(order))" }

  /// `made 2-64-64-4 relu  affine exp clamp 2  passes: density 1 · sampling 2`.
  func restColumn(_ passes: LayerPasses) -> String {
    var t = "\(transform.value.rawValue) \(scaleFunction.value.rawValue)"
    if let clamp = scaleClamp { t += " clamp \(formatNumber(clamp.value))" }
    return [net.irText, t, "passes: density \(passes.density) · sampling \(passes.sampling)"].joined(separator: "  ")
  }

  /// The IR JSON fields of either kind.
  func jsonFields(_ passes: LayerPasses, dimension d: Int) -> [(String, JSONValue)] {
    let degrees = inputDegrees(dimension: d)
    return [
      ("order", .array(order.map { .int($0) })),
      ("order_meaning", .string("order[k] is generated k-th: output order[k] depends on inputs order[0..<k]")),
      ("order_origin", .string(orderOrigin)),
      ("input_degrees", degrees.map { .array($0.map { .int($0) }) } ?? .null),
      ("net", net.json),
      ("masked_weights", degrees.map { .int(MADEConnectivity(inputDegrees: $0, hidden: net.hidden.map(\.value)).maskedWeights(parametersPerDimension)) } ?? .null),
      ("transform", .string(transform.value.rawValue)),
      ("parameters_per_dimension", .int(parametersPerDimension)),
      ("output_layout", .string("column i*\(parametersPerDimension) + p is parameter p of dimension i; affine: p = 0 raw scale, 1 shift")),
      ("scale_function", .string(scaleFunction.value.rawValue)),
      ("scale_clamp", scaleClamp.map { .double($0.value) } ?? .null),
      ("density_passes", .int(passes.density)),
      ("sampling_passes", .int(passes.sampling)),
    ]
  }

  /// The fields `flowc diff` compares.
  func comparedFields(_ node: GraphNode) -> [NodeField] {
    [
      NodeField("order", IndexListFormat.format(order, width: nil), at: orderRange),
      NodeField("transform", transform.value.rawValue, at: transform.range),
      NodeField("scale_function", scaleFunction.value.rawValue, at: scaleFunction.range),
      scaleClamp.map { NodeField("scale_clamp", formatNumber($0.value), at: $0.range) }
        ?? NodeField("scale_clamp", "none", at: node.range, isDefault: true),
    ] + net.comparedFields
  }
}

/// Which way round an autoregressive layer runs its single network pass.
package enum AutoregressiveDirection: Sendable {
  /// MAF: the density (forward, data → latent) is one MADE pass on the data; sampling
  /// solves for one dimension per pass, D passes.
  case density
  /// IAF: sampling (inverse, latent → data) is one MADE pass on the latent; the density
  /// takes D passes, and so does training by maximum likelihood.
  case sampling
}

/// How many sequential network passes each direction of a layer takes for one batch:
/// 1 for every layer but the autoregressive ones, whose slow direction takes D.
package struct LayerPasses: Sendable, Equatable {
  /// Passes of the forward (data → latent) direction.
  package var density: Int
  /// Passes of the inverse (latent → data) direction.
  package var sampling: Int

  package init(density: Int, sampling: Int) {
    self.density = density
    self.sampling = sampling
  }

  /// One pass each way.
  package static let single = LayerPasses(density: 1, sampling: 1)
}

extension Autoregressive {
  /// Passes for a layer of `direction` on D dimensions.
  static func passes(_ direction: AutoregressiveDirection, dimension d: Int) -> LayerPasses {
    let slow = max(1, d)
    return direction == .density ? LayerPasses(density: 1, sampling: slow) : LayerPasses(density: slow, sampling: 1)
  }

  /// FLOPs per sample of the density direction, the sampling direction and a training
  /// step (forward recording and backward). F is one MADE pass. MAF: F, D·F, 3F. IAF:
  /// D·F, F, and (2D + 2)·F: D passes to solve for the latent, D input-gradient passes to
  /// solve the transposed triangular system of the implicit backward, and one full
  /// backward (two passes' worth) for the weights.
  static func flops(_ direction: AutoregressiveDirection, net: Net, dimension d: Int) -> (density: Int, sampling: Int, training: Int) {
    let f = net.flopsPerSample
    let slow = f.multipliedSaturating(by: max(1, d))
    switch direction {
    case .density: return (f, slow, f.multipliedSaturating(by: 3))
    case .sampling: return (slow, f, f.multipliedSaturating(by: max(1, d).multipliedSaturating(by: 2).addingSaturating(2)))
    }
  }
}

// MARK: - Degrees and connectivity

/// What the MADE's masks connect, from the degrees alone (Germain et al. 2015).
///
/// Input dimension i has degree m(i) ∈ 1...D (its position in the order, from 1); hidden
/// unit j of every layer has degree 1 + (j mod (D − 1)) (0 when D = 1), the deterministic
/// assignment of nflows' MADE; every output of dimension i has degree m(i). A weight
/// from a unit of degree a to a hidden unit of degree b exists iff b ≥ a, to an output of
/// degree b iff b > a. Along any path degrees never decrease and rise strictly at the
/// output, so **output i depends only on inputs of smaller degree, the dimensions before
/// i in the order**: the autoregressive property, for any permutation. The runtime builds
/// its masks with the same rule (FlowRuntime `MADEDegrees`; a test compares the two).
///
/// A hidden layer of width w holds the degrees 1...min(w, D − 1), so an input of degree
/// a reaches an output of degree b iff a < b and a ≤ c, where c is the smallest
/// min(w, D − 1) over the hidden layers. When some w < D − 1 the inputs of degree
/// c+1 ... D−1 reach no output at all.
package struct MADEConnectivity: Sendable {
  /// Each input dimension's degree (a permutation of 1...D).
  package var inputDegrees: [Int]
  /// The hidden widths.
  package var hidden: [Int]

  package init(inputDegrees: [Int], hidden: [Int]) {
    self.inputDegrees = inputDegrees
    self.hidden = hidden
  }

  var dimension: Int { inputDegrees.count }

  /// The degrees of a hidden layer of `width` units.
  package static func hiddenDegrees(width: Int, dimension d: Int) -> [Int] {
    let cycle = max(1, d - 1), offset = min(1, d - 1)
    return (0..<max(0, width)).map { $0 % cycle + offset }
  }

  /// The index of the narrowest hidden layer narrower than D − 1, or nil.
  package var narrowest: Int? {
    let d = dimension
    guard let w = hidden.min(), w < d - 1 else { return nil }
    return hidden.firstIndex(of: w)
  }

  /// The largest input degree that reaches any output (c above).
  package var reachableDegree: Int { hidden.reduce(max(0, dimension - 1)) { min($0, $1) } }

  /// The output dimensions that miss some earlier input, in order of generation (those
  /// of degree c + 2 ... D): how many there are, and for the first `limit` of them the
  /// earlier dimensions they cannot see (degrees c + 1 ..< theirs), each list cut after
  /// `inputLimit` entries with its full length beside it. Bounded work for any D.
  package func missingInputs(limit: Int, inputLimit: Int = 16)
    -> (outputs: Int, shown: [(output: Int, inputs: [Int], count: Int)]) {
    let d = dimension, c = reachableDegree
    guard c + 2 <= d else { return (0, []) }
    var byDegree = [Int](repeating: 0, count: d + 1)
    for (i, m) in inputDegrees.enumerated() { byDegree[m] = i }
    var shown: [(Int, [Int], Int)] = []
    for m in (c + 2)...min(d, c + 1 + limit) {
      let degrees = (c + 1)..<m
      shown.append((byDegree[m], degrees.prefix(inputLimit).map { byDegree[$0] }, degrees.count))
    }
    return (d - c - 1, shown)
  }

  /// How many weights of the [out, in] matrices the masks hold at zero, with `k`
  /// outputs per dimension.
  package func maskedWeights(_ k: Int) -> Int {
    let d = dimension
    // counts[a] = units of degree a in the layer below.
    var below = [Int](repeating: 0, count: d + 1)
    for m in inputDegrees { below[m] += 1 }
    var total = 0
    var belowCount = d
    for w in hidden {
      let degrees = Self.hiddenDegrees(width: w, dimension: d)
      // Connected to a unit of degree b: the units below of degree ≤ b.
      var prefix = [Int](repeating: 0, count: d + 1)
      var run = 0
      for a in 0...d { run += below[a]; prefix[a] = run }
      for b in degrees { total = total.addingSaturating(belowCount - prefix[min(b, d)]) }
      below = [Int](repeating: 0, count: d + 1)
      for b in degrees { below[b] += 1 }
      belowCount = w
    }
    var prefix = [Int](repeating: 0, count: d + 1)
    var run = 0
    for a in 0...d { run += below[a]; prefix[a] = run }
    for m in inputDegrees {
      // An output of degree m sees the units below of degree < m.
      total = total.addingSaturating((belowCount - prefix[m - 1]).multipliedSaturating(by: k))
    }
    return total
  }
}

// MARK: - Lowering

extension Lowering {
  /// Resolves an autoregressive layer's order, network and transform. Returns nil (after
  /// a diagnostic) when the network cannot be formed.
  mutating func lowerAutoregressive(_ o: AutoregressiveKeys.Options, layer: LayerSpec) -> Autoregressive? {
    guard let ref = o.net else { return nil }  // the decoder reported the missing key
    let d = max(0, dimension)
    let index = nodes.count
    let transform = o.transform ?? Located(AutoregressiveKeys.defaultTransform, at: layer.range)
    let k = transform.value.parametersPerDimension
    guard let net = resolveNet(ref, role: "made", slot: .flat(inputs: d, outputs: d.multipliedSaturating(by: k),
                                                                 problem: "a MADE is a masked MLP over the flattened input")) else { return nil }
    if net.outputActivation.value != .identity {
      diagnostics.emit(IRDiagnostics.sharedNetOutputActivation(at: ref.range, setAt: net.outputActivation.range))
    }
    let order: [Int], origin: String, range: SourceRange
    switch o.order?.value {
    case nil, .natural?:
      (order, origin, range) = (Array(0..<d), "natural", o.order?.range ?? layer.range)
    case .reversed?:
      (order, origin, range) = (Array((0..<d).reversed()), "reversed", o.order!.range)
    case .random(let seed)?:
      // Drawn here, once, from the seed AND the node index: the copies a repeat makes get
      // different orders (a seed alone would give every copy the same one).
      let s = seed?.value ?? AutoregressiveKeys.defaultSeed
      var rng = Xoshiro256(seed: UInt64(bitPattern: Int64(s)), stream: "made-order.\(index)")
      (order, origin, range) = (rng.permutation(d), "random(seed \(s), node \(index))", o.order!.range)
    case .explicit(let entries)?:
      (order, origin, range) = (entries.map(\.value), "explicit", o.order!.range)
    }
    return Autoregressive(order: order, orderOrigin: origin, orderRange: range, net: net, transform: transform,
                          scaleFunction: o.scaleFunction ?? Located(AffineCouplingSpec.defaultScaleFunction, at: layer.range),
                          scaleClamp: o.scaleClamp)
  }
}
