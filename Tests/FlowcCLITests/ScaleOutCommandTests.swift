import FlowcRun
import Foundation
import Testing

/// `flowc export`, `flowc run --engine pytorch` and `flowc sweep` as a user runs them.
@Suite(.serialized) struct ScaleOutCommandTests {
  /// A tiny version of the seed flow, quick to train.
  static let tiny = ["--set", "templates.scale_net.hidden=[8]", "--set", "templates.shift_net.hidden=[8]",
                     "--set", "eval.test_size=200", "--set", "eval.samples=0", "--set", "data.validation_size=200"]

  static func temporaryDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("flowc-scaleout-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  /// The run directories directly under `folder`.
  static func runs(_ folder: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { !$0.hasPrefix(".") }
      .map { (folder as NSString).appendingPathComponent($0) }.filter { FileManager.default.fileExists(atPath: $0 + "/run.json") }.sorted()
  }

  @Test func exportWritesAPackageThatPythonCompiles() throws {
    let dir = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let r = try FlowcBinary.run(["export", "specs/realnvp-moons.yaml", "--target", "pytorch", "-o", dir, "--set", "train.lr=3e-4"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("train with: torchrun --nproc_per_node=N \(dir)/train.py"))
    let files = Set(try FileManager.default.contentsOfDirectory(atPath: dir))
    for name in ["README.md", "flow.py", "config.py", "core.py", "nets.py", "couplings.py", "priors.py", "data.py", "checkpoint.py",
                 "evaluate.py", "optim.py", "train.py", "spec.yaml", "resolved.json", "ir.txt"] {
      #expect(files.contains(name), "the package lacks \(name)")
    }
    // Only the families the flow uses.
    #expect(!files.contains("normalization.py") && !files.contains("multiscale.py"))
    let flow = try String(contentsOfFile: dir + "/flow.py", encoding: .utf8)
    #expect(flow.contains("Exported by flowc \(flowcVersion) from specs/realnvp-moons.yaml with --set train.lr=3e-4"))
    #expect(flow.contains("# %0 affine_coupling 'affine_coupling0' (specs/realnvp-moons.yaml:"))
    #expect(flow.contains("scale_net=MLP([2, 256, 256, 2], LeakyReLU(0.01), Tanh()),"))
    let config = try String(contentsOfFile: dir + "/config.py", encoding: .utf8)
    #expect(config.contains("\"lr\": 0.0003,") && config.contains("OVERRIDES = [\"train.lr=3e-4\"]"))
    #expect(try String(contentsOfFile: dir + "/spec.yaml", encoding: .utf8)
            == String(contentsOfFile: FlowcBinary.root.appendingPathComponent("specs/realnvp-moons.yaml").path, encoding: .utf8))
    // Every Python file compiles (no torch needed for that).
    let py = files.filter { $0.hasSuffix(".py") }.sorted().map { dir + "/" + $0 }
    let compile = try runPython(["-m", "py_compile"] + py)
    #expect(compile.status == 0, "\(compile.stderr)")
  }

  @Test func exportReportsAnInvalidSpecAndUsage() throws {
    let bad = try FlowcBinary.run(["export", "examples/broken.yaml", "--target", "pytorch", "-o", "/tmp/never-written"])
    #expect(bad.status == 1 && bad.stderr.contains("[mask-size]"))
    #expect(!FileManager.default.fileExists(atPath: "/tmp/never-written"))
    let usage = try FlowcBinary.run(["export", "specs/realnvp-moons.yaml"])
    #expect(usage.status == 2 && usage.stderr.contains("--output"))
    let target = try FlowcBinary.run(["export", "specs/realnvp-moons.yaml", "--target", "jax", "-o", "/tmp/x"])
    #expect(target.status == 2)
    let engine = try FlowcBinary.run(["run", "specs/realnvp-moons.yaml", "--nproc", "2"])
    #expect(engine.status == 2 && engine.stderr.contains("add --engine pytorch"))
  }

  /// The done-when sweep, small: 2 learning rates × 3 seeds, 2 at a time; interrupted, then
  /// resumed; `flowc runs` on the folder shows the six.
  @Test func sweepRunsTheGridTwoAtATimeAndResumes() throws {
    let dir = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let args = ["sweep", "specs/realnvp-moons.yaml", "--grid", "train.lr=1e-3,3e-3", "--grid", "train.seed=0,1,2",
                "--set", "train.steps=200", "--set", "train.eval_every=50", "--jobs", "2", "--out", dir] + Self.tiny
    // Ctrl-C once the third run has started: the runs in flight checkpoint and stop.
    let first = try FlowcBinary.run(args, timeout: 600, interruptWhen: { $0.contains("[3/6] train.lr=1e-3 train.seed=2: started") })
    #expect(first.status == 130, "\(first.stderr)")
    #expect(first.stderr.contains("sweep of specs/realnvp-moons.yaml: 6 runs (train.lr (2) × train.seed (3)), 2 at a time, 1 thread each"))
    #expect(first.stderr.contains("interrupted; continue with: flowc sweep --resume \(dir)"))
    let plan = try SweepPlanFile.read(dir)
    #expect(plan.points.count == 6 && plan.points[4] == ["train.lr=3e-3", "train.seed=1"])

    let second = try FlowcBinary.run(["sweep", "--resume", dir, "--jobs", "2"], timeout: 900)
    #expect(second.status == 0, "\(second.stderr)")
    #expect(second.stderr.contains("[6/6] train.lr=3e-3 train.seed=2: started"))
    let runs = Self.runs(dir)
    #expect(runs.count == 6, "\(runs)")
    for run in runs {
      let info = try RunInfo.read(run + "/run.json")
      #expect(info.status == .completed && info.step == 200 && info.threads == 1)
    }
    #expect(FileManager.default.fileExists(atPath: dir + "/sweep.html"))
    let table = try FlowcBinary.run(["runs", dir])
    #expect(table.status == 0)
    let rows = table.stdout.split(separator: "\n").dropFirst()
    #expect(rows.count == 6 && rows.allSatisfy { $0.contains("completed") && $0.contains("200") }, "\(table.stdout)")
    #expect(table.stdout.contains("train.lr") && table.stdout.contains("train.seed"))

    // Resuming a finished sweep runs nothing; a Slurm task runs its one point.
    let again = try FlowcBinary.run(["sweep", "--resume", dir])
    #expect(again.status == 0 && again.stderr.contains("0 completed, 6 already done"), "\(again.stderr)")
    #expect(Self.runs(dir).count == 6)
  }

  @Test func sweepChecksEveryPointBeforeRunningAny() throws {
    let dir = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let r = try FlowcBinary.run(["sweep", "specs/realnvp-moons.yaml", "--grid", "train.lr=1e-3,-1", "--out", dir] + Self.tiny)
    #expect(r.status == 1)
    #expect(r.stderr.contains("sweep point 1 (train.lr=-1) is invalid") && r.stderr.contains("[value-range]"))
    #expect(r.stderr.contains("1 of 2 points are invalid; nothing was run"))
    #expect(Self.runs(dir).isEmpty)
    let grid = try FlowcBinary.run(["sweep", "specs/realnvp-moons.yaml", "--grid", "train.lr"])
    #expect(grid.status == 2 && grid.stderr.contains("is not key=value1,value2"))
  }

  @Test func sweepWritesASlurmArrayWhosePointsRunOneByOne() throws {
    let dir = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let r = try FlowcBinary.run(["sweep", "specs/realnvp-moons.yaml", "--grid", "train.seed=0,1,2", "--grid",
                                 "templates.net.hidden=[8, 8],[16]", "--jobs", "2", "--threads", "3", "--out", dir,
                                 "--emit", "slurm", "--set", "train.steps=20"] + Self.tiny)
    #expect(r.status == 0, "\(r.stderr)")
    let script = try String(contentsOfFile: dir + "/sweep.sbatch", encoding: .utf8)
    #expect(script.hasPrefix("#!/bin/bash\n"))
    #expect(script.contains("#SBATCH --array=0-5%2\n"))
    #expect(script.contains("#SBATCH --cpus-per-task=3\n"))
    #expect(script.contains("#SBATCH --output=\(dir)/logs/slurm-%A_%a.log\n"))
    #expect(script.contains(" sweep --resume \(dir) --point \"$SLURM_ARRAY_TASK_ID\" --jobs 1\n"))
    #expect(Self.runs(dir).isEmpty, "--emit slurm runs nothing")
    let plan = try SweepPlanFile.read(dir)
    #expect(plan.points[1] == ["train.seed=0", "templates.net.hidden=[16]"])

    // What task 4 runs: point 4 alone.
    let task = try FlowcBinary.run(["sweep", "--resume", dir, "--point", "4"], timeout: 300)
    #expect(task.status == 0, "\(task.stderr)")
    let runs = Self.runs(dir)
    #expect(runs.count == 1)
    #expect(try RunInfo.read(runs[0] + "/run.json").overrides.suffix(2) == ["train.seed=2", "templates.net.hidden=[8, 8]"])
  }

  @Test func runWithThePyTorchEngineWritesAFlowcRunDirectory() throws {
    guard try runPython(["-c", "import torch, numpy"]).status == 0 else {
      Issue.record("this test needs python3 with torch and numpy (.ci/deps --test installs them)")
      return
    }
    let dir = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let r = try FlowcBinary.run(["run", "--engine", "pytorch", "specs/realnvp-moons.yaml", "--set", "train.steps=30", "--out", dir,
                                 "--threads", "1"] + Self.tiny, timeout: 600)
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("test NLL ") && r.stdout.contains("nats on 200 held-out points"))
    #expect(r.stderr.contains("(pytorch "))
    let runs = Self.runs(dir)
    try #require(runs.count == 1)
    for file in ["spec.yaml", "resolved.json", "ir.txt", "run.json", "metrics.jsonl", "final.json", "checkpoints/last.safetensors",
                 "checkpoints/best.safetensors", "report.html", "pytorch/train.py"] {
      #expect(FileManager.default.fileExists(atPath: runs[0] + "/" + file), "no \(file)")
    }
    let eval = try FlowcBinary.run(["eval", runs[0] + "/checkpoints/last.safetensors"])
    let final = try RunFileJSON.read(Runner.FinalMetrics.self, from: runs[0] + "/final.json")
    #expect(eval.stdout.contains("mean NLL \(String(format: "%.4f", final.testNLL ?? .nan)) nats over 200 points"), "\(eval.stdout)")
    let table = try FlowcBinary.run(["runs", dir])
    #expect(table.stdout.contains("completed") && table.stdout.contains("30"))
  }

  func runPython(_ arguments: [String]) throws -> FlowcBinary.Output {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3"] + arguments
    let err = Pipe()
    process.standardError = err
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    let data = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return FlowcBinary.Output(status: process.terminationStatus, stdout: "", stderr: String(decoding: data, as: UTF8.self))
  }
}

/// The points of a sweep.json, read as plain JSON (the test does not link FlowcLaunch).
struct SweepPlanFile {
  var points: [[String]]

  static func read(_ directory: String) throws -> SweepPlanFile {
    let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/sweep.json"))
    let object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
    let points = (object["points"] as! [[String: Any]]).map { $0["overrides"] as! [String] }
    return SweepPlanFile(points: points)
  }
}
