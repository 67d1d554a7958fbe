import FlowData
import FlowcBuild
import FlowcExport
import FlowcIR
import FlowcRun
import FlowcSpec
import Foundation
import SafeTensors
import Testing

/// The exported PyTorch module computes flowc's log p(x): for every layer kind (each kind's
/// `example`, as in the coverage test) and every prior, a checkpoint trained by flowc loads
/// into the module, and one trained by the module loads into flowc, and the two engines give
/// the same log-densities on the same points within 1e-6 in Float64. Beyond the examples,
/// cases combine every option of the vector kinds, of the autoregressive and spline kinds,
/// the image kinds, and a two-level Glow; four of them are also trained on by both engines
/// from one checkpoint. On the Python side each case is also checked alone: the round trip,
/// and each row's log|det| against the Jacobian by autograd.
///
/// All the Python work runs in one python3 process (one `import torch`); torch is required
/// (`.ci/deps --test` installs it), so these tests never skip.
@Suite(.serialized) struct ParityTests {
  /// One spec checked in both directions.
  struct Case {
    var name: String
    var spec: String
    /// The points scored, [n, dimension].
    var points: [Double]
    var dimension: Int
  }

  static let tolerance = 1e-6

  /// The largest |a_i − b_i|; infinity when the counts differ, a list is empty or a value is
  /// not finite (every case's points have finite log-densities, and a NaN must not slip
  /// through a `max`).
  /// The densities of `points` both ways: flowc's checkpoint against the module's scores of
  /// it (from-flowc.npy), and the module's own run (torch-run) loaded into flowc against the
  /// module's scores (from-torch.npy); each gap is expected within `tolerance`. Returns both
  /// gaps and the module's densities at flowc's checkpoint.
  static func compareBothWays(_ name: String, checkpoint: String, points: Dataset, caseDir: URL) throws
    -> (error: Double, reverse: Double, torch: [Double])
  {
    let flowc = try TrainedModel(checkpoint: checkpoint, float64: true).logDensity(points)
    let torch = try PythonTools.readDoubles(caseDir.appendingPathComponent("from-flowc.npy"))
    let error = gap(flowc, torch)
    #expect(error <= tolerance, "\(name): flowc checkpoint → module: max |Δ log p| = \(error)")
    let torchRun = caseDir.appendingPathComponent("torch-run/checkpoints/last.safetensors").path
    let back = try TrainedModel(checkpoint: torchRun, float64: true).logDensity(points)
    let module = try PythonTools.readDoubles(caseDir.appendingPathComponent("from-torch.npy"))
    let reverse = gap(back, module)
    #expect(reverse <= tolerance, "\(name): module checkpoint → flowc: max |Δ log p| = \(reverse)")
    return (error, reverse, torch)
  }

  static func gap(_ a: [Double], _ b: [Double]) -> Double {
    guard a.count == b.count, !a.isEmpty else { return .infinity }
    var worst = 0.0
    for (x, y) in zip(a, b) {
      guard x.isFinite && y.isFinite else { return .infinity }
      worst = max(worst, abs(x - y))
    }
    return worst
  }

  /// Random points of `dimension` (normal, spread like two moons).
  static func points(_ n: Int, _ dimension: Int, seed: UInt64 = 7) -> [Double] {
    var g = PythonTools.LCG(state: seed)
    return (0..<(n * dimension)).map { i in i % 2 == 0 ? 0.5 + 0.9 * g.normal() : 0.25 + 0.6 * g.normal() }
  }

  static let common = """
    dtype: float64
    train: {steps: 4, batch_size: 64}
    eval: {test_size: 200, samples: 10, batch_size: 128}
    """

