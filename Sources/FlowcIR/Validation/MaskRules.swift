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
    guard let c = node.op.coupling, c.mask.count == g.dimension.value, seen.insert(c.maskRange).inserted else { continue }
    let bad = c.mask.enumerated().filter { $0.element != 0 && $0.element != 1 }
    if let first = bad.first {
      out.append(.error("mask-values", "mask entry \(first.offset) is \(first.element); mask entries are 0 (transformed) or 1 (kept)",
                        at: c.maskRange, notes: repeatNote(node)))
      continue
    }
    if c.kept.isEmpty {
      out.append(.error("mask-keeps-nothing", "this mask keeps no dimension, so the coupling's networks see nothing",
                        at: c.maskRange, notes: repeatNote(node), suggestion: "a 1 marks a kept dimension; keep about half"))
    } else if c.transformed.isEmpty {
      out.append(.error("mask-transforms-nothing", "this mask keeps every dimension, so the coupling transforms nothing",
                        at: c.maskRange, notes: repeatNote(node), suggestion: "a 0 marks a transformed dimension; transform about half"))
    }
  }
  return out
}

/// `untransformed-dimension`: every data dimension is transformed by some coupling.
/// Dimensions are followed through permutations; an invertible linear layer mixes all
/// of them, after which any coupling transforms every data dimension.
@Sendable func checkCoverage(_ g: FlowGraph) -> [Diagnostic] {
  let d = g.dimension.value
  guard d > 0, g.nodes.contains(where: { $0.op.coupling != nil }) else { return [] }
  // With a malformed mask or permutation the dimensions cannot be followed; those get
  // their own diagnostics, and guessing here would only add a misleading one.
  for node in g.nodes {
    switch node.op {
    case .affineCoupling(let c), .additiveCoupling(let c):
      if c.mask.count != d || c.mask.contains(where: { $0 != 0 && $0 != 1 }) { return [] }
    case .permutation(let p):
      if p.order.count != d || Set(p.order) != Set(0..<d) { return [] }
    default: continue
    }
  }
  // origin[i]: the data dimension now at position i, or nil once positions are mixed.
  var origin: [Int]? = Array(0..<d)
  var covered = [Bool](repeating: false, count: d)
  for node in g.nodes {
    switch node.op {
    case .permutation(let p):
      guard let o = origin else { continue }
      origin = p.order.map { o[$0] }
    case .invertibleLinear:
      origin = nil
    case .affineCoupling(let c), .additiveCoupling(let c):
      for i in c.transformed {
        if let o = origin { covered[o[i]] = true } else { covered = covered.map { _ in true } }
      }
    default:
      continue
    }
  }
  let missing = covered.indices.filter { !covered[$0] }
  guard !missing.isEmpty else { return [] }
  let list = missing.prefix(12).map(String.init).joined(separator: ", ") + (missing.count > 12 ? ", ..." : "")
  let range = g.nodes.first(where: { $0.op.coupling != nil })!.op.coupling!.maskRange
  return [.error("untransformed-dimension",
                 "\(missing.count == 1 ? "dimension" : "dimensions") \(list) \(missing.count == 1 ? "is" : "are") kept by every coupling and never transformed",
                 at: range,
                 notes: [.init("masks mark kept dimensions with 1; this is the first coupling's", at: range)],
                 suggestion: "alternate the masks ('keep: flip' after a coupling) or put a permutation between couplings")]
}

/// `same-mask` (warning): two couplings in a row with the same mask transform the same
/// dimensions twice while the others wait; usually a forgotten `flip`.
@Sendable func checkRepeatedMasks(_ g: FlowGraph) -> [Diagnostic] {
  var out: [Diagnostic] = []
  var seen = Set<SourceRange>()
  var previous: (Coupling, GraphNode)?
  for node in g.nodes {
    switch node.op {
    case .affineCoupling(let c), .additiveCoupling(let c):
      if let (p, pn) = previous, p.mask == c.mask, c.mask.count == g.dimension.value, seen.insert(c.maskRange).inserted {
        out.append(.warning("same-mask", "coupling %\(node.index) has the same mask as coupling %\(pn.index) just before it",
                            at: c.maskRange,
                            notes: [.init("the previous coupling's mask", at: p.maskRange)] + repeatNote(node),
                            suggestion: "use 'keep: flip' to transform the other dimensions"))
      }
      previous = (c, node)
    case .permutation, .invertibleLinear:
      previous = nil  // positions move: equal masks then act on different dimensions
    default:
      continue  // elementwise and normalising layers keep positions
    }
  }
  return out
}

/// `permutation-invalid`: an explicit order is a bijection of 0..D-1.
@Sendable func checkPermutations(_ g: FlowGraph) -> [Diagnostic] {
  var out: [Diagnostic] = []
  var seen = Set<SourceRange>()
  let d = g.dimension.value
  for node in g.nodes {
    guard case .permutation(let p) = node.op, p.order.count == d, seen.insert(p.range).inserted else { continue }
    if let bad = p.order.first(where: { $0 < 0 || $0 >= d }) {
      out.append(.error("permutation-invalid", "permutation entry \(bad) is outside 0..\(d - 1)", at: p.range))
      continue
    }
    var count = [Int](repeating: 0, count: d)
    for i in p.order { count[i] += 1 }
    if let dup = count.indices.first(where: { count[$0] > 1 }) {
      let missing = count.indices.first(where: { count[$0] == 0 })!
      out.append(.error("permutation-invalid", "permutation lists \(dup) twice and never lists \(missing), so it is not invertible",
                        at: p.range, suggestion: "list every index from 0 to \(d - 1) exactly once"))
    }
  }
  return out
}
