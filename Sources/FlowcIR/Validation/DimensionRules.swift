import FlowcDiagnostics
import FlowcSpec

/// `shape-dimension`, `mask-size`, `data-dimension`: every tensor size agrees with the
/// flow's dimension (each kind checks its own sizes, e.g. `permutation-size`).
@Sendable func checkDimensions(_ g: FlowGraph) -> [Diagnostic] {
  var out: [Diagnostic] = []
  let d = g.dimension.value
  let dimNote = IRDiagnostics.dimensionNote(g.dimension)
  if let shape = g.shape {
    let product = shape.value.reduce(1) { $0.multipliedSaturating(by: max(0, $1.value)) }
    if product != d {
      let text = shape.value.map { String($0.value) }.joined(separator: " × ")
      out.append(.error("shape-dimension", "shape \(text) has \(product) entries but 'dim' is \(d)",
                        at: shape.range, notes: [dimNote],
                        suggestion: "make 'dim' the product of 'shape', or leave 'dim' out"))
    }
  }
  var seen = Set<SourceRange>()  // a repeated layer is reported once, at its spec line
  for node in g.nodes {
    if let m = node.op.mask, m.values.count != node.inputDim, seen.insert(m.range).inserted {
      let message = node.inputDim == d ? "mask has \(m.values.count) entries but the flow has dimension \(d)"
        : "mask has \(m.values.count) entries but layer %\(node.index) acts on \(node.inputDim) features"
      out.append(.error("mask-size", message, at: m.range, notes: [widthNote(node, in: g)] + repeatNote(node),
                        suggestion: "write one 0/1 entry per dimension, or use a generator such as 'even'"))
    }
  }
  // Toy sources draw 2-D points.
  let source = g.settings.data.source
  if source.value.isToy, d != 2 {
    out.append(.error("data-dimension", "data source '\(source.value.rawValue)' draws 2-dimensional points but the flow has dimension \(d)",
                      at: source.range, notes: [dimNote], suggestion: "set 'dim: 2'"))
  }
  return out
}

/// Where a node's width comes from: the flow's `dim` (or `shape`), or the split before it
/// that passed on fewer features.
func widthNote(_ node: GraphNode, in g: FlowGraph) -> Diagnostic.Note {
  if let split = g.nodes[..<node.index].last(where: { $0.factoredShape != nil }) {
    return .init("the split %\(split.index) passes on \(split.outputDim) features (\(split.outputShape)) here", at: split.range)
  }
  return IRDiagnostics.dimensionNote(g.dimension)
}

/// Points at the `repeat` that expanded a layer. Rules report a repeated layer once,
/// at its spec line, so the note names the first expanded node.
func repeatNote(_ node: GraphNode) -> [Diagnostic.Note] {
  guard let r = node.repeats.last else { return [] }
  return [.init("repeated \(r.count) times by this repeat; the first copy is layer %\(node.index)", at: r.range)]
}