  /// The spec of a kind's example layer, as the coverage test builds it (for a coupling a
  /// reversal and a second copy follow); image kinds read a small data file of their shape.
  static func kindCase(_ kind: any LayerOptions.Type, in dir: URL) throws -> Case {
    let isCoupling = kind.keys.contains { $0.name == "keep" }
    let layers = "  - \(kind.example)" + (isCoupling ? "\n  - {kind: permutation, order: reverse}\n  - \(kind.example)" : "")
    guard let shape = kind.exampleShape else {
      let spec = """
        dim: 2
        prior: standard_normal
        flow:
        \(layers)
        data: {source: moons, validation_size: 100}
        \(common)
        """
      return Case(name: kind.kind, spec: spec, points: points(300, 2), dimension: 2)
    }
    let d = shape.reduce(1, *)
    let file = dir.appendingPathComponent("\(kind.kind)-data.npy")
    try PythonTools.npy(points(80, d, seed: 11), rows: 80, cols: d).write(to: file)
    let spec = """
      shape: [\(shape.map(String.init).joined(separator: ", "))]
      prior: standard_normal
      templates:
        net: {hidden: [8], activation: tanh}
      flow:
      \(layers)
      data: {source: npy, path: \(file.path), validation_size: 10}
      \(common)
      """
    return Case(name: kind.kind, spec: spec, points: points(30, d, seed: 13), dimension: d)
  }

  /// The two-moons flow of the couplings with `prior`.
  static func priorCase(_ prior: String) -> Case {
    let coupling = "{kind: affine_coupling, keep: [1, 0], scale: {hidden: [8]}, shift: {hidden: [8]}}"
    let spec = """
      dim: 2
      prior: \(prior)
      flow:
        - {kind: actnorm}
        - \(coupling)
        - {kind: permutation, order: reverse}
        - \(coupling)
      data: {source: moons, validation_size: 100}
      \(common)
      """
    return Case(name: "prior \(prior)", spec: spec, points: points(300, 2), dimension: 2)
  }

  /// Every option of the vector layers at once, on a CSV file (shuffled and split as flowc does).
  /// No samples: the prior's draws leave tanh's and sigmoid's ranges, so the inverse makes
  /// NaNs by construction and flowc would rightly end the run `non_finite`.
  static func everyOptionCase(in dir: URL) throws -> Case {
    var g = PythonTools.LCG(state: 3)
    let rows = (0..<300).map { _ in (0..<4).map { _ in String(format: "%.5f", 0.3 + 0.7 * g.normal()) }.joined(separator: ",") }
    let csv = dir.appendingPathComponent("every-option.csv")
    try ("a,b,c,d\n" + rows.joined(separator: "\n") + "\n").write(to: csv, atomically: true, encoding: .utf8)
    let spec = """
      dim: 4
      prior: diagonal_normal
      templates:
        wide: {hidden: [8, 8], activation: gelu, init: zero_last}
      flow:
        - {kind: actnorm}
        - {kind: affine_coupling, keep: first_half, net: {use: wide, activation: elu}, net_io: split, scale_function: sigmoid, scale_clamp: 2}
        - {kind: affine_coupling, keep: flip, scale: {hidden: [8], activation: {leaky_relu: 0.2}, output_activation: tanh}, shift: {hidden: [8], activation: softplus}, scale_clamp: 1.5}
        - {kind: permutation, order: random, seed: 5}
        - {kind: additive_coupling, keep: even, net: {hidden: [8], activation: sigmoid}, net_io: split}
        - {kind: additive_coupling, keep: flip, shift: {hidden: [8], activation: {elu: 0.5}, output_activation: softplus}}
        - {kind: batch_norm, momentum: 0.3, epsilon: 1e-3}
        - {kind: invertible_linear, init: identity}
        - {kind: invertible_linear, seed: 9}
        - {kind: affine_coupling, keep: [1, 0, 0, 1], scale: {hidden: [8]}, shift: {hidden: [8]}}
        - {kind: elementwise, function: tanh}
        - {kind: elementwise, function: sigmoid}
        - {kind: elementwise, function: logit}
        - {kind: elementwise, function: {leaky_relu: 0.3}}
        - {kind: diagonal_scaling, init: 0.3}
      data: {source: csv, path: \(csv.path), validation_size: 40}
      dtype: float64
      train: {optimizer: sgd, momentum: 0.9, lr: 1e-3, schedule: linear, warmup_steps: 2, clip_grad_norm: 1.0, steps: 4, batch_size: 64}
      eval: {test_size: 200, samples: 0, batch_size: 128}
      """
    return Case(name: "every vector option (csv)", spec: spec, points: points(200, 4, seed: 5), dimension: 4)
  }

