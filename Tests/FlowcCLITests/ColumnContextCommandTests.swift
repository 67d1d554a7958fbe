import FlowData
import FlowcRun
import FlowRandom
import Foundation
import Testing

/// A flow conditioned on a CSV column end to end: x | c ~ N((2c, 2c), 0.1²·I) with c
/// uniform in [−1, 1]; `flowc run` with `context: {columns: [c]}` and a conditional
/// prior, then `eval` (its own test set and `--data`), `sample --context` and
/// `--context-file`, against an unconditional flow of the same points, and the errors.
@Suite(.serialized) struct ColumnContextCommandTests {
  /// The folder, spec and checkpoint of the conditional model and the checkpoint of the
  /// unconditional one, trained once.
  static let trained = Result { () throws -> (dir: String, spec: String, checkpoint: String, unconditional: String) in
    let spec = try FlowcBinary.temporaryFile("column-context.yaml", [])
    let dir = (spec as NSString).deletingLastPathComponent
    try writePoints(2_000, seed: 1, to: "\(dir)/train.csv", withContext: true)
    try writePoints(500, seed: 2, to: "\(dir)/test.csv", withContext: true)
    try writePoints(2_000, seed: 1, to: "\(dir)/train-x.csv", withContext: false)
    try writePoints(500, seed: 2, to: "\(dir)/test-x.csv", withContext: false)
    try text(dir).write(toFile: spec, atomically: true, encoding: .utf8)
    let unconditionalSpec = "\(dir)/unconditional.yaml"
    try text(dir, conditional: false).write(toFile: unconditionalSpec, atomically: true, encoding: .utf8)
    var checkpoints: [String] = []
    for (s, out) in [(spec, "runs"), (unconditionalSpec, "runs-unconditional")] {
      let r = try FlowcBinary.run(["run", s, "--out", "\(dir)/\(out)", "--threads", "1"], timeout: 600)
      guard r.status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: ["stderr": r.stderr]) }
      checkpoints.append("\(try RunCommandTests.runDirectory(in: "\(dir)/\(out)"))/checkpoints/last.safetensors")
    }
    return (dir, spec, checkpoints[0], checkpoints[1])
  }

  /// `count` points x = (2c, 2c) + 0.1·ε, c ~ U[−1, 1], as CSV with the header
  /// `x0,c,x1` (the context column between the features), or `x0,x1` without it.
  /// The context column holds `offset + scale·c` (a column in other units).
  static func writePoints(_ count: Int, seed: UInt64, to path: String, withContext: Bool, offset: Double = 0, scale: Double = 1) throws {
    var rng = Xoshiro256(seed: seed, stream: "points")
    var lines = [withContext ? "x0,c,x1" : "x0,x1"]
    for _ in 0..<count {
      let c = 2 * rng.nextUniform() - 1
      let x0 = 2 * c + 0.1 * rng.nextNormal(), x1 = 2 * c + 0.1 * rng.nextNormal()
      lines.append(withContext ? "\(x0),\(offset + scale * c),\(x1)" : "\(x0),\(x1)")
    }
    try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
  }

  static func text(_ dir: String, conditional: Bool = true, columns: String = "[c]", standardize: Bool = false,
                   files: (String, String) = ("train.csv", "test.csv")) -> String {
    """
    name: column-context
    dim: 2
    prior: \(conditional ? "conditional_normal" : "diagonal_normal")
    templates: {net: {hidden: [16], activation: tanh, init: zero_last}}
    flow:
      - {kind: affine_coupling, keep: [1, 0], net: net, scale_clamp: 2.0}
      - {kind: affine_coupling, keep: flip, net: net, scale_clamp: 2.0}
    data:
      source: csv
      path: \(dir)/\(conditional ? files.0 : "train-x.csv")
      test_path: \(dir)/\(conditional ? files.1 : "test-x.csv")
    \(conditional ? "  context: {columns: \(columns)\(standardize ? ", standardize: true" : "")}" : "")
    train: {lr: 1e-2, batch_size: 128, steps: 400, eval_every: 100}
    eval: {samples: 100}
    """
  }

  /// The number after `mean NLL ` in eval's output.
  static func meanNLL(_ stdout: String) throws -> Double {
    let tail = try #require(stdout.split(separator: "mean NLL ").last)
    return try #require(Double(tail.split(separator: " ")[0]))
  }

  /// The mean of each of the two columns of rows `range` of `d`.
  static func means(_ d: Dataset, _ range: Range<Int>) -> (Double, Double) {
    var s = (0.0, 0.0)
    for i in range { s.0 += Double(d[i, 0]); s.1 += Double(d[i, 1]) }
    return (s.0 / Double(range.count), s.1 / Double(range.count))
  }

  @Test func theContextLowersTheNLLAndMovesTheSamples() throws {
    let (dir, _, checkpoint, unconditional) = try Self.trained.get()
    let own = try FlowcBinary.run(["eval", checkpoint])
    #expect(own.status == 0, "\(own.stderr)")
    // --data reads the context column of the file, as the run read its test set.
    let given = try FlowcBinary.run(["eval", checkpoint, "--data", "\(dir)/test.csv"])
    #expect(given.status == 0, "\(given.stderr)")
    #expect(given.stdout == own.stdout)
    let base = try FlowcBinary.run(["eval", unconditional])
    #expect(base.status == 0, "\(base.stderr)")
    let (cNLL, uNLL) = (try Self.meanNLL(own.stdout), try Self.meanNLL(base.stdout))
    // N(2c, 0.1²) in 2-D has an NLL of −1.77 nats; the marginal, a thin line, about 0.9.
    #expect(cNLL < uNLL - 1, "conditional \(cNLL), unconditional \(uNLL)")
    // Another context column gives another density: the file's column is read.
    let shuffled = try String(contentsOfFile: "\(dir)/test.csv", encoding: .utf8).split(separator: "\n").enumerated().map { i, line in
      guard i > 0 else { return String(line) }
      let f = line.split(separator: ",")
      return "\(f[0]),\(-Double(f[1])!),\(f[2])"
    }.joined(separator: "\n")
    try shuffled.write(toFile: "\(dir)/negated.csv", atomically: true, encoding: .utf8)
    let negated = try FlowcBinary.run(["eval", checkpoint, "--data", "\(dir)/negated.csv"])
    #expect(negated.status == 0, "\(negated.stderr)")
    let negatedNLL = try Self.meanNLL(negated.stdout)
    #expect(negatedNLL > cNLL + 5, "negated context \(negatedNLL), own \(cNLL)")

    // Samples at c = 0.8 lie around (1.6, 1.6); by name or by position, the same.
    let at = "\(dir)/at-0.8.npy", named = "\(dir)/named-0.8.npy"
    let r = try FlowcBinary.run(["sample", checkpoint, "--context", "0.8", "-n", "400", "-o", at])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(try FlowcBinary.run(["sample", checkpoint, "--context", "c=0.8", "-n", "400", "-o", named]).status == 0)
    let s = try readDataset(at)
    let (m0, m1) = Self.means(s, 0..<400)
    #expect(abs(m0 - 1.6) < 0.25 && abs(m1 - 1.6) < 0.25, "sample mean (\(m0), \(m1)) at c = 0.8")
    #expect(try readDataset(named) == s.withSource(named))
    // Repeated --context: equal blocks (a negative value as a separate argument is a
    // value, not an option); --context-file: a sample per row.
    let blocks = try readDataset(try sample(checkpoint, ["--context", "-0.8", "--context=0.8", "-n", "200"], dir, "blocks.npy"))
    #expect(Self.means(blocks, 0..<100).0 < -1.2 && Self.means(blocks, 100..<200).0 > 1.2)
    try (["c"] + [String](repeating: "0.8", count: 50) + [String](repeating: "-0.8", count: 50)).joined(separator: "\n")
      .write(toFile: "\(dir)/contexts.csv", atomically: true, encoding: .utf8)
    let file = try FlowcBinary.run(["sample", checkpoint, "--context-file", "\(dir)/contexts.csv", "-o", "\(dir)/file.npy"])
    #expect(file.status == 0 && file.stdout.contains("wrote 100 samples"), "\(file.stderr)")
    let fs = try readDataset("\(dir)/file.npy")
    #expect(Self.means(fs, 0..<50).1 > 1.2 && Self.means(fs, 50..<100).1 < -1.2)
  }

  /// Runs `flowc sample` with `arguments` into `dir/name`, expecting success.
  func sample(_ checkpoint: String, _ arguments: [String], _ dir: String, _ name: String) throws -> String {
    let r = try FlowcBinary.run(["sample", checkpoint] + arguments + ["-o", "\(dir)/\(name)"])
    #expect(r.status == 0, "\(r.stderr)")
    return "\(dir)/\(name)"
  }

  /// A context column in other units (1000 + 500·c, a kelvin-like scale): with
  /// `standardize: true` the flow reads z-scores, the checkpoint keeps the statistics,
  /// and eval and sample take the raw values.
  @Test func aStandardizedContextTakesRawValues() throws {
    let (dir, _, _, unconditional) = try Self.trained.get()
    try Self.writePoints(2_000, seed: 1, to: "\(dir)/train-k.csv", withContext: true, offset: 1000, scale: 500)
    try Self.writePoints(500, seed: 2, to: "\(dir)/test-k.csv", withContext: true, offset: 1000, scale: 500)
    let spec = "\(dir)/standardized.yaml"
    try Self.text(dir, standardize: true, files: ("train-k.csv", "test-k.csv")).write(toFile: spec, atomically: true, encoding: .utf8)
    let ir = try FlowcBinary.run(["check", spec, "--emit", "ir"])
    #expect(ir.stdout.contains("· context columns(c) standardized ·"), "\(ir.stdout)\(ir.stderr)")
    let r = try FlowcBinary.run(["run", spec, "--out", "\(dir)/runs-standardized", "--threads", "1"], timeout: 600)
    #expect(r.status == 0, "\(r.stderr)")
    let checkpoint = "\(try RunCommandTests.runDirectory(in: "\(dir)/runs-standardized"))/checkpoints/last.safetensors"
    let header = String(decoding: try Data(contentsOf: URL(fileURLWithPath: checkpoint)).prefix(20_000), as: UTF8.self)
    #expect(header.contains("\"context.mean\"") && header.contains("\"context.std\""))
    let own = try FlowcBinary.run(["eval", checkpoint])
    let base = try FlowcBinary.run(["eval", unconditional])
    #expect(own.status == 0 && base.status == 0, "\(own.stderr)")
    let (sNLL, uNLL) = (try Self.meanNLL(own.stdout), try Self.meanNLL(base.stdout))
    #expect(sNLL < uNLL - 1, "standardized \(sNLL), unconditional \(uNLL)")
    // c = 0.8 is 1400 in the file's units.
    let at = "\(dir)/at-1400.npy"
    let sample = try FlowcBinary.run(["sample", checkpoint, "--context", "c=1400", "-n", "400", "-o", at])
    #expect(sample.status == 0, "\(sample.stderr)")
    let (m0, m1) = Self.means(try readDataset(at), 0..<400)
    #expect(abs(m0 - 1.6) < 0.25 && abs(m1 - 1.6) < 0.25, "sample mean (\(m0), \(m1)) at c = 1400")
  }

  @Test func checkShowsTheContextAndExportTakesIt() throws {
    let (dir, spec, _, _) = try Self.trained.get()
    let ir = try FlowcBinary.run(["check", spec, "--emit", "ir"])
    #expect(ir.status == 0, "\(ir.stderr)")
    #expect(ir.stdout.contains("· context columns(c) ·") && ir.stdout.contains("+context 1"), "\(ir.stdout)")
    let numeric = try FlowcBinary.run(["check", "--numeric", spec])
    #expect(numeric.status == 0, "\(numeric.stderr)")
    let export = try FlowcBinary.run(["export", spec, "--target", "pytorch", "-o", "\(dir)/exported"])
    #expect(export.status == 0, "\(export.stderr)")
    let flowPy = (try? String(contentsOfFile: "\(dir)/exported/flow.py", encoding: .utf8)) ?? ""
    #expect(flowPy.contains("context = ContextEncoder(\"identity\", 1)") && flowPy.contains("context=1"), "\(flowPy)")
  }

  /// The values of the float tensor `name` of a safetensors file (F32 or F64).
  static func tensor(_ name: String, in path: String) throws -> [Double] {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    let n = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
    let header = try #require(try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + n)])) as? [String: Any])
    let entry = try #require(header[name] as? [String: Any], "no tensor \(name)")
    let offsets = try #require(entry["data_offsets"] as? [Int]), f64 = entry["dtype"] as? String == "F64"
    let size = f64 ? 8 : 4
    return stride(from: 8 + n + offsets[0], to: 8 + n + offsets[1], by: size).map { i in
      let bits = (0..<size).reduce(UInt64(0)) { $0 | UInt64(bytes[i + $1]) << (8 * UInt64($1)) }
      return f64 ? Double(bitPattern: bits) : Double(Float(bitPattern: UInt32(bits)))
    }
  }

  /// `flowc run --engine pytorch` of a standardized column context end to end: train.py reads
  /// the context column by name, sets the statistics from the training rows, and its run
  /// directory is flowc's: `flowc eval` scores the same test NLL and `flowc sample` takes raw values.
  @Test func thePyTorchEngineTrainsAStandardizedColumnContext() throws {
    guard TorchInteropTests.torchAvailable else {
      print("ColumnContextCommandTests: skipped the PyTorch engine run: PyTorch not installed (python3 -c 'import torch' failed)")
      return
    }
    let (dir, _, _, _) = try Self.trained.get()
    try Self.writePoints(600, seed: 3, to: "\(dir)/train-torch.csv", withContext: true, offset: 1000, scale: 500)
    try Self.writePoints(200, seed: 4, to: "\(dir)/test-torch.csv", withContext: true, offset: 1000, scale: 500)
    let spec = "\(dir)/torch-standardized.yaml"
    try Self.text(dir, standardize: true, files: ("train-torch.csv", "test-torch.csv")).write(toFile: spec, atomically: true, encoding: .utf8)
    let r = try FlowcBinary.run(["run", "--engine", "pytorch", spec, "--set", "train.steps=40", "--set", "train.eval_every=20",
                                 "--out", "\(dir)/runs-torch", "--threads", "1"], timeout: 600)
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stderr.contains("(pytorch ") && r.stdout.contains("nats on 200 held-out points"), "\(r.stdout)\(r.stderr)")
    let run = try RunCommandTests.runDirectory(in: "\(dir)/runs-torch")
    let checkpoint = "\(run)/checkpoints/last.safetensors"
    let mean = try Self.tensor("context.mean", in: checkpoint), std = try Self.tensor("context.std", in: checkpoint)
    // c ~ U[-1, 1] in the file's units 1000 + 500c: mean near 1000, deviation near 500/sqrt(3).
    #expect(mean.count == 1 && abs(mean[0] - 1000) < 40 && abs(std[0] - 500 / 3.0.squareRoot()) < 30, "\(mean) \(std)")
    let final = try RunFileJSON.read(Runner.FinalMetrics.self, from: "\(run)/final.json")
    let testNLL = try #require(final.testNLL)
    let eval = try FlowcBinary.run(["eval", checkpoint])
    #expect(eval.stdout.contains("mean NLL \(String(format: "%.4f", testNLL)) nats over 200 points"), "\(eval.stdout)\(eval.stderr)")
    let samples = try readDataset("\(run)/samples.npy")
    #expect(samples.count == 100 && samples.values.allSatisfy(\.isFinite))
    let at = "\(dir)/torch-at-1400.npy"
    let sample = try FlowcBinary.run(["sample", checkpoint, "--context", "c=1400", "-n", "50", "-o", at])
    #expect(sample.status == 0, "\(sample.stderr)")
  }

  @Test func contextErrorsAreClear() throws {
    let (dir, _, checkpoint, unconditional) = try Self.trained.get()
    let count = try FlowcBinary.run(["sample", checkpoint, "--context", "0.5,1.2", "-o", "\(dir)/x.npy"])
    #expect(count.status == 1 && count.stderr.contains("--context 0.5,1.2: the flow is conditioned on 1 column (c), but 2 values are given"), "\(count.stderr)")
    let name = try FlowcBinary.run(["sample", checkpoint, "--context", "temperature=0.5", "-o", "\(dir)/x.npy"])
    #expect(name.status == 1 && name.stderr.contains("'temperature' is not a context column"), "\(name.stderr)")
    let notANumber = try FlowcBinary.run(["sample", checkpoint, "--context", "warm", "-o", "\(dir)/x.npy"])
    #expect(notANumber.status == 1 && notANumber.stderr.contains("'warm' (column 'c') is not a finite number"), "\(notANumber.stderr)")
    let none = try FlowcBinary.run(["sample", checkpoint, "-o", "\(dir)/x.npy"])
    #expect(none.status == 1 && none.stderr.contains("is conditioned on column 'c': give the samples' context with --context"), "\(none.stderr)")
    let unconditionalContext = try FlowcBinary.run(["sample", unconditional, "--context", "0.5", "-o", "\(dir)/x.npy"])
    #expect(unconditionalContext.status == 1 && unconditionalContext.stderr.contains("is unconditional"), "\(unconditionalContext.stderr)")
    let badFile = try FlowcBinary.run(["sample", checkpoint, "--context-file", "\(dir)/test-x.csv", "-o", "\(dir)/x.npy"])
    #expect(badFile.status == 1 && badFile.stderr.contains("has no column 'c'") && badFile.stderr.contains("'x0', 'x1'"), "\(badFile.stderr)")
    let labels = try FlowcBinary.run(["eval", checkpoint, "--data", "\(dir)/test.csv", "--labels", "\(dir)/test.csv"])
    #expect(labels.status == 1 && labels.stderr.contains("is conditioned on column 'c', which --data carries"), "\(labels.stderr)")
    let missing = try FlowcBinary.run(["eval", checkpoint, "--data", "\(dir)/test-x.csv"])
    #expect(missing.status == 1 && missing.stderr.contains("test-x.csv: has no column 'c', a context column (data.context.columns); its header names 'x0', 'x1'"),
            "\(missing.stderr)")
    // A column the file does not have stops the run before training, naming the file.
    let typo = "\(dir)/typo.yaml"
    try Self.text(dir, columns: "[temperature]").write(toFile: typo, atomically: true, encoding: .utf8)
    let r = try FlowcBinary.run(["run", typo, "--out", "\(dir)/runs-typo", "--threads", "1"])
    #expect(r.status == 1 && r.stderr.contains("train.csv: has no column 'temperature'") && r.stderr.contains("'x0', 'c', 'x1'"), "\(r.stderr)")
  }
}

extension Dataset {
  /// The same rows read from another file.
  fileprivate func withSource(_ source: String) -> Dataset {
    Dataset(values: values, count: count, dimension: dimension, shape: shape, labels: labels, source: source)
  }
}
