import FlowcSpec

/// What training a graph costs, computed from the graph alone before anything is
/// allocated: the numbers `check` prints and the budget rule compares.
///
/// All arithmetic saturates, so an absurd spec gives Int.max (and a budget error)
/// rather than an overflow trap.
public struct ResourceEstimate: Sendable, Equatable {
  public var parameters: Int
  /// Parameters × element size.
  public var parameterBytes: Int
  /// Gradients plus the optimizer's moments (Adam: 2 per parameter; SGD with momentum: 1).
  public var optimizerBytes: Int
  /// What one training batch keeps for the backward pass: each layer's input and each
  /// network layer's pre- and post-activation values.
  public var activationBytes: Int
  /// Forward FLOPs for one sample (2 per multiply-add of the networks and linear layers).
  public var flopsPerSample: Int
  /// A training step is about 3 forward passes (forward, then backward for inputs and weights).
  public var trainingFlopsPerStep: Int

  public var totalBytes: Int {
    parameterBytes.addingSaturating(optimizerBytes).addingSaturating(activationBytes)
  }

  public init(_ g: FlowGraph) {
    let size = g.dtype.size
    let params = g.parameterCount
    parameters = params
    parameterBytes = params.multipliedSaturating(by: size)
    let t = g.settings.train
    let moments: Int
    switch t.optimizer.value {
    case .adam, .adamw: moments = 2
    case .sgd: moments = t.momentum.value > 0 ? 1 : 0
    }
    optimizerBytes = params.multipliedSaturating(by: (1 + moments) * size)

    var perSampleValues = 0
    var flops = 0
    for node in g.nodes {
      perSampleValues = perSampleValues.addingSaturating(node.inputDim.multipliedSaturating(by: 2))
      switch node.op {
      case .affineCoupling(let c), .additiveCoupling(let c):
        for net in c.nets.all {
          flops = flops.addingSaturating(net.flopsPerSample)
          let widths = net.hidden.map { max(0, $0.value) } + [net.outputs]
          perSampleValues = perSampleValues.addingSaturating(widths.reduce(0) { $0.addingSaturating($1.multipliedSaturating(by: 2)) })
        }
      case .invertibleLinear:
        flops = flops.addingSaturating(2.multipliedSaturating(by: node.inputDim.multipliedSaturating(by: node.inputDim)))
      default:
        flops = flops.addingSaturating(node.inputDim.multipliedSaturating(by: 2))
      }
    }
    activationBytes = perSampleValues.multipliedSaturating(by: max(1, t.batchSize.value)).multipliedSaturating(by: size)
    flopsPerSample = flops
    trainingFlopsPerStep = flops.multipliedSaturating(by: 3).multipliedSaturating(by: max(1, t.batchSize.value))
  }
}

/// `3.07 MiB`, `804 B`: binary units, three significant digits.
public func formatBytes(_ n: Int) -> String {
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
public func formatFLOPs(_ n: Int) -> String {
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

func formatSignificant(_ x: Double) -> String {
  let digits = x >= 100 ? 0 : (x >= 10 ? 1 : 2)
  var s = fixedPoint(x, digits: digits)
  if s.contains(".") {
    while s.hasSuffix("0") { s.removeLast() }
    if s.hasSuffix(".") { s.removeLast() }
  }
  return s
}

/// Fixed-point formatting without Foundation's locale-dependent formatters.
func fixedPoint(_ x: Double, digits: Int) -> String {
  var scale = 1.0
  for _ in 0..<digits { scale *= 10 }
  let r = (x * scale).rounded() / scale
  if digits == 0 { return String(Int64(r)) }
  let whole = Int64(r.rounded(.towardZero))
  let frac = abs(Int64(((r - Double(whole)) * scale).rounded()))
  let fracText = String(frac)
  return "\(whole)." + String(repeating: "0", count: max(0, digits - fracText.count)) + fracText
}

/// `804,888`.
public func formatCount(_ n: Int) -> String {
  let s = String(n)
  var out = ""
  for (i, ch) in s.reversed().enumerated() {
    if i > 0, i % 3 == 0, ch != "-" { out.append(",") }
    out.append(ch)
  }
  return String(out.reversed())
}