  /// Every option of the autoregressive and spline kinds on a CSV file: MAF and IAF with
  /// each order (natural, reversed, random, explicit), both scale functions, clamps, hidden
  /// activations including none, zero_last; spline couplings with split and masked io, linear
  /// tails and none, and their minimum sizes.
  static func autoregressiveSplineCase(in dir: URL) throws -> Case {
    var g = PythonTools.LCG(state: 29)
    let rows = (0..<300).map { _ in (0..<4).map { _ in String(format: "%.5f", 0.2 + 0.8 * g.normal()) }.joined(separator: ",") }
    let csv = dir.appendingPathComponent("autoregressive.csv")
    try ("a,b,c,d\n" + rows.joined(separator: "\n") + "\n").write(to: csv, atomically: true, encoding: .utf8)
    let spec = """
      dim: 4
      prior: logistic
      templates:
        made: {hidden: [12, 12], activation: relu}
      flow:
        - {kind: actnorm}
        - {kind: maf, net: made}
        - {kind: maf, net: {hidden: [10], activation: tanh, init: zero_last}, order: reversed, scale_function: sigmoid, scale_clamp: 2}
        - {kind: spline_coupling, keep: first_half, net: {hidden: [8], activation: gelu}, bins: 5, bound: 4, net_io: split}
        - {kind: iaf, net: {hidden: [9, 7], activation: elu}, order: random, seed: 3, scale_clamp: 1.5}
        - {kind: iaf, net: {hidden: [6], activation: none}, order: [2, 0, 3, 1], scale_function: sigmoid}
        - {kind: spline_coupling, keep: even, net: {hidden: [8]}, bins: 3, bound: 12, tails: none, min_bin_width: 0.01, min_bin_height: 0.02, min_derivative: 0.05}
        - {kind: maf, net: {hidden: [3], activation: softplus}, order: random}
      data: {source: csv, path: \(csv.path), validation_size: 40}
      dtype: float64
      train: {optimizer: adam, lr: 2e-3, clip_grad_norm: 2.0, steps: 4, batch_size: 64}
      eval: {test_size: 200, samples: 10, batch_size: 128}
      """
    return Case(name: "autoregressive and spline options (csv)", spec: spec, points: points(200, 4, seed: 31), dimension: 4)
  }

  /// A small two-level Glow on 1×8×8 images: squeeze, then steps of per-channel ActNorm, LU
  /// 1×1 convolution and an affine coupling with Glow's conv net (ActNorm inside, zero last
  /// conv), a split with a learned prior, squeeze again, and a second learned split, so the
  /// latent holds [h_L, the last split's part, the first split's part].
  static func glowCase(in dir: URL) throws -> Case {
    let file = dir.appendingPathComponent("glow.npy")
    try PythonTools.npy(points(48, 64, seed: 37), rows: 48, cols: 64).write(to: file)
    let spec = """
      shape: [1, 8, 8]
      prior: standard_normal
      templates:
        glow: {type: conv, kernels: [3, 1, 3], channels: 8, norm: actnorm, activation: relu, init: zero_last}
      flow:
        - {kind: squeeze}
        - {kind: actnorm}
        - {kind: invertible_conv1x1}
        - {kind: affine_coupling, keep: first_half, net: glow, net_io: split, scale_function: sigmoid}
        - {kind: actnorm}
        - {kind: invertible_conv1x1, seed: 2}
        - {kind: affine_coupling, keep: second_half, net: glow, net_io: split, scale_function: sigmoid}
        - {kind: split, prior: learned}
        - {kind: squeeze}
        - {kind: actnorm}
        - {kind: invertible_conv1x1, seed: 3}
        - {kind: affine_coupling, keep: first_half, net: glow, net_io: split, scale_function: sigmoid}
        - {kind: split, prior: learned}
        - {kind: actnorm}
        - {kind: invertible_conv1x1, parametrization: plain, seed: 4}
        - {kind: additive_coupling, keep: first_half, shift: glow, net_io: split}
      data: {source: npy, path: \(file.path), validation_size: 8}
      dtype: float64
      train: {optimizer: adam, lr: 1e-2, steps: 4, batch_size: 16}
      eval: {test_size: 8, samples: 4, batch_size: 16}
      """
    return Case(name: "glow (two levels, learned splits)", spec: spec, points: points(12, 64, seed: 41), dimension: 64)
  }

