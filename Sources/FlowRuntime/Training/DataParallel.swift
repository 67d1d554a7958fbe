import Dispatch

/// Data-parallel gradients on one machine: each training batch is cut into contiguous
/// slices, one per worker, and every worker runs forward and backward on its slice on its
/// own thread; the gradients are then combined into the master flow's, weighted by slice
/// size, so that the master holds exactly the full batch's mean-NLL gradient (up to the
/// order of the floating-point sums).
///
/// Why: a small-batch convolutional flow (Glow at batch 32) gains almost nothing from a
/// multi-threaded BLAS — its products are skinny (2 → 64 and 64 → 4 channels) and its
/// elementwise, patch and ActNorm passes run on one thread while the BLAS threads spin —
/// but two half batches on two cores take half the time each. Worker 0 is the master
/// flow itself; workers 1… are replicas built from the same description, whose
/// parameters and buffers are overwritten with the master's before every pass (a copy of
/// the values, not a re-allocation), so the optimizer only ever sees the master. Replicas
/// must be built from the master's description, seed included: their structural buffers
/// (a MADE's masks) are not copied.
///
/// The caller must run the first training pass of a fresh flow on the master alone
/// (`TrainingStep` does): data-dependent initialisation (ActNorm) must see the whole
/// batch, as it does without workers. Flows with batch normalisation are refused by
/// `isSupported`: their batch statistics and running averages would be per slice.
///
/// Each worker calls BLAS from its own thread; OpenBLAS must then run one thread per call
/// (`BLASConfiguration.threadCount = 1`), since its thread pool serves one caller at a time.
public final class DataParallel<T: FlowScalar> {
  /// The flow the optimizer updates; worker 0.
  public let master: Flow<T>
  /// Workers 1…, same architecture as the master.
  public let replicas: [Flow<T>]
  /// The master's parameters and buffers, then each replica's, in one order.
  private let masterParameters: [Parameter<T>]
  private let masterBuffers: [Buffer<T>]
  private let replicaParameters: [[Parameter<T>]]
  private let replicaBuffers: [[Buffer<T>]]
  /// The master, then the replicas: worker k's flow.
  private let flows: [Flow<T>]
  /// Each worker's slice of the current batch (reused across steps).
  private var slices: [Matrix<T>]
  /// Each worker's result of the latest pass (written in place by the workers).
  private var results: [FlowLoss]
  /// The worker whose flow ran the latest pass with a non-finite loss, if any.
  public private(set) var nonFiniteWorker: Int?

  /// Workers over `master` and `replicas` (each built from the master's description).
  public init(master: Flow<T>, replicas: [Flow<T>]) {
    precondition(!replicas.isEmpty, "data parallelism needs at least one replica")
    precondition(Self.isSupported(master), "a flow with batch normalisation cannot be trained on batch slices")
    self.master = master
    self.replicas = replicas
    flows = [master] + replicas
    masterParameters = master.parameters
    masterBuffers = Self.buffers(of: master)
    replicaParameters = replicas.map(\.parameters)
    replicaBuffers = replicas.map { Self.buffers(of: $0) }
    for (ps, bs) in zip(replicaParameters, replicaBuffers) {
      precondition(
        ps.count == masterParameters.count && zip(ps, masterParameters).allSatisfy { $0.shape == $1.shape },
        "a replica's parameters differ from the master's")
      // Structural buffers (a MADE's masks and order) are fixed at construction and not
      // copied: a replica must have been built from the master's description.
      precondition(
        bs.count == masterBuffers.count
          && zip(bs, masterBuffers).allSatisfy { $0.shape == $1.shape && $0.isFixed == $1.isFixed && (!$0.isFixed || $0.value == $1.value) },
        "a replica's buffers differ from the master's: build replicas from the master's description")
    }
    slices = Array(repeating: Matrix(rows: 0, cols: master.dimension), count: replicas.count + 1)
    results = Array(repeating: FlowLoss(loss: 0, nonFinite: nil), count: replicas.count + 1)
  }

  /// Number of workers (the master and its replicas).
  public var workers: Int { replicas.count + 1 }

  /// Whether `flow` can be trained on slices: no layer keeps batch statistics.
  public static func isSupported(_ flow: Flow<T>) -> Bool {
    !flow.transform.layers.contains { $0 is BatchNorm<T> }
  }

  /// Every buffer of `flow`: its layers', then its context encoder's.
  private static func buffers(of flow: Flow<T>) -> [Buffer<T>] {
    flow.transform.buffers + (flow.context?.buffers ?? [])
  }

