import FlowData
import FlowcExport
import FlowcIR
import FlowcRun
import FlowcTestSupport
import Foundation
import SafeTensors
import Testing

/// The exported package computes flowc's log p(x | c) for conditional flows (docs/spec.md 9.1):
/// a one-hot context with the conditional prior, an embedding, a MAF, a spline coupling, a
/// conv coupling on tiny labelled images, and a standardized CSV column context. As in
/// `ParityTests`, each case is trained 4 steps by flowc, its checkpoint loads into the module
/// and both give the same log-densities on points with their own context (within 1e-6 in
/// Float64); the module's own 4-step run loads into flowc likewise, and for the standardized
/// context train.py's statistics are flowc's. The Python side checks each case's round trip
/// and log|det| against autograd's Jacobian, at each row's context.
@Suite(.serialized) struct ConditionalParityTests {
  struct Case {
    var name: String
    var spec: String
    var points: [Double]
    var dimension: Int
    /// Each point's class (a class context), or nil.
    var labels: [Int]?
    /// Each point's context values, row after row (a column context), or nil.
    var context: [Double]?
    var contextColumns: [String]?
  }

  static let common = """
    dtype: float64
    train: {steps: 4, batch_size: 32, lr: 1e-2}
    eval: {test_size: 40, samples: 8, batch_size: 64}
    """

  /// An IDX label file of `labels`.
  static func labelFile(_ labels: [Int], to url: URL) throws {
    try Data(TinyLabelledImages.idx(labels.map(UInt8.init), dims: [labels.count])).write(to: url)
  }

  /// 240 points of dimension `d` whose mean depends on their class (of `classes`), as CSV rows
  /// with a header, and their IDX labels.
  static func labelledCSV(_ name: String, d: Int, classes: Int, in dir: URL, seed: UInt64) throws -> (csv: URL, labels: URL) {
    var g = PythonTools.LCG(state: seed)
    var rows: [String] = [], labels: [Int] = []
    for _ in 0..<240 {
      let k = Int(g.next() * Double(classes)) % classes
      labels.append(k)
      rows.append((0..<d).map { j in String(format: "%.5f", Double(k) - 1 + 0.3 * Double(j) + 0.5 * g.normal()) }.joined(separator: ","))
    }
    let csv = dir.appendingPathComponent("\(name).csv"), lab = dir.appendingPathComponent("\(name)-labels-idx1-ubyte")
    try ((0..<d).map { "x\($0)" }.joined(separator: ",") + "\n" + rows.joined(separator: "\n") + "\n").write(to: csv, atomically: true, encoding: .utf8)
    try labelFile(labels, to: lab)
    return (csv, lab)
  }

  /// Scored points of a class case: `n` normal points and a class each.
  static func classPoints(_ n: Int, _ d: Int, classes: Int, seed: UInt64) -> ([Double], [Int]) {
    var g = PythonTools.LCG(state: seed)
    let labels = (0..<n).map { _ in Int(g.next() * Double(classes)) % classes }
    return (ParityTests.points(n, d, seed: seed + 1), labels)
  }

  static func oneHotCase(in dir: URL) throws -> Case {
    let (csv, labels) = try labelledCSV("onehot", d: 2, classes: 3, in: dir, seed: 3)
    let spec = """
      dim: 2
      prior: conditional_normal
      templates:
        net: {hidden: [8], activation: tanh}
      flow:
        - {kind: actnorm}
        - {kind: affine_coupling, keep: [1, 0], scale: net, shift: net, scale_clamp: 2}
        - {kind: permutation, order: reverse}
        - {kind: affine_coupling, keep: [1, 0], net: net, net_io: split}
        - {kind: additive_coupling, keep: [0, 1], shift: net}
      data: {source: csv, path: \(csv.path), labels: \(labels.path), context: {num_classes: 3}, validation_size: 20}
      \(common)
      """
    let (p, l) = classPoints(60, 2, classes: 3, seed: 5)
    return Case(name: "one_hot, affine couplings, conditional_normal", spec: spec, points: p, dimension: 2, labels: l)
  }