  /// Adam with warm-up, a cosine schedule and clipping, over the stateful layers: the case
  /// whose training both engines continue from the same checkpoint.
  static func adamCase() -> Case {
    let spec = """
      dim: 2
      prior: diagonal_normal
      templates:
        net: {hidden: [16, 16], activation: tanh}
      flow:
        - {kind: actnorm}
        - {kind: affine_coupling, keep: [1, 0], scale: net, shift: net, scale_clamp: 3}
        - {kind: batch_norm}
        - {kind: invertible_linear}
        - {kind: affine_coupling, keep: [0, 1], net: net, scale_function: sigmoid}
      data: {source: moons, validation_size: 100}
      dtype: float64
      train: {optimizer: adamw, lr: 3e-3, schedule: cosine, warmup_steps: 2, min_lr: 1e-4, clip_grad_norm: 0.5, steps: 4, batch_size: 64}
      eval: {test_size: 200, samples: 10, batch_size: 128}
      """
    return Case(name: "adamw, cosine, warm-up, clipping", spec: spec, points: points(300, 2), dimension: 2)
  }

  /// Marks a completed run as interrupted, to be continued to `total` steps (its run.json).
  static func interrupted(_ run: URL, total: Int) throws {
    let url = run.appendingPathComponent("run.json")
    var info = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    info["overrides"] = ((info["overrides"] as? [String]) ?? []).filter { !$0.hasPrefix("train.steps=") } + ["train.steps=\(total)"]
    info["status"] = "interrupted"
    info["totalSteps"] = total
    try JSONSerialization.data(withJSONObject: info, options: [.prettyPrinted]).write(to: url)
  }

  /// The largest difference between two checkpoints' tensors (weights, buffers, optimizer
  /// moments), which must have the same names; infinity if they do not.
  static func checkpointGap(_ a: URL, _ b: URL) throws -> Double {
    let x = try SafeTensorsFile.read(from: a.path), y = try SafeTensorsFile.read(from: b.path)
    guard Set(x.names) == Set(y.names) else { return .infinity }
    var worst = 0.0
    for t in x.tensors {
      let u = try t.doubles(), v = try y.tensors.first { $0.name == t.name }!.doubles()
      guard u.count == v.count else { return .infinity }
      for (p, q) in zip(u, v) {
        guard p.isFinite && q.isFinite else { return .infinity }
        worst = max(worst, abs(p - q) / max(1, abs(p)))
      }
    }
    return worst
  }

  /// An image flow of flat layers with Real NVP's preprocessing (scale by 256, logit), on IDX images.
  static func preprocessingCase(in dir: URL) throws -> Case {
    var g = PythonTools.LCG(state: 17)
    let n = 60
    var bytes: [UInt8] = [0, 0, 0x08, 3]
    for v in [UInt32(n), 4, 4] { withUnsafeBytes(of: v.bigEndian) { bytes += $0 } }
    var pixels: [Double] = []
    for _ in 0..<(n * 16) {
      let p = UInt8(min(255, max(0, Int(128 + 60 * g.normal()))))
      bytes.append(p)
      pixels.append(Double(p))
    }
    let file = dir.appendingPathComponent("images-idx3-ubyte")
    try Data(bytes).write(to: file)
    let spec = """
      shape: [4, 4]
      prior: standard_normal
      templates:
        net: {hidden: [16], activation: relu}
      flow:
        - {kind: actnorm}
        - {kind: additive_coupling, keep: checkerboard, shift: net}
        - {kind: affine_coupling, keep: checkerboard_odd, scale: net, shift: net}
        - {kind: affine_coupling, keep: even, net: net}
        - {kind: affine_coupling, keep: flip, net: net, net_io: split}
      data: {source: idx, path: \(file.path), validation_size: 10, preprocess: {dequantize: false, logit_alpha: 0.05}}
      \(common)
      """
    return Case(name: "idx images, scale + logit", spec: spec, points: pixels, dimension: 16)
  }

