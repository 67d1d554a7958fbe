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
    kind = node.op.kindName
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

/// `keeps 1,3 · transforms 0,2`, the same words as the IR printout.
func maskText(_ c: Coupling) -> String {
  func list(_ xs: [Int]) -> String { xs.isEmpty ? "none" : compressedList(xs) }
  return "keeps \(list(c.kept)) · transforms \(list(c.transformed))"
}

/// `0-391`, `0,2,...,782`, `3,1,0,2`: runs of a constant step are shortened.
func compressedList(_ xs: [Int]) -> String {
  var parts: [String] = []
  var i = 0
  while i < xs.count {
    var j = i + 1
    if j < xs.count {
      let step = xs[j] - xs[i]
      while j + 1 < xs.count, xs[j + 1] - xs[j] == step { j += 1 }
      if j - i >= 2, step != 0 {
        parts.append(step == 1 ? "\(xs[i])-\(xs[j])" : "\(xs[i]),\(xs[i] + step),...,\(xs[j])")
        i = j + 1
        continue
      }
    }
    parts.append(String(xs[i]))
    i += 1
  }
  return parts.joined(separator: ",")
}

/// Every field of a node that `diff` compares, in a fixed order.
package func nodeFields(_ node: GraphNode) -> [ComparedField] {
  var out: [ComparedField] = []
  let layer = at(node.range)
  if node.name != "\(node.op.kindName)\(node.index)" {
    out.append(ComparedField(name: "name", value: node.name, location: layer))
  }
  out.append(ComparedField(name: "features", value: "\(node.inputDim) -> \(node.outputDim)", location: layer))
  switch node.op {
  case .affineCoupling(let c), .additiveCoupling(let c):
    out.append(ComparedField(name: "mask", value: maskText(c), location: at(c.maskRange)))
    out.append(ComparedField(name: "net_io", value: c.io.rawValue, location: layer))
    let layout: String
    switch (node.op, c.nets) {
    case (.additiveCoupling, _): layout = "shift"
    case (_, .shared): layout = "shared"
    case (_, .separate): layout = "separate"
    }
    out.append(ComparedField(name: "nets", value: layout, location: layer))
    for net in c.nets.all {
      let netAt = at(net.range)
      out.append(ComparedField(name: "\(net.role).widths", value: net.shapeDescription,
                               location: net.hidden.first.map { at($0.range) } ?? netAt))
      out.append(ComparedField(name: "\(net.role).activation", value: net.activation.value.description,
                               location: at(net.activation.range)))
      out.append(ComparedField(name: "\(net.role).output_activation", value: net.outputActivation.value.description,
                               location: at(net.outputActivation.range)))
      out.append(ComparedField(name: "\(net.role).init", value: net.initialization.rawValue, location: netAt))
    }
    if case .affineCoupling = node.op {
      out.append(ComparedField(name: "scale_function", value: c.scaleFunction.value.rawValue, location: at(c.scaleFunction.range)))
      out.append(ComparedField(name: "scale_clamp", value: c.scaleClamp.map { canonical($0.value) } ?? "none",
                               location: c.scaleClamp.map { at($0.range) } ?? GraphDiff.Location(range: node.range, isDefault: true)))
    }
  case .diagonalScaling(let s):
    out.append(ComparedField(name: "init", value: canonical(s.value), location: at(s.range)))
  case .permutation(let p):
    out.append(ComparedField(name: "order", value: compressedList(p.order), location: at(p.range)))
  case .actnorm:
    break
  case .batchNorm(let m, let eps):
    out.append(ComparedField(name: "momentum", value: canonical(m.value), location: at(m.range)))
    out.append(ComparedField(name: "epsilon", value: canonical(eps.value), location: at(eps.range)))
  case .invertibleLinear(let l):
    out.append(ComparedField(name: "parametrization", value: l.parametrization.value.rawValue, location: at(l.parametrization.range)))
    out.append(ComparedField(name: "init", value: l.initialization.rawValue, location: layer))
    out.append(ComparedField(name: "seed", value: String(l.seed), location: layer))
  case .elementwise(let f):
    out.append(ComparedField(name: "function", value: f.value.description, location: at(f.range)))
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
  add("data.seed", d.seed) { String($0) }
  add("data.preprocess.dequantize", d.dequantize) { String($0) }
  add("data.preprocess.levels", d.levels) { String($0) }
  add("data.preprocess.logit_alpha", d.logitAlpha, unset: "none", canonical)
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