  static func embeddingCase(in dir: URL) throws -> Case {
    let (csv, labels) = try labelledCSV("embedding", d: 3, classes: 4, in: dir, seed: 7)
    let spec = """
      dim: 3
      prior: conditional_normal
      flow:
        - {kind: affine_coupling, keep: [1, 0, 1], net: {hidden: [8, 8], activation: relu}, scale_function: sigmoid}
        - {kind: affine_coupling, keep: [0, 1, 0], scale: {hidden: [6]}, shift: {hidden: [6]}}
      data: {source: csv, path: \(csv.path), labels: \(labels.path), classes: [0, 1, 3], validation_size: 20,
             context: {num_classes: 4, encoding: embedding, embedding_width: 3}}
      \(common)
      """
    let (p, l) = classPoints(60, 3, classes: 4, seed: 9)
    return Case(name: "embedding (classes 0, 1, 3 of 4)", spec: spec, points: p, dimension: 3, labels: l)
  }

  static func mafCase(in dir: URL) throws -> Case {
    let (csv, labels) = try labelledCSV("maf", d: 3, classes: 3, in: dir, seed: 11)
    let spec = """
      dim: 3
      prior: standard_normal
      flow:
        - {kind: maf, net: {hidden: [10, 10], activation: tanh}}
        - {kind: iaf, net: {hidden: [8]}, order: reversed, scale_clamp: 2}
        - {kind: maf, net: {hidden: [6], activation: elu}, order: random, seed: 2, scale_function: sigmoid}
      data: {source: csv, path: \(csv.path), labels: \(labels.path), context: {num_classes: 3}, validation_size: 20}
      \(common)
      """
    let (p, l) = classPoints(60, 3, classes: 3, seed: 13)
    return Case(name: "maf and iaf, one_hot", spec: spec, points: p, dimension: 3, labels: l)
  }

  static func splineCase(in dir: URL) throws -> Case {
    let (csv, labels) = try labelledCSV("spline", d: 4, classes: 2, in: dir, seed: 17)
    let spec = """
      dim: 4
      prior: conditional_normal
      flow:
        - {kind: spline_coupling, keep: first_half, net: {hidden: [8], activation: gelu}, bins: 5, bound: 4, net_io: split}
        - {kind: spline_coupling, keep: flip, net: {hidden: [8]}, bins: 4}
      data: {source: csv, path: \(csv.path), labels: \(labels.path), context: {num_classes: 2, encoding: embedding, embedding_width: 2},
             validation_size: 20}
      \(common)
      """
    let (p, l) = classPoints(60, 4, classes: 2, seed: 19)
    return Case(name: "spline couplings, embedding", spec: spec, points: p, dimension: 4, labels: l)
  }