  /// The image kinds together: squeeze, per-channel ActNorm, both 1×1 convolutions, couplings
  /// with convolutional nets (plain with ActNorm, residual, output activations), a split with
  /// a learned prior.
  static func imageKindsCase(in dir: URL) throws -> Case {
    let file = dir.appendingPathComponent("images.npy")
    try PythonTools.npy(points(40, 32, seed: 19), rows: 40, cols: 32).write(to: file)
    let spec = """
      shape: [2, 4, 4]
      prior: standard_normal
      templates:
        glow: {type: conv, kernels: [3, 1, 3], channels: 8, norm: actnorm, activation: relu, init: zero_last}
        res: {type: resnet, blocks: 1, kernel: 3, channels: 4, activation: tanh}
      flow:
        - {kind: squeeze}
        - {kind: actnorm}
        - {kind: invertible_conv1x1}
        - {kind: affine_coupling, keep: first_half, net: glow, net_io: split, scale_function: sigmoid}
        - {kind: invertible_conv1x1, parametrization: plain, seed: 4}
        - {kind: affine_coupling, keep: checkerboard, scale: {use: res, output_activation: tanh}, shift: res}
        - {kind: split, prior: learned}
        - {kind: actnorm, per: feature}
        - {kind: additive_coupling, keep: second_half, shift: {type: conv, kernels: [3], channels: 4, output_activation: softplus}, net_io: split}
        - {kind: split}
      data: {source: npy, path: \(file.path), validation_size: 8}
      \(common)
      """
    return Case(name: "image kinds together", spec: spec, points: points(12, 32, seed: 23), dimension: 32)
  }

  @Test func everyKindAndPriorGivesFlowcsLogDensities() throws {
    try PythonTools.requireTorch()
    let dir = try PythonTools.temporaryDirectory("parity")
    defer { try? FileManager.default.removeItem(at: dir) }
    var cases = try LayerKinds.all.map { try Self.kindCase($0, in: dir) }
    cases += ["standard_normal", "diagonal_normal", "logistic"].map(Self.priorCase)
    cases += [try Self.everyOptionCase(in: dir), Self.adamCase(), try Self.preprocessingCase(in: dir), try Self.imageKindsCase(in: dir),
              try Self.autoregressiveSplineCase(in: dir), try Self.glowCase(in: dir)]
    // Training continued from one state by both engines: from flowc's checkpoint and from PyTorch's.
    let continued: Set<String> = ["every vector option (csv)", "adamw, cosine, warm-up, clipping",
                                  "autoregressive and spline options (csv)", "glow (two levels, learned splits)"]

    // flowc's side: export each case, and train the native ones a few steps.
    var jobs: [[String: Any]] = []
    var natives: [String: URL] = [:]
    for (i, c) in cases.enumerated() {
      let (caseDir, spec, points, v) = try PythonTools.parityCase(i, spec: c.spec, points: c.points, dimension: c.dimension, in: dir)
      // Every kind has flowc's runtime, so every case is compared with flowc (a kind whose
      // runtime has not landed fails here, as in the coverage test).
      let native = v.graph.nodes.allSatisfy { $0.op is any BuildableLayer }
      if !native { Issue.record("\(c.name): a node has no flowc runtime layer, so the export cannot be compared with flowc") }
      var job: [String: Any] = [
        "name": c.name, "package": caseDir.appendingPathComponent("pkg").path, "points": points.path,
        "train_dir": caseDir.appendingPathComponent("torch-run").path, "train_steps": 4,
        "from_torch": caseDir.appendingPathComponent("from-torch.npy").path,
      ]
      if native {
        let outcome = try Runner.run(Runner.Request(specPath: spec.path, outputRoot: caseDir.appendingPathComponent("native").path,
                                                    threads: 1), log: { _ in })
        // The every-option case samples through tanh, sigmoid and logit inverses, which are
        // NaN for most prior draws: its run ends `non_finite` (its samples), but it trained,
        // and its densities are what is compared.
        let trained: RunDirectory
        switch outcome {
        case .completed(let run, _): trained = run
        case .failed(let run, let m) where m.status == .nonFinite && m.testNLL?.isFinite == true: trained = run
        default:
          Issue.record("\(c.name): flowc run did not complete: \(outcome)")
          continue
        }
        let run = trained
        natives[c.name] = URL(fileURLWithPath: run.lastCheckpoint)
        job["flowc_checkpoint"] = run.lastCheckpoint
        job["from_flowc"] = caseDir.appendingPathComponent("from-flowc.npy").path
        if continued.contains(c.name) {
          let fm = FileManager.default
          try fm.copyItem(atPath: run.path, toPath: caseDir.appendingPathComponent("flowc-then-flowc").path)
          try fm.copyItem(atPath: run.path, toPath: caseDir.appendingPathComponent("flowc-then-torch").path)
          try Self.interrupted(caseDir.appendingPathComponent("flowc-then-flowc"), total: 8)
          job["resume_dir"] = caseDir.appendingPathComponent("flowc-then-torch").path
          job["resume_total"] = 8
          job["chain"] = ["dir": caseDir.appendingPathComponent("torch-then-torch").path,
                          "copy": caseDir.appendingPathComponent("torch-then-flowc").path, "steps": 4, "total": 8] as [String: Any]
        }
      }
      jobs.append(job)
    }

    // PyTorch's side, every case in one process.
    let results = try PythonTools.runParityDriver(jobs, in: dir)

    // Training continued by both engines from the same state ends in the same state.
    var continuedRows: [String] = []
    for (i, c) in cases.enumerated() where continued.contains(c.name) {
      let caseDir = dir.appendingPathComponent("case\(i)")
      let result = results[c.name] ?? [:]
      #expect(result["resume_status"] as? Int == 0 && result["chain_status"] as? Int == 0 && result["chain_resume_status"] as? Int == 0,
              "\(c.name): train.py failed: \(result)")
      for name in ["flowc-then-flowc", "torch-then-flowc"] {
        let outcome = try Runner.resume(caseDir.appendingPathComponent(name).path, threads: 1, log: { _ in })
        switch outcome {
        case .completed: break
        case .failed(_, let m) where m.status == .nonFinite && m.testNLL?.isFinite == true: break  // samples only, as above
        default: Issue.record("\(c.name): flowc run --resume \(name) did not complete: \(outcome)")
        }
      }
      func last(_ name: String) -> URL { caseDir.appendingPathComponent("\(name)/checkpoints/last.safetensors") }
      let fromFlowc = try Self.checkpointGap(last("flowc-then-flowc"), last("flowc-then-torch"))
      let fromTorch = try Self.checkpointGap(last("torch-then-flowc"), last("torch-then-torch"))
      #expect(fromFlowc <= 1e-9, "\(c.name): steps 5-8 from flowc's checkpoint differ by \(fromFlowc) between the engines")
      #expect(fromTorch <= 1e-9, "\(c.name): steps 5-8 from PyTorch's checkpoint differ by \(fromTorch) between the engines")
      continuedRows.append("\(c.name): steps 5-8 continued by both engines, largest relative tensor gap from flowc's state "
                           + "\(String(format: "%.1e", fromFlowc)), from PyTorch's \(String(format: "%.1e", fromTorch))")
    }

