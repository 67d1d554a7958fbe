import FlowcDiagnostics
import FlowcSpec

/// `context-needs-labels`, `context-class-range`, `context-missing`, `context-unused`,
/// `value-range` and, for a column context, `context-columns-source`,
/// `context-columns-empty`, `duplicate-context-column` and `context-columns-conflict`,
/// for a conditional flow's `data.context` and `conditional_normal` prior.
///
/// A label outside 0 ..< num_classes in the label files themselves, and a column that is
/// not in a CSV file's header, can only be seen when the files are read: the data reader
/// reports them, naming the file.
@Sendable func checkContext(_ g: FlowGraph) -> [Diagnostic] {
  let d = g.settings.data
  guard let c = d.context else {
    if g.prior.kind.value == .conditionalNormal { return [IRDiagnostics.contextMissing(at: g.prior.kind.range)] }
    return []
  }
  var out: [Diagnostic] = []
  if let columns = c.columns {
    out += checkContextColumns(columns, c, source: d.source)
  } else {
    if c.encoding.value == .identity {
      out.append(IRDiagnostics.contextIdentityWithoutColumns(at: c.encoding.range))
    }
    out += checkClassContext(c, d)
  }
  let read = g.prior.kind.value == .conditionalNormal || g.nodes.contains { node in node.op.nets.contains { $0.context > 0 } }
  if !read { out.append(IRDiagnostics.contextUnused(at: c.range)) }
  return out
}

/// The rules of a class context: labels to read, and sizes in range.
private func checkClassContext(_ c: ContextSettings, _ d: DataSettings) -> [Diagnostic] {
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
  return out
}

/// The rules of a column context: a CSV source (whose header names the columns), at
/// least one column, each named once, and no key of a class context beside them.
private func checkContextColumns(_ columns: Setting<[Located<String>]>, _ c: ContextSettings, source: Setting<DataSpec.Source>) -> [Diagnostic] {
  var out: [Diagnostic] = []
  if source.value != .csv {
    out.append(IRDiagnostics.contextColumnsSource(source.value.rawValue, at: columns.range, sourceAt: source.range))
  }
  if columns.value.isEmpty { out.append(IRDiagnostics.contextColumnsEmpty(at: columns.range)) }
  if columns.value.count > SpecDefaults.maxContextClasses {
    out.append(IRDiagnostics.valueRange("the number of 'columns'", columns.value.count, "at most \(formatCount(SpecDefaults.maxContextClasses))", at: columns.range))
  }
  var first: [String: SourceRange] = [:]
  for name in columns.value {
    if let earlier = first[name.value] {
      out.append(IRDiagnostics.duplicateContextColumn(name.value, at: name.range, first: earlier))
    } else {
      first[name.value] = name.range
    }
  }
  for conflict in c.conflicts {
    out.append(IRDiagnostics.contextColumnsConflict(conflict.key, at: conflict.range, columnsAt: columns.range))
  }
  return out
}