  /// Conv and resnet couplings (a per-channel bias of their first convolution), a learned
  /// split (unconditional), on tiny labelled 8×8 images with Real NVP's preprocessing.
  static func convCase(in dir: URL) throws -> Case {
    let (pixels, labels) = TinyLabelledImages.images(120, seed: 1)
    let images = dir.appendingPathComponent("tiny-images-idx3-ubyte"), lab = dir.appendingPathComponent("tiny-labels-idx1-ubyte")
    try Data(TinyLabelledImages.idx(pixels, dims: [120, 8, 8])).write(to: images)
    try Data(TinyLabelledImages.idx(labels, dims: [120])).write(to: lab)
    let spec = """
      shape: [1, 8, 8]
      prior: conditional_normal
      templates:
        glow: {type: conv, kernels: [3, 1, 3], channels: 4, norm: actnorm, activation: relu}
        res: {type: resnet, blocks: 1, kernel: 3, channels: 4, activation: tanh}
      flow:
        - {kind: squeeze}
        - {kind: actnorm}
        - {kind: affine_coupling, keep: first_half, net: glow, net_io: split, scale_function: sigmoid}
        - {kind: affine_coupling, keep: second_half, scale: {use: res, output_activation: tanh}, shift: res}
        - {kind: split, prior: learned}
        - {kind: additive_coupling, keep: first_half, shift: {type: conv, kernels: [3], channels: 4}, net_io: split}
      data: {source: idx, path: \(images.path), labels: \(lab.path), classes: [0, 1, 2], context: {num_classes: 4},
             validation_size: 8, preprocess: {dequantize: false, logit_alpha: 0.05}}
      dtype: float64
      train: {steps: 4, batch_size: 16, lr: 1e-2}
      eval: {test_size: 16, samples: 8, batch_size: 32}
      """
    let (p, l) = TinyLabelledImages.images(12, seed: 3)
    return Case(name: "conv couplings on tiny labelled images", spec: spec, points: p.map(Double.init), dimension: 64,
                labels: l.map(Int.init))
  }

  /// A CSV file `x0,t,x1,p` with the context columns t (in other units) and p between the
  /// features, standardized.
  static func columnCase(in dir: URL) throws -> Case {
    var g = PythonTools.LCG(state: 23)
    var rows: [String] = []
    for _ in 0..<240 {
      let c = 2 * g.next() - 1, q = g.next()
      rows.append([c + 0.3 * g.normal(), 1000 + 500 * c, -c + 0.3 * g.normal(), 3 * q].map { String(format: "%.5f", $0) }.joined(separator: ","))
    }
    let csv = dir.appendingPathComponent("columns.csv")
    try ("x0,t,x1,p\n" + rows.joined(separator: "\n") + "\n").write(to: csv, atomically: true, encoding: .utf8)
    let spec = """
      dim: 2
      prior: conditional_normal
      flow:
        - {kind: affine_coupling, keep: [1, 0], net: {hidden: [8], activation: tanh}}
        - {kind: maf, net: {hidden: [8]}}
        - {kind: spline_coupling, keep: [0, 1], net: {hidden: [8]}, bins: 4}
      data: {source: csv, path: \(csv.path), context: {columns: [p, t], standardize: true}, validation_size: 20}
      \(common)
      """
    var h = PythonTools.LCG(state: 29)
    let context = (0..<60).flatMap { _ in [3 * h.next(), 1000 + 500 * (2 * h.next() - 1)] }
    return Case(name: "csv columns, standardized", spec: spec, points: ParityTests.points(60, 2, seed: 31), dimension: 2,
                context: context, contextColumns: ["p", "t"])
  }