    // The comparison, both directions, and the Python-side checks.
    var table: [String] = []
    for (i, c) in cases.enumerated() {
      let caseDir = dir.appendingPathComponent("case\(i)")
      let points = Dataset(values: c.points.map(Float.init), count: c.points.count / c.dimension, dimension: c.dimension, source: "points")
      let result = results[c.name] ?? [:]
      #expect(result["train_status"] as? Int == 0, "\(c.name): train.py failed")
      var row = "\(c.name):"
      if let checkpoint = natives[c.name] {
        let (error, reverse, _) = try Self.compareBothWays(c.name, checkpoint: checkpoint.path, points: points, caseDir: caseDir)
        row += " flowc→torch \(String(format: "%.1e", error)), torch→flowc \(String(format: "%.1e", reverse))"
      } else {
        row += " (not compared with flowc: no runtime)"
      }
      let roundTrip = result["round_trip"] as? Double ?? .infinity
      let gap = result["log_det_gap"] as? Double ?? .infinity
      #expect(roundTrip <= 1e-9 && gap <= 1e-9, "\(c.name): round trip \(roundTrip), log|det| vs autograd Jacobian \(gap)")
      row += "; round trip \(String(format: "%.1e", roundTrip)), log|det| vs Jacobian \(String(format: "%.1e", gap))"
      table.append(row)
    }
    print("ParityTests (float64, max |Δ log p| over the points):\n  " + (table + continuedRows).joined(separator: "\n  "))
  }
}
