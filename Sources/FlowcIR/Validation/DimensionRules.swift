import FlowcDiagnostics
import FlowcSpec

/// `shape-dimension`, `mask-size`, `data-dimension`: every tensor size agrees with the
/// flow's dimension (each kind checks its own sizes, e.g. `permutation-size`).
@Sendable func checkDimensions(_ g: FlowGraph) -> [Diagnostic] {
  var out: [Diagnostic] = []
  let d = g.dimension.value
  // A dimension below 1, or a shape with an entry below 1, is `value-range`'s to report;
  // sizes compared with it here would only add false errors ("moons draws 2-dimensional
  // points but the flow has dimension 0").
  guard d >= 1, !(g.shape?.value.contains { $0.value < 1 } ?? false) else { return [] }
  if let shape = g.shape {
    let product = shape.value.reduce(1) { $0.multipliedSaturating(by: max(0, $1.value)) }
    if product != d {
      out.append(IRDiagnostics.shapeDimension(shape.value.map(\.value), product: product, dimension: g.dimension,
                                              at: shape.range))
    }
  }
  var seen = Set<SourceRange>()  // a repeated layer is reported once, at its spec line
  for node in g.nodes {
    if let m = node.op.mask, m.values.count != node.inputDim, seen.insert(m.range).inserted {
      out.append(IRDiagnostics.maskSize(m.values.count, width: node.inputDim, flowDimension: d, note: widthNote(node, in: g),
                                        at: m.range, node: node))
    }
  }
  // Toy sources draw 2-D points.
  let source = g.settings.data.source
  if source.value.isToy, d != 2 {
    out.append(IRDiagnostics.dataDimension(source.value.rawValue, dimension: g.dimension, at: source.range))
  }
  return out
}

/// Where a node's width comes from: the flow's `dim` (or `shape`), or the split before it
/// that passed on fewer features.
func widthNote(_ node: GraphNode, in g: FlowGraph) -> Diagnostic.Note {
  if let split = g.nodes[..<node.index].last(where: { $0.factoredShape != nil }) { return IRDiagnostics.splitWidthNote(split) }
  return IRDiagnostics.dimensionNote(g.dimension)
}