  @Test func conditionalFlowsGiveFlowcsLogDensities() throws {
    try PythonTools.requireTorch()
    let dir = try PythonTools.temporaryDirectory("conditional-parity")
    defer { try? FileManager.default.removeItem(at: dir) }
    let cases = [try Self.oneHotCase(in: dir), try Self.embeddingCase(in: dir), try Self.mafCase(in: dir), try Self.splineCase(in: dir),
                 try Self.convCase(in: dir), try Self.columnCase(in: dir)]
    var jobs: [[String: Any]] = []
    var natives: [String: String] = [:]
    for (i, c) in cases.enumerated() {
      let (caseDir, spec, points, v) = try PythonTools.parityCase(i, spec: c.spec, points: c.points, dimension: c.dimension, in: dir)
      #expect(v.graph.settings.data.context != nil, "\(c.name): not conditional")
      let flowPy = try String(contentsOf: caseDir.appendingPathComponent("pkg/flow.py"), encoding: .utf8)
      #expect(flowPy.contains("context = ContextEncoder(") && flowPy.contains("context="), "\(c.name): flow.py has no context")
      let context = caseDir.appendingPathComponent("context.npy")
      if let labels = c.labels {
        try PythonTools.npy(labels.map(Double.init)).write(to: context)
      } else {
        try PythonTools.npy(c.context!, rows: c.context!.count / c.contextColumns!.count, cols: c.contextColumns!.count).write(to: context)
      }
      let outcome = try Runner.run(Runner.Request(specPath: spec.path, outputRoot: caseDir.appendingPathComponent("native").path, threads: 1),
                                   log: { _ in })
      guard case .completed(let run, _) = outcome else {
        Issue.record("\(c.name): flowc run did not complete: \(outcome)")
        continue
      }
      natives[c.name] = run.lastCheckpoint
      jobs.append([
        "name": c.name, "package": caseDir.appendingPathComponent("pkg").path, "points": points.path,
        "context": context.path, "context_kind": c.labels != nil ? "labels" : "values",
        "flowc_checkpoint": run.lastCheckpoint, "from_flowc": caseDir.appendingPathComponent("from-flowc.npy").path,
        "train_dir": caseDir.appendingPathComponent("torch-run").path, "train_steps": 4,
        "from_torch": caseDir.appendingPathComponent("from-torch.npy").path,
        "score": [[run.lastCheckpoint, caseDir.appendingPathComponent("other-context.npy").path]],
        "score_other_context": true,
      ])
    }
    let results = try PythonTools.runParityDriver(jobs, in: dir)

    var table: [String] = []
    for (i, c) in cases.enumerated() {
      guard let checkpoint = natives[c.name] else { continue }
      let caseDir = dir.appendingPathComponent("case\(i)")
      let result = results[c.name] ?? [:]
      #expect(result["train_status"] as? Int == 0, "\(c.name): train.py failed")
      let points = Dataset(values: c.points.map(Float.init), count: c.points.count / c.dimension, dimension: c.dimension,
                           labels: c.labels, context: c.context?.map(Float.init), contextColumns: c.contextColumns, source: "points")
      let (error, reverse, torch) = try ParityTests.compareBothWays(c.name, checkpoint: checkpoint, points: points, caseDir: caseDir)
      // The context is read: the module's densities at other contexts differ.
      let other = try PythonTools.readDoubles(caseDir.appendingPathComponent("other-context.npy"))
      #expect(ParityTests.gap(other, torch) > 1e-6, "\(c.name): another context gives the same densities")
      let torchRun = caseDir.appendingPathComponent("torch-run/checkpoints/last.safetensors").path
      if c.contextColumns != nil {
        // train.py's standardization statistics are flowc's trainer's (the same training rows).
        let a = try SafeTensorsFile.read(from: checkpoint), b = try SafeTensorsFile.read(from: torchRun)
        for name in ["context.mean", "context.std"] {
          let x = try #require(a.tensors.first { $0.name == name }).doubles()
          let y = try #require(b.tensors.first { $0.name == name }).doubles()
          #expect(x.count == 2 && ParityTests.gap(x, y) <= 1e-9 * max(1, x.map(abs).max() ?? 1), "\(c.name): \(name) \(x) vs \(y)")
          #expect(name == "context.std" || abs(x[1] - 1000) < 100, "\(c.name): \(name) \(x) is not the training rows' mean")
        }
      }
      let roundTrip = result["round_trip"] as? Double ?? .infinity
      let gap = result["log_det_gap"] as? Double ?? .infinity
      #expect(roundTrip <= 1e-9 && gap <= 1e-9, "\(c.name): round trip \(roundTrip), log|det| vs autograd Jacobian \(gap)")
      table.append("\(c.name): flowc→torch \(String(format: "%.1e", error)), torch→flowc \(String(format: "%.1e", reverse)); "
                   + "round trip \(String(format: "%.1e", roundTrip)), log|det| vs Jacobian \(String(format: "%.1e", gap))")
    }
    print("ConditionalParityTests (float64, max |Δ log p(x | c)| over the points):\n  " + table.joined(separator: "\n  "))
  }
}
