import FlowcDiagnostics
import FlowcSpec

/// `mask-values`, `mask-keeps-nothing`, `mask-transforms-nothing`: a mask is 0/1 and
/// splits the dimensions into two non-empty parts (a coupling that keeps nothing has
/// nothing to condition on; one that transforms nothing is the identity).
@Sendable func checkMasks(_ g: FlowGraph) -> [Diagnostic] {
  var out: [Diagnostic] = []
  // A repeated layer would report the same problem once per iteration: report each
  // spec location once.
  var seen = Set<SourceRange>()
  for node in g.nodes {
    guard let c = node.op.mask, c.values.count == node.inputDim, seen.insert(c.range).inserted else { continue }
    let bad = c.values.enumerated().filter { $0.element != 0 && $0.element != 1 }
    if let first = bad.first {
      out.append(IRDiagnostics.maskValues(entry: first.offset, value: first.element, at: c.range, node: node))
      continue
    }
    if let image = node.inputShape.image, image.channels == 1, c.origin == "first_half" || c.origin == "second_half" {
      // FrEIA#8: a single-channel image has no channel to split off.
      out.append(IRDiagnostics.channelMaskOneChannel(c.origin, input: node.inputShape, at: c.range))
      continue
    }
    if c.kept.isEmpty {
      out.append(IRDiagnostics.maskKeepsNothing(at: c.range, node: node))
    } else if c.transformed.isEmpty {
      out.append(IRDiagnostics.maskTransformsNothing(at: c.range, node: node))
    }
  }
  return out
}

/// `untransformed-dimension`: every data dimension is transformed by some coupling.
/// Dimensions are followed through permutations; an invertible linear layer mixes all
/// of them, after which any coupling transforms every data dimension.
@Sendable func checkCoverage(_ g: FlowGraph) -> [Diagnostic] {
  let d = g.dimension.value
  guard d > 0, let first = g.nodes.lazy.compactMap(\.op.mask).first else { return [] }
  // With a malformed mask or permutation the dimensions cannot be followed; those get
  // their own diagnostics, and guessing here would only add a misleading one.
  for node in g.nodes {
    let w = node.inputDim
    if let m = node.op.mask, m.values.count != w || m.values.contains(where: { $0 != 0 && $0 != 1 }) { return [] }
    if case .permutes(let order) = node.op.positions, order.count != w || Set(order) != Set(0..<w) { return [] }
  }
  // origin[i]: the data dimension now at position i, or nil once positions are mixed.
  // A split passes on the first positions only; the others go to the prior as they are.
  var origin: [Int]? = Array(0..<d)
  var covered = [Bool](repeating: false, count: d)
  for node in g.nodes {
    if let o = origin, node.inputDim < o.count { origin = Array(o.prefix(node.inputDim)) }
    switch node.op.positions {
    case .permutes(let order):
      guard let o = origin else { continue }
      origin = order.map { o[$0] }
    case .mixes:
      origin = nil
    case .transforms(let positions):
      for i in positions {
        if let o = origin { covered[o[i]] = true } else { covered = covered.map { _ in true } }
      }
    case .keeps:
      continue
    }
  }
  let missing = covered.indices.filter { !covered[$0] }
  guard !missing.isEmpty else { return [] }
  return [IRDiagnostics.untransformedDimension(missing, firstMask: first.range)]
}

/// `same-mask` (warning): two couplings in a row with the same mask transform the same
/// dimensions twice while the others wait; usually a forgotten `flip`.
@Sendable func checkRepeatedMasks(_ g: FlowGraph) -> [Diagnostic] {
  var out: [Diagnostic] = []
  var seen = Set<SourceRange>()
  var previous: (LayerMask, GraphNode)?
  for node in g.nodes {
    if let c = node.op.mask {
      if let (p, pn) = previous, p.values == c.values, c.values.count == node.inputDim, seen.insert(c.range).inserted {
        out.append(IRDiagnostics.sameMask(node, at: c.range, previous: pn, previousMask: p.range))
      }
      previous = (c, node)
      continue
    }
    switch node.op.positions {
    case .permutes, .mixes:
      previous = nil  // positions move: equal masks then act on different dimensions
    case .keeps, .transforms:
      continue  // elementwise and normalising layers keep positions
    }
  }
  return out
}
