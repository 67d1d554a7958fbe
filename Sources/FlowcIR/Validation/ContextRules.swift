import FlowcDiagnostics
import FlowcSpec

/// `context-needs-labels`, `context-class-range`, `context-missing`, `context-unused` and
/// `value-range` for a conditional flow's `data.context` and `conditional_normal` prior.
///
/// A label outside 0 ..< num_classes in the label files themselves can only be seen when
/// they are read: the data reader reports it, naming the file and the example.
@Sendable func checkContext(_ g: FlowGraph) -> [Diagnostic] {
  let d = g.settings.data
  guard let c = d.context else {
    if g.prior.kind.value == .conditionalNormal { return [IRDiagnostics.contextMissing(at: g.prior.kind.range)] }
    return []
  }
  var out: [Diagnostic] = []
  if d.source.value.isToy {
    out.append(IRDiagnostics.contextNeedsLabels(source: d.source.value.rawValue, at: c.range))
  } else if d.labels == nil {
    out.append(IRDiagnostics.contextNeedsLabels(source: nil, at: c.range))
  } else if let testPath = d.testPath, d.testLabels == nil {
    out.append(IRDiagnostics.contextNeedsTestLabels(at: c.range, testPath: testPath.range))
  }
  // One class is a constant context; the upper bound keeps a one-hot row a sane size.
  let k = c.numClasses
  if k.value < 1 || k.value > SpecDefaults.maxContextClasses {
    out.append(IRDiagnostics.valueRange("'num_classes'", k.value, "between 1 and \(formatCount(SpecDefaults.maxContextClasses))", at: k.range))
  } else if let classes = d.classes {
    for label in classes.value where label.value >= k.value {
      out.append(IRDiagnostics.contextClassRange(label.value, numClasses: k.value, at: label.range, numClassesAt: k.range))
    }
  }
  if let w = c.embeddingWidth, w.value < 1 || w.value > SpecDefaults.maxContextClasses {
    out.append(IRDiagnostics.valueRange("'embedding_width'", w.value, "between 1 and \(formatCount(SpecDefaults.maxContextClasses))", at: w.range))
  }
  let read = g.prior.kind.value == .conditionalNormal || g.nodes.contains { node in node.op.nets.contains { $0.context > 0 } }
  if !read { out.append(IRDiagnostics.contextUnused(at: c.range)) }
  return out
}