  /// The slice bounds of `n` rows over the workers: near-equal contiguous runs, the
  /// first ones a row longer; fewer workers than rows leave the rest idle.
  public static func sliceBounds(rows n: Int, workers w: Int) -> [Range<Int>] {
    let used = min(n, w), base = n / used, extra = n % used
    var bounds: [Range<Int>] = [], start = 0
    for k in 0..<used {
      let count = base + (k < extra ? 1 : 0)
      bounds.append(start..<(start + count))
      start += count
    }
    return bounds
  }

  /// Copies the master's parameter values and buffers into every replica.
  private func synchronize() {
    for (ps, bs) in zip(replicaParameters, replicaBuffers) {
      for (p, m) in zip(ps, masterParameters) { copyValues(m.value, into: &p.value) }
      for (b, m) in zip(bs, masterBuffers) where !b.isFixed { copyValues(m.value, into: &b.value) }
    }
  }

  /// The mean NLL of `batch` with its gradient in the master's parameters (which must
  /// have been zeroed), every worker on its slice at once; `context` is the batch's raw
  /// context for a conditional flow. A non-finite loss on any slice is reported as the
  /// whole batch's, with the gradients left unspecified (the caller applies no update).
  @_specialize(exported: true, where T == Float)
  @_specialize(exported: true, where T == Double)
  public func lossAndGradients(_ batch: Matrix<T>, context: ContextRows?) -> FlowLoss {
    precondition(batch.cols == master.dimension, "flow expects \(master.dimension) features, got \(batch.cols)")
    precondition(!master.isConditional || context != nil, "a conditional flow's batch needs its context")
    let n = batch.rows, bounds = Self.sliceBounds(rows: n, workers: workers)
    synchronize()
    for (k, range) in bounds.enumerated() {
      copyRows(of: batch, range, into: &slices[k])
      flows[k].isTraining = true
      if let context, let width = flows[k].context?.encoding.width {
        flows[k].setContext(context.rows(range, width: width))
      }
      if k > 0 { flows[k].zeroGradients() }
    }
    // Each worker touches only its own flow, slice and result entry.
    let work = UncheckedBox((flows: flows, slices: slices))
    results.withUnsafeMutableBufferPointer { r in
      let out = UncheckedBox(r)
      DispatchQueue.concurrentPerform(iterations: bounds.count) { k in
        out.value[k] = work.value.flows[k].lossAndGradients(work.value.slices[k])
      }
    }
    // `Flow.lossAndGradients` names a source whenever its loss is not finite.
    nonFiniteWorker = bounds.indices.first { results[$0].nonFinite != nil }
    if let bad = nonFiniteWorker { return results[bad] }
    var loss = 0.0
    for (k, range) in bounds.enumerated() { loss += Double(range.count) / Double(n) * results[k].loss }
    // Master gradient = Σ_k (n_k / n)·g_k, each g_k its slice's mean-NLL gradient.
    let w0 = T(Double(bounds[0].count) / Double(n))
    for p in masterParameters { p.gradient.withUnsafeMutableBufferPointer { g in for i in g.indices { g[i] *= w0 } } }
    for k in 1..<bounds.count {
      let wk = T(Double(bounds[k].count) / Double(n))
      for (p, m) in zip(replicaParameters[k - 1], masterParameters) {
        p.gradient.withUnsafeBufferPointer { src in
          m.gradient.withUnsafeMutableBufferPointer { dst in for i in dst.indices { dst[i] += wk * src[i] } }
        }
      }
    }
    return FlowLoss(loss: loss, nonFinite: nil)
  }

  /// The first non-finite layer of the worker that saw a non-finite value last pass.
  public var firstNonFiniteLayer: Int? {
    flows[nonFiniteWorker ?? 0].firstNonFiniteLayer
  }
}

/// Overwrites `target` (same count) with `source` element by element, keeping
/// `target`'s own storage (an assignment would share `source`'s and make the next
/// in-place update of either copy it).
@inline(__always)
private func copyValues<T>(_ source: [T], into target: inout [T]) {
  precondition(source.count == target.count, "state sizes differ")
  source.withUnsafeBufferPointer { s in
    target.withUnsafeMutableBufferPointer { t in
      if let sb = s.baseAddress, let tb = t.baseAddress { tb.update(from: sb, count: s.count) }
    }
  }
}

/// Rows `range` of `matrix` into `slice`, resized in place when needed.
private func copyRows<T: FlowScalar>(of matrix: Matrix<T>, _ range: Range<Int>, into slice: inout Matrix<T>) {
  let cols = matrix.cols
  slice.resize(rows: range.count, cols: cols)
  matrix.storage.withUnsafeBufferPointer { s in
    slice.storage.withUnsafeMutableBufferPointer { t in
      if let sb = s.baseAddress, let tb = t.baseAddress { tb.update(from: sb + range.lowerBound * cols, count: range.count * cols) }
    }
  }
}
