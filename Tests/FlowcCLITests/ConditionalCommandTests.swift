import FlowData
import FlowcTestSupport
import Foundation
import Testing

/// A conditional flow end to end: `flowc run` on generated, labelled IDX images (a bright
/// square in the corner the label names), then `eval` with the labels, `sample
/// --context`, and the errors of each.
@Suite(.serialized) struct ConditionalCommandTests {
  /// The folder, spec and checkpoint of one trained conditional model, made once.
  static let trained = Result { () throws -> (dir: String, spec: String, checkpoint: String, stdout: String) in
    let spec = try FlowcBinary.temporaryFile("tiny-conditional.yaml", [])
    let dir = (spec as NSString).deletingLastPathComponent
    try TinyLabelledImages.writeSets(in: dir, gzip: { gzip($0) }, write: { try writeFileBytes($0, to: $1) })
    try text(dir, numClasses: 4).write(toFile: spec, atomically: true, encoding: .utf8)
    let r = try FlowcBinary.run(["run", spec, "--out", "\(dir)/runs", "--threads", "1"], timeout: 600)
    guard r.status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: ["stderr": r.stderr]) }
    return (dir, spec, "\(try RunCommandTests.runDirectory(in: "\(dir)/runs"))/checkpoints/last.safetensors", r.stdout)
  }

  static func text(_ dir: String, numClasses: Int, encoding: String = "one_hot") -> String {
    """
    name: tiny-conditional
    shape: [8, 8]
    prior: conditional_normal
    templates: {net: {hidden: [32], activation: tanh, init: zero_last}}
    flow:
      - {kind: actnorm}
      - {kind: affine_coupling, keep: checkerboard, net: net, scale_clamp: 2.0}
      - {kind: affine_coupling, keep: flip, net: net, scale_clamp: 2.0}
    data:
      source: idx
      path: \(dir)/train-images-idx3-ubyte.gz
      labels: \(dir)/train-labels-idx1-ubyte.gz
      test_path: \(dir)/t10k-images-idx3-ubyte.gz
      test_labels: \(dir)/t10k-labels-idx1-ubyte.gz
      context: {encoding: \(encoding), num_classes: \(numClasses)}
      preprocess: {dequantize: true, levels: 256, logit_alpha: 0.05}
    train: {lr: 3e-3, batch_size: 64, steps: 150, eval_every: 50}
    eval: {samples: 8, batch_size: 64}
    """
  }

  /// The mean of the 3×3 corner square of label `label` over rows of 8×8 images.
  static func cornerMean(_ d: Dataset, label: Int) -> Double {
    let (r0, c0) = (label / 2 == 0 ? 1 : 4, label % 2 == 0 ? 1 : 4)
    var s = 0.0
    for i in 0..<d.count {
      let row = d.row(i)
      for r in r0..<(r0 + 3) { for c in c0..<(c0 + 3) { s += Double(row[r * 8 + c]) } }
    }
    return s / Double(9 * d.count)
  }

  @Test func trainsScoresWithTheLabelsAndSamplesEachClass() throws {
    let (dir, _, checkpoint, stdout) = try Self.trained.get()
    #expect(stdout.contains("bits/dim"))
    let run = (checkpoint as NSString).deletingLastPathComponent
    #expect(FileManager.default.fileExists(atPath: "\(run)/../figures/samples.png"))

    // The spec's test set and the same file with its labels score the same.
    let own = try FlowcBinary.run(["eval", checkpoint])
    #expect(own.status == 0, "\(own.stderr)")
    let given = try FlowcBinary.run(["eval", checkpoint, "--data", "\(dir)/t10k-images-idx3-ubyte.gz",
                                     "--labels", "\(dir)/t10k-labels-idx1-ubyte.gz"])
    #expect(given.status == 0, "\(given.stderr)")
    #expect(own.stdout == given.stdout && own.stdout.contains("mean NLL"))
    // Other labels give another density: the labels are read, not ignored.
    let shifted = (0..<300).map { UInt8((Int(TinyLabelledImages.images(300, seed: 2).labels[$0]) + 1) % 4) }
    try writeFileBytes(TinyLabelledImages.idx(shifted, dims: [300]), to: "\(dir)/shifted-labels-idx1-ubyte")
    let wrong = try FlowcBinary.run(["eval", checkpoint, "--data", "\(dir)/t10k-images-idx3-ubyte.gz",
                                     "--labels", "\(dir)/shifted-labels-idx1-ubyte"])
    #expect(wrong.status == 0 && wrong.stdout != own.stdout)

    // Each class's samples are bright in that class's corner, not in the opposite one.
    for (label, opposite) in [(0, 3), (3, 0), (1, 2)] {
      let out = "\(dir)/samples-\(label).npy"
      let r = try FlowcBinary.run(["sample", checkpoint, "--context", String(label), "-n", "200", "--temperature", "0.7", "-o", out])
      #expect(r.status == 0, "\(r.stderr)")
      let samples = try readDataset(out)
      #expect(Self.cornerMean(samples, label: label) > Self.cornerMean(samples, label: opposite) + 50,
              "class \(label): corner \(Self.cornerMean(samples, label: label)), opposite \(Self.cornerMean(samples, label: opposite))")
    }
    // Repeated --context: equal consecutive blocks, one per class.
    let both = "\(dir)/samples-both.npy"
    #expect(try FlowcBinary.run(["sample", checkpoint, "--context", "0", "--context", "3", "-n", "200", "--temperature", "0.7", "-o", both]).status == 0)
    let b = try readDataset(both)
    // A label file gives every sample its class, in order.
    try writeFileBytes(TinyLabelledImages.idx([UInt8](repeating: 3, count: 50) + [UInt8](repeating: 0, count: 50), dims: [100]),
                       to: "\(dir)/classes-idx1-ubyte")
    let fromFile = "\(dir)/samples-file.npy"
    let f = try FlowcBinary.run(["sample", checkpoint, "--context-file", "\(dir)/classes-idx1-ubyte", "--temperature", "0.7", "-o", fromFile])
    #expect(f.status == 0 && f.stdout.contains("wrote 100 samples"), "\(f.stderr)")
    let fs = try readDataset(fromFile)
    #expect(Self.cornerMean(fs.rows(0..<50), label: 3) > Self.cornerMean(fs.rows(0..<50), label: 0) + 50)
    #expect(Self.cornerMean(fs.rows(50..<100), label: 0) > Self.cornerMean(fs.rows(50..<100), label: 3) + 50)
    #expect(Self.cornerMean(b.rows(0..<100), label: 0) > Self.cornerMean(b.rows(0..<100), label: 3) + 50)
    #expect(Self.cornerMean(b.rows(100..<200), label: 3) > Self.cornerMean(b.rows(100..<200), label: 0) + 50)
  }

  @Test func contextErrorsAreClear() throws {
    let (dir, spec, checkpoint, _) = try Self.trained.get()
    let outside = try FlowcBinary.run(["sample", checkpoint, "--context", "4", "-o", "\(dir)/x.npy"])
    #expect(outside.status == 1 && outside.stderr.contains("--context 4: the flow of \(checkpoint) encodes classes 0 ..< 4"))
    try writeFileBytes(TinyLabelledImages.idx([1, 9], dims: [2]), to: "\(dir)/bad-classes-idx1-ubyte")
    let badFile = try FlowcBinary.run(["sample", checkpoint, "--context-file", "\(dir)/bad-classes-idx1-ubyte", "-o", "\(dir)/x.npy"])
    #expect(badFile.status == 1 && badFile.stderr.contains("example 1 (from 0) is labelled 9, outside the context's 0 ..< 4"), "\(badFile.stderr)")
    let both = try FlowcBinary.run(["sample", checkpoint, "--context-file", "\(dir)/bad-classes-idx1-ubyte", "-n", "3"])
    #expect(both.status != 0 && both.stderr.contains("leave out -n and --context"))
    let noLabels = try FlowcBinary.run(["eval", checkpoint, "--data", "\(dir)/t10k-images-idx3-ubyte.gz"])
    #expect(noLabels.status == 1 && noLabels.stderr.contains("is conditional: give the class of each point of --data with --labels"))
    // The PyTorch export takes the context (ConditionalParityTests compares its densities).
    let export = try FlowcBinary.run(["export", spec, "--target", "pytorch", "-o", "\(dir)/exported"])
    #expect(export.status == 0, "\(export.stderr)")
    let flowPy = (try? String(contentsOfFile: "\(dir)/exported/flow.py", encoding: .utf8)) ?? ""
    #expect(flowPy.contains("context = ContextEncoder(\"one_hot\", 4, classes=4)") && flowPy.contains("ConditionalNormal(64, context=4)"),
            "\(flowPy)")

    // Labels 0–3 with three classes: the run stops before training, naming the file.
    let small = "\(dir)/three-classes.yaml"
    try Self.text(dir, numClasses: 3).write(toFile: small, atomically: true, encoding: .utf8)
    let r = try FlowcBinary.run(["run", small, "--out", "\(dir)/runs-small", "--threads", "1"])
    #expect(r.status == 1, "\(r.stderr)")
    #expect(r.stderr.contains("train-labels-idx1-ubyte.gz: example "), "\(r.stderr)")
    #expect(r.stderr.contains(" is labelled 3, outside the context's 0 ..< 3 (data.context.num_classes)"), "\(r.stderr)")
  }

  @Test func anEmbeddedContextTrainsAndItsCheckpointHoldsTheTable() throws {
    let (dir, _, _, _) = try Self.trained.get()
    let spec = "\(dir)/embedded.yaml"
    try Self.text(dir, numClasses: 4, encoding: "embedding").replacingOccurrences(of: "steps: 150", with: "steps: 20")
      .write(toFile: spec, atomically: true, encoding: .utf8)
    let check = try FlowcBinary.run(["check", "--numeric", spec])
    #expect(check.status == 0, "\(check.stderr)")
    let r = try FlowcBinary.run(["run", spec, "--out", "\(dir)/runs-embedded", "--threads", "1"])
    #expect(r.status == 0, "\(r.stderr)")
    let checkpoint = "\(try RunCommandTests.runDirectory(in: "\(dir)/runs-embedded"))/checkpoints/last.safetensors"
    let bytes = try Data(contentsOf: URL(fileURLWithPath: checkpoint))
    let header = String(decoding: bytes.prefix(20_000), as: UTF8.self)
    #expect(header.contains("\"context.embedding\"") && header.contains("\"layers.1.net.context.weight\""))
  }
}
