import FlowcDiagnostics
import FlowcSpec

/// What training a graph costs, computed from the graph alone before anything is
/// allocated: the numbers `check` prints and the budget rule compares.
///
/// The memory counted is every buffer a run allocates that grows with the spec: the
/// parameters, their gradients and the optimizer's moments, one training batch's
/// activations, the data sets a toy source draws (training set, validation set, test
/// set, with their labels, per-row scores and the generator's scratch), and the working
/// set of one evaluation batch (scoring and sampling both go in `eval.batch_size` rows).
/// File data sets are bounded by the readers' limits instead (docs/limits.md), since
/// their row counts are only known once the file is read.
///
/// All arithmetic saturates, so an absurd spec gives Int.max (and a budget error)
/// rather than an overflow trap.
package struct ResourceEstimate: Sendable, Equatable {
  package var parameters: Int
  /// Parameters × element size.
  package var parameterBytes: Int
  /// Gradients plus the optimizer's moments (Adam: 2 per parameter; SGD with momentum: 1).
  package var optimizerBytes: Int
  /// What one training batch keeps for the backward pass: each layer's input and each
  /// network layer's pre- and post-activation values.
  package var activationBytes: Int
  /// The data sets held in memory for a toy source (training, validation and test
  /// points); 0 for file sources, whose sizes are bounded by the readers' limits.
  package var dataBytes: Int
  /// One evaluation batch: the largest layer's working set for `eval.batch_size` rows.
  package var evaluationBytes: Int
  /// Forward FLOPs for one sample (2 per multiply-add of the networks and linear layers).
  package var flopsPerSample: Int
  /// A training step is about 3 forward passes (forward, then backward for inputs and
  /// weights), more for layers whose density direction is sequential (`iaf`).
  package var trainingFlopsPerStep: Int
  /// FLOPs of drawing one sample (every layer's inverse); equal to `flopsPerSample` but
  /// for autoregressive layers, whose sampling and density directions differ.
  package var samplingFlopsPerSample: Int
  /// Each part of the memory, largest first: what the budget error names and points at.
  package var contributors: [Contributor]

  /// One part of the memory estimate, with the spec value that makes it large.
  package struct Contributor: Sendable, Equatable {
    /// What it is, as the budget error names it ("the activations of a training batch of 100").
    package var what: String
    package var bytes: Int
    /// The value to change: a width, a batch size, a set size.
    package var range: SourceRange
    /// The value is a default, not written in the spec: `range` is only a fallback place.
    package var isDefault: Bool = false
  }

  /// The validation set a toy source draws without `validation_size` (DataPlan's default).
  package static let defaultToyValidationSize = 1_000

  /// Bytes per row of a toy data set beyond its values: the label (8), the per-row
  /// log-density and score (16), and the generator's transient arrays (angles,
  /// coordinates and the shuffle order, about 40).
  package static let toyBytesPerRow = 64

  package var totalBytes: Int {
    parameterBytes.addingSaturating(optimizerBytes).addingSaturating(activationBytes)
      .addingSaturating(dataBytes).addingSaturating(evaluationBytes)
  }

  /// The contributor the budget error points at: the largest.
  package var largest: Contributor? { contributors.first }

  package init(_ g: FlowGraph) {
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
    // A parameter costs itself, its gradient and its moments.
    let bytesPerParameter = (2 + moments) * size
    optimizerBytes = params.multipliedSaturating(by: (1 + moments) * size)
    var parts: [Contributor] = []

    var perSampleValues = 0
    var widestLayer = 0
    var flops = 0, sampling = 0, training = 0
    for node in g.nodes {
      let own = node.inputDim.multipliedSaturating(by: 2).addingSaturating(node.op.activationValuesPerSample(input: node.inputShape))
      perSampleValues = perSampleValues.addingSaturating(own)
      widestLayer = max(widestLayer, own)
      flops = flops.addingSaturating(node.op.flopsPerSample(input: node.inputShape))
      sampling = sampling.addingSaturating(node.op.samplingFlopsPerSample(input: node.inputShape))
      training = training.addingSaturating(node.op.trainingFlopsPerSample(input: node.inputShape))
      parts += Self.parameterContributors(node, bytesPerParameter: bytesPerParameter)
    }
    let batch = max(1, t.batchSize.value)
    activationBytes = perSampleValues.multipliedSaturating(by: batch).multipliedSaturating(by: size)
    parts.append(Contributor(what: "the activations of a training batch of \(formatCount(batch)) ('batch_size')",
                             bytes: activationBytes, range: t.batchSize.range, isDefault: t.batchSize.isDefault))
    flopsPerSample = flops
    samplingFlopsPerSample = sampling
    trainingFlopsPerStep = training.multipliedSaturating(by: batch)

    // Evaluation batches: the widest layer's working set, and the batch itself in Float.
    let e = g.settings.eval
    let evalBatch = max(1, e.batchSize.value)
    let dimension = max(0, g.dimension.value)
    evaluationBytes = evalBatch.multipliedSaturating(by: widestLayer.multipliedSaturating(by: size)
      .addingSaturating(dimension.multipliedSaturating(by: 4)).addingSaturating(16))
    parts.append(Contributor(what: "an evaluation batch of \(formatCount(evalBatch)) rows (eval 'batch_size')",
                             bytes: evaluationBytes, range: e.batchSize.range, isDefault: e.batchSize.isDefault))

    // Toy data sets: values in Float, plus labels, scores and the generator's scratch.
    var data = 0
    let d = g.settings.data
    if d.source.value.isToy {
      let rowBytes = dimension.multipliedSaturating(by: 4).addingSaturating(Self.toyBytesPerRow)
      func add(_ rows: Int, _ what: String, at range: SourceRange, isDefault: Bool = false) {
        let bytes = max(0, rows).multipliedSaturating(by: rowBytes)
        data = data.addingSaturating(bytes)
        parts.append(Contributor(what: "the \(what) of \(formatCount(max(0, rows))) points", bytes: bytes, range: range,
                                 isDefault: isDefault))
      }
      add(e.testSize.value, "test set ('test_size')", at: e.testSize.range, isDefault: e.testSize.isDefault)
      if let v = d.validationSize {
        add(v.value, "validation set ('validation_size')", at: v.range, isDefault: v.isDefault)
      } else {
        add(Self.defaultToyValidationSize, "validation set ('validation_size')", at: d.source.range, isDefault: true)
      }
      if !d.fresh.value, let n = d.trainSize { add(n.value, "training set ('train_size')", at: n.range, isDefault: n.isDefault) }
    }
    dataBytes = data
    // Largest first; ties keep the order above (parameters before activations).
    contributors = parts.enumerated().sorted { a, b in
      a.element.bytes != b.element.bytes ? a.element.bytes > b.element.bytes : a.offset < b.offset
    }.map(\.element)
  }

  /// A node's parameters with their gradients and moments: one contributor per network
  /// (pointing at its widest hidden width, or at the net), and one for the node's own
  /// parameters outside its networks (pointing at the layer).
  private static func parameterContributors(_ node: GraphNode, bytesPerParameter: Int) -> [Contributor] {
    var out: [Contributor] = []
    var inNets = 0
    for net in node.op.nets {
      let p = net.parameterCount
      inNets = inNets.addingSaturating(p)
      let widest = net.hidden.max { $0.value < $1.value }
      let hiddenText = widest.map { " (hidden width \(formatCount($0.value)))" } ?? ""
      out.append(Contributor(
        what: "the \(net.role) network of layer %\(node.index), \(formatCount(p)) parameters\(hiddenText) with their gradients and optimizer state",
        bytes: p.multipliedSaturating(by: bytesPerParameter), range: widest?.range ?? net.range))
    }
    let own = node.parameterCount == .max ? Int.max : max(0, node.parameterCount - inNets)
    if own > 0 {
      out.append(Contributor(
        what: "layer %\(node.index)'s \(formatCount(own)) parameters with their gradients and optimizer state",
        bytes: own.multipliedSaturating(by: bytesPerParameter), range: node.range))
    }
    return out
  }
}
