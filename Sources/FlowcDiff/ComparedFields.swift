import FlowcDiagnostics
import FlowcIR
import FlowcSpec

/// A value as `flowc diff` compares it: a canonical text (numbers printed from their
/// parsed value, so `1e-4` and `0.0001` give the same text) and where it came from.
package struct ComparedField {
  package var name: String
  package var value: String
  package var location: GraphDiff.Location
}

/// A node reduced to what it means: its kind and every field that changes what it
/// computes. Provenance (mask origin, template names, auto-generated names, repeat
/// iterations) is left out, so it never counts as a difference.
package struct NodeSignature {
  package var kind: String
  package var fields: [ComparedField]
  /// A hash of the kind and every field value: equal nodes have equal keys.
  package var key: Int
  /// One hash per field, to count differing fields cheaply during the alignment.
  package var fieldKeys: [Int]

  package init(_ node: GraphNode) {
    kind = node.op.kind
    fields = nodeFields(node)
    fieldKeys = fields.map { var h = Hasher(); h.combine($0.name); h.combine($0.value); return h.finalize() }
    var h = Hasher()
    h.combine(kind)
    for k in fieldKeys { h.combine(k) }
    key = h.finalize()
  }

  /// How many fields differ from `other`'s (same kind assumed); at most `cap`.
  package func differingFields(_ other: NodeSignature, cap: Int) -> Int {
    guard fieldKeys.count == other.fieldKeys.count else { return cap }
    var n = 0
    for i in fieldKeys.indices where fieldKeys[i] != other.fieldKeys[i] {
      n += 1
      if n >= cap { return cap }
    }
    return n
  }
}

/// The canonical text of a number.
func canonical(_ x: Double) -> String { formatNumber(x) }

private func at(_ range: SourceRange) -> GraphDiff.Location { GraphDiff.Location(range: range) }

/// Every field of a node that `diff` compares, in a fixed order: its name (when the
/// spec gave one), its sizes, then the fields its kind lists.
package func nodeFields(_ node: GraphNode) -> [ComparedField] {
  var out: [ComparedField] = []
  let layer = at(node.range)
  if !node.hasDefaultName {
    out.append(ComparedField(name: "name", value: node.name, location: layer))
  }
  out.append(ComparedField(name: "features", value: "\(node.inputDim) -> \(node.outputDim)", location: layer))
  for f in node.op.comparedFields(node) {
    out.append(ComparedField(name: f.name, value: f.value, location: GraphDiff.Location(range: f.range, isDefault: f.isDefault)))
  }
  return out
}

/// A one-line summary of a node for insertions and removals.
func nodeSummary(_ node: GraphNode, _ sig: NodeSignature) -> GraphDiff.LayerSummary {
  let text = sig.fields.filter { $0.name != "features" }.map { "\($0.name) \($0.value)" }.joined(separator: " · ")
  return GraphDiff.LayerSummary(index: node.index, kind: sig.kind, summary: text, parameters: node.parameterCount,
                                location: at(node.range))
}

/// Every setting outside the flow, with defaults filled in: dimensions, prior, data,
/// train, eval and limits, in a fixed order.
package func settingFields(_ g: FlowGraph) -> [ComparedField] {
  var out: [ComparedField] = []
  func add<T>(_ name: String, _ s: Setting<T>, _ text: (T) -> String) {
    out.append(ComparedField(name: name, value: text(s.value), location: GraphDiff.Location(range: s.range, isDefault: s.isDefault)))
  }
  func add<T>(_ name: String, _ s: Setting<T>?, unset: String, _ text: (T) -> String) {
    if let s { add(name, s, text) } else { out.append(ComparedField(name: name, value: unset, location: GraphDiff.Location(range: nil, isDefault: true))) }
  }
  out.append(ComparedField(name: "dim", value: String(g.dimension.value), location: at(g.dimension.range)))
  out.append(ComparedField(name: "shape", value: g.shape.map { $0.value.map { String($0.value) }.joined(separator: "x") } ?? "none",
                           location: g.shape.map { at($0.range) } ?? GraphDiff.Location(range: nil, isDefault: true)))
  out.append(ComparedField(name: "dtype", value: g.dtype.rawValue, location: GraphDiff.Location(range: nil, isDefault: false)))
  out.append(ComparedField(name: "prior", value: g.prior.kind.value.rawValue, location: at(g.prior.kind.range)))
  let d = g.settings.data
  add("data.source", d.source) { $0.rawValue }
  add("data.noise", d.noise, canonical)
  add("data.factor", d.factor, canonical)
  add("data.fresh", d.fresh) { String($0) }
  add("data.train_size", d.trainSize, unset: "all") { String($0) }
  add("data.validation_size", d.validationSize, unset: "10% of the file") { String($0) }
  add("data.path", d.path, unset: "none") { $0 }
  add("data.test_path", d.testPath, unset: "none") { $0 }
  add("data.labels", d.labels, unset: "none") { $0 }
  add("data.test_labels", d.testLabels, unset: "none") { $0 }
  add("data.classes", d.classes, unset: "all") { "[" + $0.map { String($0.value) }.joined(separator: ", ") + "]" }
  add("data.seed", d.seed) { String($0) }
  add("data.preprocess.dequantize", d.dequantize) { String($0) }
  add("data.preprocess.levels", d.levels) { String($0) }
  add("data.preprocess.logit_alpha", d.logitAlpha, unset: "none", canonical)
  out.append(ComparedField(name: "data.context", value: d.context?.description ?? "none",
                           location: d.context.map { GraphDiff.Location(range: $0.range, isDefault: false) }
                             ?? GraphDiff.Location(range: nil, isDefault: true)))
  let t = g.settings.train
  add("train.optimizer", t.optimizer) { $0.rawValue }
  add("train.lr", t.learningRate, canonical)
  add("train.betas", t.betas) { "[" + $0.map(canonical).joined(separator: ", ") + "]" }
  add("train.eps", t.epsilon, canonical)
  add("train.momentum", t.momentum, canonical)
  add("train.weight_decay", t.weightDecay, canonical)
  add("train.batch_size", t.batchSize) { String($0) }
  add("train.steps", t.steps, unset: "none") { String($0) }
  add("train.epochs", t.epochs, unset: "none") { String($0) }
  add("train.seed", t.seed) { String($0) }
  add("train.schedule", t.schedule) { $0.rawValue }
  add("train.warmup_steps", t.warmupSteps) { String($0) }
  add("train.min_lr", t.minLearningRate, canonical)
  add("train.clip_grad_norm", t.clipGradNorm, unset: "none", canonical)
  add("train.eval_every", t.evalEvery, unset: "a tenth of the run") { String($0) }
  add("train.checkpoint_every", t.checkpointEvery, unset: "every evaluation") { String($0) }
  let e = g.settings.eval
  add("eval.test_size", e.testSize) { String($0) }
  add("eval.seed", e.seed) { String($0) }
  add("eval.samples", e.samples) { String($0) }
  add("eval.batch_size", e.batchSize) { String($0) }
  add("eval.temperature", e.temperature, canonical)
  add("limits.memory", g.settings.memoryLimit) { formatBytes($0) == "\($0) B" ? "\($0) B" : "\(formatBytes($0)) (\($0) B)" }
  return out
}
