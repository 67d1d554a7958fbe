import Foundation
import Testing

/// `flowc run`, `sample` and `eval` end to end on small flows (debug builds train slowly,
/// so the networks here are tiny; the real specs are exercised in bench/).
@Suite(.serialized) struct RunCommandTests {
  /// A small Real NVP on moons: two couplings of 2-16-2 nets.
  static func tinySpec(steps: Int = 200, extra: String = "") -> String {
    """
    dim: 2
    name: tiny
    prior: standard_normal
    templates:
      s: {hidden: [16], activation: tanh, output_activation: tanh}
      t: {hidden: [16], activation: tanh}
    flow:
      - repeat: 2
        layers:
          - {kind: affine_coupling, keep: [0, 1], scale: s, shift: t}
          - {kind: affine_coupling, keep: flip, scale: s, shift: t}
    data: {source: moons, noise: 0.05, validation_size: 200}
    train: {optimizer: adam, lr: 3e-3, batch_size: 64, steps: \(steps), eval_every: 50, seed: 3}
    eval: {test_size: 500, samples: 50}
    \(extra)
    """
  }

  static func runDirectory(in out: String) throws -> String {
    let names = try FileManager.default.contentsOfDirectory(atPath: out).filter { !$0.hasPrefix(".") }.sorted()
    return (out as NSString).appendingPathComponent(try #require(names.last))
  }

  static func json(_ path: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
  }

  @Test func trainsAndLeavesARunDirectory() throws {
    let spec = try FlowcBinary.temporaryFile("tiny.yaml", Array(Self.tinySpec().utf8))
    let out = (spec as NSString).deletingLastPathComponent + "/runs"
    let r = try FlowcBinary.run(["run", spec, "--out", out, "--threads", "1"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("test NLL"))
    #expect(r.stdout.contains("inverse round trip: max |g(f(x)) - x|"))
    let dir = try Self.runDirectory(in: out)
    for file in ["spec.yaml", "run.json", "resolved.json", "ir.txt", "metrics.jsonl", "final.json",
                 "checkpoints/last.safetensors", "checkpoints/best.safetensors", "samples.npy"] {
      #expect(FileManager.default.fileExists(atPath: "\(dir)/\(file)"), "missing \(file)")
    }
    // The loss goes down: the last validation NLL is well below the first.
    let lines = try String(contentsOfFile: "\(dir)/metrics.jsonl", encoding: .utf8).split(separator: "\n")
    #expect(lines.count == 4)
    let first = try #require(try JSONSerialization.jsonObject(with: Data(lines.first!.utf8)) as? [String: Any])
    let last = try #require(try JSONSerialization.jsonObject(with: Data(lines.last!.utf8)) as? [String: Any])
    for key in ["step", "train_nll", "val_nll", "grad_norm", "lr", "elapsed_s"] { #expect(last[key] != nil, "no \(key)") }
    #expect((last["val_nll"] as! Double) < (first["val_nll"] as! Double) - 0.1)
    let final = try Self.json("\(dir)/final.json")
    #expect((final["round_trip_max_error"] as! Double) < 1e-4)
    #expect(final["round_trip_rows_over_tolerance"] as? Int == 0 && final["round_trip_rows_failed"] as? Int == 0)
    #expect(final["round_trip_float64_max_error"] == nil, "nothing to replay in Float64")
    // A process holding the toolchain's runtime and a trained flow is some MiB, never GiB.
    let rss = try #require(final["peak_rss_bytes"] as? Int)
    #expect(rss > 4 << 20 && rss < 4 << 30, "peak_rss_bytes \(rss)")
    #expect(try Self.json("\(dir)/run.json")["status"] as? String == "completed")

    // The checkpoint alone (no spec file) gives back the same test NLL, and samples.
    let logp = "\(dir)/logp.npy"
    let eval = try FlowcBinary.run(["eval", "\(dir)/checkpoints/last.safetensors", "-o", logp])
    #expect(eval.status == 0, "\(eval.stderr)")
    let testNLL = final["test_nll"] as! Double
    #expect(eval.stdout.contains(String(format: "mean NLL %.4f nats over 500 points", testNLL)), "\(eval.stdout) vs \(testNLL)")
    // `flowc eval -o` writes the same per-point values whose mean final.json reports.
    let perPoint = try readNPYDoubles(logp)
    #expect(abs(-perPoint.reduce(0, +) / Double(perPoint.count) - testNLL) <= 1e-9 * abs(testNLL))
    // `flowc report` redraws the run's report.html with the same test NLL.
    let report = try FlowcBinary.run(["report", dir])
    #expect(report.status == 0, "\(report.stderr)")
    let html = try String(contentsOfFile: "\(dir)/report.html", encoding: .utf8)
    #expect(html.contains(String(format: "%.6g", testNLL)))
    // The same weights evaluated in Float64 give the same score to float32 precision.
    let eval64 = try FlowcBinary.run(["eval", "\(dir)/checkpoints/last.safetensors", "--float64"])
    #expect(eval64.status == 0, "\(eval64.stderr)")
    let nll64 = Double(eval64.stdout.split(separator: " ").dropFirst(2).first ?? "") ?? .nan
    #expect(abs(nll64 - testNLL) < 1e-3, "\(eval64.stdout)")
    let sample = try FlowcBinary.run(["sample", "\(dir)/checkpoints/best.safetensors", "-n", "7", "--temperature", "0.5",
                                      "-o", "\(dir)/s.npy"])
    #expect(sample.status == 0 && sample.stdout.contains("wrote 7 samples of dimension 2"))
  }

  @Test func sameSpecAndSeedGiveTheSameMetrics() throws {
    let spec = try FlowcBinary.temporaryFile("tiny.yaml", Array(Self.tinySpec(steps: 60).utf8))
    let base = (spec as NSString).deletingLastPathComponent
    #expect(try FlowcBinary.run(["run", spec, "--out", "\(base)/a", "--threads", "1", "--quiet"]).status == 0)
    #expect(try FlowcBinary.run(["run", spec, "--out", "\(base)/b", "--threads", "1", "--quiet"]).status == 0)
    let a = try Self.json("\(try Self.runDirectory(in: "\(base)/a"))/final.json")
    let b = try Self.json("\(try Self.runDirectory(in: "\(base)/b"))/final.json")
    #expect(a["test_nll"] as? Double == b["test_nll"] as? Double)
    #expect(a["best_val_nll"] as? Double == b["best_val_nll"] as? Double)
    // A different seed is a different run.
    #expect(try FlowcBinary.run(["run", spec, "--out", "\(base)/c", "--seed", "9", "--threads", "1", "--quiet"]).status == 0)
    let c = try Self.json("\(try Self.runDirectory(in: "\(base)/c"))/final.json")
    #expect(a["test_nll"] as? Double != c["test_nll"] as? Double)
  }

  /// With separate scale and shift networks every product runs inside one of the two
  /// networks, which `--threads 2` runs side by side on one BLAS thread each: the run
  /// trains the same numbers, to the bit, as `--threads 1`. (With 256-wide layers, products
  /// that OpenBLAS itself splits over two threads gave different last bits.)
  @Test func twoThreadsTrainTheSameNumbersAsOne() throws {
    let spec = try FlowcBinary.temporaryFile("wide.yaml", Array("""
      dim: 2
      name: wide
      prior: standard_normal
      templates:
        s: {hidden: [256, 256], activation: leaky_relu, output_activation: tanh}
        t: {hidden: [256, 256], activation: leaky_relu}
      flow:
        - {kind: affine_coupling, keep: [0, 1], scale: s, shift: t}
        - {kind: affine_coupling, keep: flip, scale: s, shift: t}
      data: {source: moons, noise: 0.05, validation_size: 200}
      train: {optimizer: adam, lr: 1e-3, batch_size: 100, steps: 30, eval_every: 10, seed: 3}
      eval: {test_size: 200, samples: 0}
      """.utf8))
    let base = (spec as NSString).deletingLastPathComponent
    var runs: [[[String: Any]]] = []
    for threads in ["1", "2"] {
      let r = try FlowcBinary.run(["run", spec, "--out", "\(base)/t\(threads)", "--threads", threads, "--quiet"])
      #expect(r.status == 0, "\(r.stderr)")
      let dir = try Self.runDirectory(in: "\(base)/t\(threads)")
      #expect(try Self.json("\(dir)/run.json")["threads"] as? Int == Int(threads))
      let lines = try String(contentsOfFile: "\(dir)/metrics.jsonl", encoding: .utf8).split(separator: "\n")
      runs.append(try lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) })
    }
    #expect(runs[0].count == 3 && runs[1].count == 3)
    for (one, two) in zip(runs[0], runs[1]) {
      for key in ["train_nll", "grad_norm", "val_nll"] {
        #expect(one[key] as? Double == two[key] as? Double, "\(key) at step \(one["step"] ?? "?"): \(one[key] ?? "-") vs \(two[key] ?? "-")")
      }
    }
  }

  /// Ctrl-C mid-run, then --resume: the final metrics equal an uninterrupted run's.
  @Test func resumeEqualsUninterrupted() throws {
    let spec = try FlowcBinary.temporaryFile("tiny.yaml", Array(Self.tinySpec(steps: 2000).utf8))
    let base = (spec as NSString).deletingLastPathComponent
    #expect(try FlowcBinary.run(["run", spec, "--out", "\(base)/whole", "--threads", "1", "--quiet"]).status == 0)
    let whole = try Self.json("\(try Self.runDirectory(in: "\(base)/whole"))/final.json")

    let interrupted = try FlowcBinary.run(["run", spec, "--out", "\(base)/parts", "--threads", "1"],
                                          interruptWhen: { ($0 as NSString).contains("step 100/2000") })
    #expect(interrupted.status == 130, "\(interrupted.stderr)")
    let dir = try Self.runDirectory(in: "\(base)/parts")
    let info = try Self.json("\(dir)/run.json")
    #expect(info["status"] as? String == "interrupted")
    let stoppedAt = info["step"] as? Int ?? 0
    #expect(stoppedAt >= 100 && stoppedAt < 2000)
    let resumed = try FlowcBinary.run(["run", "--resume", dir, "--threads", "1", "--quiet"])
    #expect(resumed.status == 0, "\(resumed.stderr)")
    let parts = try Self.json("\(dir)/final.json")
    #expect(parts["test_nll"] as? Double == whole["test_nll"] as? Double)
    #expect(parts["final_val_nll"] as? Double == whole["final_val_nll"] as? Double)
    #expect(parts["steps"] as? Int == 2000)
  }

  /// `--workers 2` trains each batch as two slices at once: the same flow up to rounding
  /// (float64 here, so the two runs agree closely), recorded in run.json and the header.
  @Test func workersTrainTheSameFlowAndAreRecorded() throws {
    let spec = try FlowcBinary.temporaryFile("tiny64.yaml", Array(Self.tinySpec(steps: 60, extra: "dtype: float64").utf8))
    let base = (spec as NSString).deletingLastPathComponent
    #expect(try FlowcBinary.run(["run", spec, "--out", "\(base)/one", "--threads", "1", "--quiet"]).status == 0)
    let r = try FlowcBinary.run(["run", spec, "--out", "\(base)/two", "--workers", "2"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stderr.contains("(2 workers, one BLAS thread each, OpenBLAS kernel"), "\(r.stderr)")
    let one = try Self.json("\(try Self.runDirectory(in: "\(base)/one"))/final.json")
    let dir = try Self.runDirectory(in: "\(base)/two")
    let two = try Self.json("\(dir)/final.json")
    let a = try #require(one["test_nll"] as? Double), b = try #require(two["test_nll"] as? Double)
    #expect(abs(a - b) <= 1e-6 * abs(a), "test NLL \(a) alone, \(b) with two workers")
    let info = try Self.json("\(dir)/run.json")
    #expect(info["workers"] as? Int == 2 && info["threads"] as? Int == 1)
  }

  /// Interrupted and resumed with workers, a run ends where the uninterrupted one does.
  @Test func resumeWithWorkersEqualsUninterrupted() throws {
    let spec = try FlowcBinary.temporaryFile("tiny.yaml", Array(Self.tinySpec(steps: 1500).utf8))
    let base = (spec as NSString).deletingLastPathComponent
    #expect(try FlowcBinary.run(["run", spec, "--out", "\(base)/whole", "--workers", "2", "--quiet"]).status == 0)
    let whole = try Self.json("\(try Self.runDirectory(in: "\(base)/whole"))/final.json")
    let interrupted = try FlowcBinary.run(["run", spec, "--out", "\(base)/parts", "--workers", "2"],
                                          interruptWhen: { ($0 as NSString).contains("step 100/1500") })
    #expect(interrupted.status == 130, "\(interrupted.stderr)")
    let dir = try Self.runDirectory(in: "\(base)/parts")
    #expect(try Self.json("\(dir)/run.json")["workers"] as? Int == 2)
    // --resume keeps the run's two workers.
    let resumed = try FlowcBinary.run(["run", "--resume", dir, "--quiet"])
    #expect(resumed.status == 0, "\(resumed.stderr)")
    let parts = try Self.json("\(dir)/final.json")
    #expect(parts["test_nll"] as? Double == whole["test_nll"] as? Double)
    #expect(parts["steps"] as? Int == 1500)
  }

  @Test func workersAreRefusedWhereTheyCannotWork() throws {
    let spec = try FlowcBinary.temporaryFile("tiny.yaml", Array(Self.tinySpec(steps: 10).utf8))
    let base = (spec as NSString).deletingLastPathComponent
    let both = try FlowcBinary.run(["run", spec, "--out", "\(base)/runs", "--workers", "2", "--threads", "2"])
    #expect(both.status == 64 || both.status == 2, "\(both.stderr)")
    #expect(both.stderr.contains("--workers 2 runs BLAS on one thread per worker"), "\(both.stderr)")
    // Batch statistics would be each slice's own: refused before a run directory is made.
    let bn = Self.tinySpec(steps: 10).replacingOccurrences(
      of: "keep: flip, scale: s, shift: t}", with: "keep: flip, scale: s, shift: t}\n      - kind: batch_norm")
    let bnSpec = try FlowcBinary.temporaryFile("bn.yaml", Array(bn.utf8))
    let bnOut = (bnSpec as NSString).deletingLastPathComponent + "/runs"
    let refused = try FlowcBinary.run(["run", bnSpec, "--out", bnOut, "--workers", "2"])
    #expect(refused.status == 2, "\(refused.stderr)")
    #expect(refused.stderr.contains("is a batch_norm"), "\(refused.stderr)")
    let left = (try? FileManager.default.contentsOfDirectory(atPath: bnOut)) ?? []
    #expect(left.isEmpty, "run directories left: \(left)")
  }

  @Test func float64FlowsTrainAndEvaluate() throws {
    let spec = try FlowcBinary.temporaryFile("tiny64.yaml", Array(Self.tinySpec(steps: 100, extra: "dtype: float64").utf8))
    let out = (spec as NSString).deletingLastPathComponent + "/runs"
    let r = try FlowcBinary.run(["run", spec, "--out", out, "--threads", "1", "--quiet"])
    #expect(r.status == 0, "\(r.stderr)")
    let final = try Self.json("\(try Self.runDirectory(in: out))/final.json")
    // Float64 round trips to rounding error, far below Float32's.
    #expect((final["round_trip_max_error"] as! Double) < 1e-12)
    let raw = try Data(contentsOf: URL(fileURLWithPath: "\(try Self.runDirectory(in: out))/checkpoints/last.safetensors"))
    #expect(String(decoding: raw, as: UTF8.self).contains("\"dtype\":\"F64\""))
  }

  @Test func nonFiniteLossNamesTheLayer() throws {
    // logit of moons coordinates outside (0, 1) is NaN in the very first layer.
    let spec = """
      dim: 2
      prior: standard_normal
      templates: {n: {hidden: [8]}}
      flow:
        - {kind: elementwise, function: logit}
        - {kind: affine_coupling, keep: [1, 0], scale: n, shift: n}
        - {kind: affine_coupling, keep: flip, scale: n, shift: n}
      data: {source: moons}
      train: {steps: 20}
      """
    let path = try FlowcBinary.temporaryFile("nan.yaml", Array(spec.utf8))
    let out = (path as NSString).deletingLastPathComponent + "/runs"
    let r = try FlowcBinary.run(["run", path, "--out", out, "--quiet"])
    #expect(r.status == 1)
    #expect(r.stderr.contains("the loss became NaN or infinite at step 1"))
    #expect(r.stderr.contains("layer %0 (elementwise 'elementwise0', \(path):5:5)"))
    #expect(try Self.json("\(try Self.runDirectory(in: out))/run.json")["status"] as? String == "diverged")
  }

  @Test func overridesAreValidatedLikeTheFile() throws {
    let spec = try FlowcBinary.temporaryFile("tiny.yaml", Array(Self.tinySpec().utf8))
    let r = try FlowcBinary.run(["run", spec, "--set", "train.lr=-1", "--out", "/tmp/never"])
    #expect(r.status == 1)
    #expect(r.stderr.contains("--set train.lr:1:1: error: 'lr' is -1; it must be a finite number > 0 [value-range]"))
    let typo = try FlowcBinary.run(["run", spec, "--set", "train.lrr=0.1", "--out", "/tmp/never"])
    #expect(typo.status == 1 && typo.stderr.contains("did you mean 'lr'?"))
    #expect(!FileManager.default.fileExists(atPath: "/tmp/never"))
  }

  @Test func badDataFilesStopWithTheFileNamed() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flowc-data-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    func spec(_ source: String, _ path: String, dim: Int = 2) throws -> String {
      let text = """
        dim: \(dim)
        prior: standard_normal
        templates: {n: {hidden: [8]}}
        flow:
          - {kind: affine_coupling, keep: even, scale: n, shift: n}
          - {kind: affine_coupling, keep: flip, scale: n, shift: n}
        data: {source: \(source), path: \(path)}
        train: {steps: 5}
        """
      let p = "\(dir)/\(source)-\(UUID().uuidString).yaml"
      try text.write(toFile: p, atomically: true, encoding: .utf8)
      return p
    }
    let cases: [(String, [UInt8], String, String)] = [
      ("csv", Array("1,2,3\n4,5,6\n".utf8), "csv", "has 3 columns but the spec's flow has dimension 2"),
      ("csv", Array("1,2\n3,nan\n".utf8), "csv", "line 2, column 2: 'nan' is not a finite number"),
      ("idx", [0, 0, 0, 0, 0, 0, 0, 1], "idx", "wrong magic number"),
      ("idx", [0, 0, 8, 3, 0, 0, 0, 10, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2, 3], "idx", "truncated"),
    ]
    for (ext, bytes, source, message) in cases {
      let file = "\(dir)/data-\(UUID().uuidString).\(ext)"
      try Data(bytes).write(to: URL(fileURLWithPath: file))
      let r = try FlowcBinary.run(["run", try spec(source, file), "--out", "\(dir)/runs", "--quiet"])
      #expect(r.status == 1, "\(message): \(r.stderr)")
      #expect(r.stderr.contains(file) && r.stderr.contains(message), "\(r.stderr)")
    }
    let missing = try FlowcBinary.run(["run", try spec("npy", "\(dir)/nope.npy"), "--out", "\(dir)/runs", "--quiet"])
    #expect(missing.status == 1 && missing.stderr.contains("\(dir)/nope.npy"))
  }
}

/// The float64 values of a 1-D .npy file that `flowc eval -o` wrote (little-endian `<f8`).
func readNPYDoubles(_ path: String) throws -> [Double] {
  let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
  let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
  let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
  #expect(header.contains("'descr': '<f8'"))
  let body = bytes[(10 + headerLength)...]
  return stride(from: body.startIndex, to: body.endIndex, by: 8).map { i in
    Double(bitPattern: (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[i + $1]) << (8 * UInt64($1)) })
  }
}
