import FlowcRun
import Foundation
import Testing

/// `flowc export` then `torchrun --nproc_per_node=2 train.py` on the CPU (gloo): the loss goes
/// down, the run directory is flowc's, `flowc eval` of its checkpoints reproduces the module's
/// own numbers, and the two processes compute what one process computes on the same global
/// batches (the same weights at the end, in Float64).
@Suite(.serialized) struct DistributedTrainingTests {
  @Test func torchrunOnTwoProcessesTrainsWhatOneProcessTrains() throws {
    try PythonTools.requireTorch()
    let dir = try PythonTools.temporaryDirectory("torchrun")
    defer { try? FileManager.default.removeItem(at: dir) }
    let package = dir.appendingPathComponent("pkg")
    let overrides = ["dtype=float64", "templates.scale_net.hidden=[32, 32]", "templates.shift_net.hidden=[32, 32]",
                     "train.lr=1e-3", "train.eval_every=25", "eval.test_size=2000", "eval.samples=100"]
    let export = try PythonTools.run(PythonTools.flowc, ["export", "specs/realnvp-moons.yaml", "--target", "pytorch", "-o", package.path]
                                     + overrides.flatMap { ["--set", $0] })
    try #require(export.status == 0, "flowc export: \(export.stderr)")

    // Two processes under torchrun (the launcher torchrun is; --standalone picks a free port).
    let runs = dir.appendingPathComponent("runs")
    let torchrun = try PythonTools.run("python3", ["-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                                                   package.appendingPathComponent("train.py").path, "--steps", "100",
                                                   "--out", runs.path, "--threads", "1"], timeout: 900)
    try #require(torchrun.status == 0, "torchrun: \(torchrun.stderr)")
    let names = try FileManager.default.contentsOfDirectory(atPath: runs.path).filter { !$0.hasPrefix(".") }
    let run = RunDirectory(path: runs.appendingPathComponent(try #require(names.first)).path)
    let info = try RunInfo.read(run.runInfo)
    #expect(info.status == .completed && info.step == 100 && info.overrides == overrides + ["train.steps=100"])

    // The loss went down.
    let lines = try String(contentsOfFile: run.metrics, encoding: .utf8).split(separator: "\n")
    let metrics = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    #expect(metrics.count == 4)
    let first = try #require(metrics.first), last = try #require(metrics.last)
    let trainFirst = try #require(first["train_nll"] as? Double), trainLast = try #require(last["train_nll"] as? Double)
    let valFirst = try #require(first["val_nll"] as? Double), valLast = try #require(last["val_nll"] as? Double)
    #expect(trainLast < trainFirst && valLast < valFirst, "train \(trainFirst) → \(trainLast), validation \(valFirst) → \(valLast)")

    // flowc eval reads the checkpoints: on the last one, the test NLL the module wrote in final.json
    // (the same 2,000 test points: flowc's generator is in data.py).
    let final = try RunFileJSON.read(Runner.FinalMetrics.self, from: run.final)
    let testNLL = try #require(final.testNLL, "final.json has no test NLL")
    let eval = try PythonTools.run(PythonTools.flowc, ["eval", run.lastCheckpoint])
    try #require(eval.status == 0, "flowc eval: \(eval.stderr)")
    #expect(eval.stdout.contains("mean NLL \(String(format: "%.4f", testNLL)) nats over 2000 points"), "\(eval.stdout) vs \(testNLL)")
    let testLogp = dir.appendingPathComponent("test-logp.npy")
    _ = try PythonTools.run(PythonTools.flowc, ["eval", run.lastCheckpoint, "--float64", "-o", testLogp.path])
    let test = try PythonTools.readDoubles(testLogp)
    let meanNLL = -test.reduce(0, +) / Double(test.count)
    #expect(abs(meanNLL - testNLL) <= 1e-6, "flowc eval \(meanNLL), the module's final.json \(testNLL)")

    // On the best checkpoint, point by point: flowc eval and the module score the same points alike;
    // and one process trained on the same batches ends where the two did.
    let points = dir.appendingPathComponent("points.npy")
    try PythonTools.npy(ParityTests.points(400, 2), rows: 400, cols: 2).write(to: points)
    let flowcLogp = dir.appendingPathComponent("flowc-logp.npy")
    let best = try PythonTools.run(PythonTools.flowc, ["eval", run.bestCheckpoint, "--data", points.path, "-o", flowcLogp.path])
    try #require(best.status == 0, "flowc eval: \(best.stderr)")
    let single = dir.appendingPathComponent("single")
    let job: [String: Any] = ["name": "one process", "package": package.path, "points": points.path, "train_dir": single.path,
                              "train_steps": 100, "from_torch": dir.appendingPathComponent("single-logp.npy").path,
                              "score": [[run.bestCheckpoint, dir.appendingPathComponent("module-logp.npy").path]]]
    let jobs = dir.appendingPathComponent("jobs.json"), results = dir.appendingPathComponent("results.json")
    try JSONSerialization.data(withJSONObject: [job]).write(to: jobs)
    let driver = PythonTools.root.appendingPathComponent("Tests/FlowcExportTests/Support/parity.py").path
    let python = try PythonTools.run("python3", [driver, jobs.path, results.path], timeout: 900)
    try #require(python.status == 0, "parity.py: \(python.stderr)")
    let module = try PythonTools.readDoubles(dir.appendingPathComponent("module-logp.npy"))
    let flowc = try PythonTools.readDoubles(flowcLogp)
    let gap = ParityTests.gap(module, flowc)
    #expect(module.count == 400 && gap <= 1e-6, "best checkpoint: max |flowc eval − module| = \(gap)")
    let weights = try ParityTests.checkpointGap(URL(fileURLWithPath: run.lastCheckpoint),
                                                single.appendingPathComponent("checkpoints/last.safetensors"))
    #expect(weights <= 1e-6, "2 processes and 1 process differ by \(weights) after 100 steps")
    print("DistributedTrainingTests: torchrun 2×CPU, 100 steps: train NLL \(trainFirst) → \(trainLast), validation \(valFirst) → \(valLast); "
          + "flowc eval vs final.json test NLL \(abs(meanNLL - testNLL)); best checkpoint flowc eval vs module max \(gap); "
          + "2 processes vs 1, largest relative tensor gap \(weights)")
  }
}
