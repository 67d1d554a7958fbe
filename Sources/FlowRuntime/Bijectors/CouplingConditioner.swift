import FlowRandom

/// The mask bookkeeping and conditioner networks shared by affine and additive couplings.
///
/// The mask is turned once into `kept` and `transformed` index lists. The conditioner
/// reads the kept features of a batch and produces one or two "heads" (shift; or scale
/// and shift), each a value per transformed feature, from one or two networks (any
/// `ConditionerNetwork`: an `MLP`, a `ConvNet` reading the input as an image):
/// - `masked` io: the net input is the full D-vector with transformed entries zeroed, each
///   head has D outputs and only the transformed positions are read (the seed notebook);
/// - `split` io: the net input is the kept features in index order, each head has one
///   output per transformed feature (NICE, nflows).
/// A shared net puts its heads side by side: [head 0 outputs..., head 1 outputs...].
final class CouplingConditioner<T: FlowScalar> {
  /// Number of features D.
  let dimension: Int
  /// Indices of kept (copied, conditioned-on) features, ascending.
  let kept: [Int]
  /// Indices of transformed features, ascending.
  let transformed: [Int]
  /// Input/output layout.
  let io: ConditionerIO
  /// The networks (one or two).
  let nets: [any ConditionerNetwork<T>]
  /// For each head, the index in `nets` of the network producing it.
  let headNet: [Int]
  /// For each head, the output column of its network for transformed feature j.
  let headColumns: [[Int]]

  /// The network input of the latest evaluation.
  var netInput: Matrix<T>
  /// dL/d(net output) workspaces, one per network.
  var netOutputGradients: [Matrix<T>]
  /// The networks' input gradients during `finishBackward` (nil otherwise).
  private var inputGradients: [Matrix<T>?]

  /// Builds the conditioner. `headNets` lists, per head, the network producing it, and
  /// `netDescriptions` the networks; a network listed for two heads is shared.
  init(
    keep: [Bool], io: ConditionerIO, netDescriptions: [(any NetworkDescription, String)], headNets: [Int],
    rng: inout Xoshiro256
  ) {
    let d = keep.count
    dimension = d
    kept = keep.indices.filter { keep[$0] }
    transformed = keep.indices.filter { !keep[$0] }
    precondition(!kept.isEmpty, "a coupling must keep at least one feature")
    precondition(!transformed.isEmpty, "a coupling must transform at least one feature")
    self.io = io
    let inputWidth = io == .masked ? d : kept.count
    let headWidth = io == .masked ? d : transformed.count
    var heads: [[Int]] = []
    for (h, net) in headNets.enumerated() {
      // Position of this head among the heads of its network.
      let slot = headNets[..<h].filter { $0 == net }.count
      let base = slot * headWidth
      heads.append(io == .masked ? transformed.map { base + $0 } : transformed.indices.map { base + $0 })
    }
    for (k, (desc, _)) in netDescriptions.enumerated() {
      precondition(desc.inputs == inputWidth, "conditioner net has \(desc.inputs) inputs, expected \(inputWidth)")
      let nHeads = headNets.filter { $0 == k }.count
      precondition(desc.outputs == nHeads * headWidth, "conditioner net has \(desc.outputs) outputs, expected \(nHeads * headWidth)")
    }
    headNet = headNets
    headColumns = heads
    var built: [any ConditionerNetwork<T>] = []
    for (desc, prefix) in netDescriptions { built.append(desc.makeNetwork(T.self, namePrefix: prefix, rng: &rng)) }
    nets = built
    netInput = Matrix(rows: 0, cols: inputWidth)
    netOutputGradients = netDescriptions.map { Matrix(rows: 0, cols: $0.0.outputs) }
    inputGradients = Array(repeating: nil, count: netDescriptions.count)
  }

  /// Every network parameter, network by network.
  var parameters: [Parameter<T>] { nets.flatMap { $0.parameters } }
  /// Every network buffer, network by network.
  var buffers: [Buffer<T>] { nets.flatMap { $0.buffers } }

  /// Training mode, read from the first network and set on all.
  var isTraining: Bool {
    get { nets[0].isTraining }
    set { for k in 0..<nets.count { nets[k].isTraining = newValue } }
  }

  /// Output width of network `k`.
  func outputWidth(_ k: Int) -> Int { nets[k].outputCount }

  /// Gathers the conditioner input from `x` and runs the networks on it, recording for
  /// `backward` when `record` is set (the networks' `forwardRecording`).
  func evaluate(_ x: Matrix<T>, record: Bool) {
    let n = x.rows
    let d = dimension
    netInput.resize(rows: n)
    x.storage.withUnsafeBufferPointer { xp in
      netInput.storage.withUnsafeMutableBufferPointer { ip in
        let src = xp.baseAddress!, dst = ip.baseAddress!
        switch io {
        case .masked:
          dst.update(from: src, count: n * d)
          transformed.withUnsafeBufferPointer { t in
            for r in 0..<n { for j in 0..<t.count { dst[r * d + t[j]] = 0 } }
          }
        case .split:
          kept.withUnsafeBufferPointer { k in
            let w = k.count
            for r in 0..<n { for j in 0..<w { dst[r * w + j] = src[r * d + k[j]] } }
          }
        }
      }
    }
    // Separate scale and shift networks read the same input and nothing else of each
    // other's: with two cores they run side by side (`ConcurrentWork`).
    ConcurrentWork.perform(nets.count) { k in
      if record { nets[k].forwardRecording(netInput) } else { nets[k].forward(netInput) }
    }
  }

  /// Zeroes the net-output gradient workspaces for a batch of `rows`, ready for
  /// `accumulateHeadGradient`.
  func beginBackward(rows: Int) {
    for k in netOutputGradients.indices {
      netOutputGradients[k].resize(rows: rows)
      netOutputGradients[k].zero()
    }
  }

  /// Back-propagates the head gradients gathered in `netOutputGradients` through the
  /// networks and adds dL/d(kept features) into `dX`.
  func finishBackward(into dX: inout Matrix<T>) {
    let n = dX.rows, d = dimension
    // The networks' backward passes run side by side as their forward passes did; their
    // input gradients are then added in network order, so the sum does not depend on it.
    inputGradients.withUnsafeMutableBufferPointer { out in
      let results = UncheckedBox(out)
      ConcurrentWork.perform(nets.count) { k in results.value[k] = nets[k].backward(netOutputGradients[k]) }
    }
    // The slots are emptied as they are read: holding a network's returned matrix past
    // this call would make its next backward pass copy instead of reuse.
    defer { for k in inputGradients.indices { inputGradients[k] = nil } }
    for k in 0..<nets.count {
      inputGradients[k]!.storage.withUnsafeBufferPointer { gp in
        dX.storage.withUnsafeMutableBufferPointer { dp in
          let g = gp.baseAddress!, dx = dp.baseAddress!
          kept.withUnsafeBufferPointer { k in
            switch io {
            case .masked:
              // The input was x·b, so only the kept positions receive gradient.
              for r in 0..<n { for j in 0..<k.count { dx[r * d + k[j]] += g[r * d + k[j]] } }
            case .split:
              let w = k.count
              for r in 0..<n { for j in 0..<w { dx[r * d + k[j]] += g[r * w + j] } }
            }
          }
        }
      }
    }
  }
}
