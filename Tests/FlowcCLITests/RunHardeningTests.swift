import Foundation
import Testing

/// Issue #14 end to end: `flowc run`, `sample` and `eval` on hostile sizes, files, data
/// and faults. Each test reproduces one of the issue's findings with the built binary.
@Suite(.serialized) struct RunHardeningTests {
  /// A fresh folder for one test.
  static func folder() throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flowc-hard-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
  }

  /// Writes `text` to `name` in `dir`; returns the path.
  @discardableResult
  static func write(_ text: String, _ name: String, in dir: String) throws -> String {
    let path = "\(dir)/\(name)"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  /// The run directories under `out` (none when it does not exist).
  static func runs(in out: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
  }

  /// A spec of a tiny flow on CSV data at `path` (4 couplings, 2-D).
  static func csvSpec(_ path: String, steps: Int = 20, data extra: String = "", train: String = "") -> String {
    """
    dim: 2
    name: csv
    prior: standard_normal
    templates: {n: {hidden: [8], activation: tanh}}
    flow:
      - {kind: affine_coupling, keep: [1, 0], scale: n, shift: n}
      - {kind: affine_coupling, keep: flip, scale: n, shift: n}
    data: {source: csv, path: \(path)\(extra)}
    train: {steps: \(steps), batch_size: 16, eval_every: 10\(train)}
    eval: {samples: 10}
    """
  }

  /// `count` rows of 2-D points as CSV text.
  static func points(_ count: Int) -> String {
    "x,y\n" + (0..<count).map { i in "\(Double(i % 17) * 0.1 - 0.8),\(Double(i % 5) * 0.3 - 0.6)" }.joined(separator: "\n") + "\n"
  }

  /// One tiny trained run, shared by the sample and eval tests: (run directory, spec folder).
  static let trained: (run: String, folder: String) = {
    let dir = try! folder()
    try! write(points(400), "points.csv", in: dir)
    let spec = try! write(csvSpec("points.csv", steps: 40), "tiny.yaml", in: dir)
    let r = try! FlowcBinary.run(["run", spec, "--out", "\(dir)/runs", "--threads", "1", "--quiet"])
    precondition(r.status == 0, r.stderr)
    return ("\(dir)/runs/\(runs(in: "\(dir)/runs").last!)", dir)
  }()

  // MARK: - Crashes and hangs

  /// Sizes that used to crash `run` after `check` passed them (SIGSEGV, a 4 TB
  /// allocation, an overflow trap after training) stop before anything is made.
  @Test(arguments: ["eval.test_size=9223372036854775807", "eval.test_size=1000000000000",
                    "data.validation_size=9223372036854775807", "eval.samples=4611686018427387904"])
  func hugeSizesStopBeforeTheRun(setting: String) throws {
    let dir = try Self.folder()
    let spec = try Self.write(RunCommandTests.tinySpec(steps: 5), "tiny.yaml", in: dir)
    let r = try FlowcBinary.run(["run", spec, "--set", setting, "--out", "\(dir)/runs", "--quiet"], timeout: 60)
    #expect(r.status == 1, "\(setting): \(r.stderr)")
    #expect(r.stderr.contains("[resource-budget]") || r.stderr.contains("[value-range]"), "\(r.stderr)")
    #expect(Self.runs(in: "\(dir)/runs").isEmpty)
  }

  /// `sample -n` with a count no file can hold, or that does not fit on the disk, is an
  /// error before any work; a large count streams in bounded memory.
  @Test func sampleCountsThatCannotBeWritten() throws {
    let checkpoint = "\(Self.trained.run)/checkpoints/last.safetensors"
    let dir = try Self.folder()
    let overflow = try FlowcBinary.run(["sample", checkpoint, "-n", "4611686018427387904", "-o", "\(dir)/s.npy"], timeout: 30)
    #expect(overflow.status == 2, "\(overflow.stderr)")
    #expect(overflow.stderr.contains("are more bytes than a file can hold"), "\(overflow.stderr)")
    let tooBig = try FlowcBinary.run(["sample", checkpoint, "-n", "1000000000000000", "-o", "\(dir)/s.npy"], timeout: 30)
    #expect(tooBig.status == 2, "\(tooBig.stderr)")
    #expect(tooBig.stderr.contains("but only") && tooBig.stderr.contains("are free there"), "\(tooBig.stderr)")
    #expect(Self.runs(in: dir).isEmpty, "a partial file was left")
    // 300,000 samples go through in evaluation batches: the file holds them all.
    let many = try FlowcBinary.run(["sample", checkpoint, "-n", "300000", "-o", "\(dir)/many.npy"], timeout: 120)
    #expect(many.status == 0, "\(many.stderr)")
    let size = try FileManager.default.attributesOfItem(atPath: "\(dir)/many.npy")[.size] as? Int
    #expect(size == 128 + 300_000 * 2 * 4)
    // The first rows are the same whatever the count (batching draws what one draw would).
    let few = try FlowcBinary.run(["sample", checkpoint, "-n", "1500", "-o", "\(dir)/few.npy"])
    #expect(few.status == 0)
    let a = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/few.npy"))
    let b = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/many.npy"))
    #expect(a.dropFirst(128) == b.dropFirst(128).prefix(1500 * 8))
  }

  /// A data path that is a FIFO used to block forever, /dev/zero was read: both are
  /// errors at the path's line, without opening anything, and no run directory is made.
  @Test func nonRegularDataFilesAreRefusedAtTheirLine() throws {
    let dir = try Self.folder()
    let fifo = "\(dir)/points.csv"
    #expect(mkfifo(fifo, 0o600) == 0)
    for path in [fifo, "/dev/zero"] {
      let spec = try Self.write(Self.csvSpec(path), "spec.yaml", in: dir)
      let r = try FlowcBinary.run(["run", spec, "--out", "\(dir)/runs", "--quiet"], timeout: 30)
      #expect(r.status == 1, "\(path): \(r.stderr)")
      #expect(r.stderr.contains("\(spec):8:27: error: 'path' names '\(path)', which is not a regular file"), "\(r.stderr)")
      let check = try FlowcBinary.run(["check", spec], timeout: 30)
      #expect(check.status == 1 && check.stderr.contains("[data-file]"), "\(check.stderr)")
    }
    #expect(Self.runs(in: "\(dir)/runs").isEmpty)
  }

  // MARK: - Fake or silent results

  /// A 1-row or 3-row file used to train and report "test_nll": 0 on 0 test points; too
  /// little data for the splits is an error naming the sizes, at the data path.
  @Test(arguments: [1, 3, 9]) func tooLittleDataIsAnError(rows: Int) throws {
    let dir = try Self.folder()
    try Self.write(Self.points(rows), "points.csv", in: dir)
    let spec = try Self.write(Self.csvSpec("points.csv"), "spec.yaml", in: dir)
    let r = try FlowcBinary.run(["run", spec, "--out", "\(dir)/runs", "--quiet"])
    #expect(r.status == 1, "\(r.stderr)")
    #expect(r.stderr.contains("\(spec):8:27: error: \(dir)/points.csv: holds \(rows) row"), "\(r.stderr)")
    #expect(r.stderr.contains("too few"))
    #expect(Self.runs(in: "\(dir)/runs").isEmpty)
  }

  /// `validation_size: 0` trains without validation: no validation NLL anywhere, and
  /// best.safetensors is the final state.
  @Test func noValidationSetMeansNoValidationNLL() throws {
    let dir = try Self.folder()
    try Self.write(Self.points(100), "points.csv", in: dir)
    let spec = try Self.write(Self.csvSpec("points.csv", data: ", validation_size: 0"), "spec.yaml", in: dir)
    let r = try FlowcBinary.run(["run", spec, "--out", "\(dir)/runs", "--quiet"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("no validation set"), "\(r.stdout)")
    let run = "\(dir)/runs/\(try #require(Self.runs(in: "\(dir)/runs").last))"
    let final = try RunCommandTests.json("\(run)/final.json")
    #expect(final["best_val_nll"] == nil && final["final_val_nll"] == nil, "\(final)")
    #expect(final["test_points"] as? Int == 20)
    let metrics = try String(contentsOfFile: "\(run)/metrics.jsonl", encoding: .utf8)
    #expect(!metrics.contains("val_nll"), "\(metrics)")
    // The same weights (the headers differ only in the recorded elapsed time).
    func weights(_ name: String) throws -> Data {
      let bytes = try Data(contentsOf: URL(fileURLWithPath: "\(run)/checkpoints/\(name)"))
      return bytes.dropFirst(8 + (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) })
    }
    #expect(try weights("best.safetensors") == weights("last.safetensors"))
    // Too large a validation_size says how many rows remain.
    let big = try Self.write(Self.csvSpec("points.csv", data: ", validation_size: 80"), "big.yaml", in: dir)
    let e = try FlowcBinary.run(["run", big, "--out", "\(dir)/runs", "--quiet"])
    #expect(e.status == 1 && e.stderr.contains("'validation_size' is 80, but 80 rows remain after the 20 test rows"), "\(e.stderr)")
  }

  /// An exploding loss (no NaN) used to end with exit 0 and a test NLL of 1e10: it stops
  /// the run as diverged, in the summary, run.json and final.json, with exit 1.
  @Test func anExplodingLossIsADivergedRun() throws {
    let dir = try Self.folder()
    let spec = try Self.write(RunCommandTests.tinySpec(steps: 200), "tiny.yaml", in: dir)
    let r = try FlowcBinary.run(["run", spec, "--set", "train.lr=10", "--out", "\(dir)/runs", "--quiet"])
    #expect(r.status == 1, "\(r.stderr)")
    #expect(r.stderr.contains("error: the loss exploded at step"), "\(r.stderr)")
    #expect(r.stderr.contains("lower 'lr' or set 'clip_grad_norm'"))
    let run = "\(dir)/runs/\(try #require(Self.runs(in: "\(dir)/runs").last))"
    #expect(try RunCommandTests.json("\(run)/run.json")["status"] as? String == "diverged")
    let final = try RunCommandTests.json("\(run)/final.json")
    #expect(final["status"] as? String == "diverged")
    #expect(final["test_nll"] == nil)
    #expect((final["message"] as? String)?.contains("exploded") == true)
  }

  /// A logit of unscaled data is NaN before the flow sees it: the warning is printed,
  /// and the divergence blames the preprocessing, not layer %0.
  @Test func aPreprocessingNaNIsNotBlamedOnALayer() throws {
    let dir = try Self.folder()
    let spec = try Self.write(RunCommandTests.tinySpec(steps: 20).replacingOccurrences(
      of: "data: {source: moons, noise: 0.05, validation_size: 200}",
      with: "data: {source: moons, noise: 0.05, validation_size: 200, preprocess: {logit_alpha: 0.05}}"), "tiny.yaml", in: dir)
    let r = try FlowcBinary.run(["run", spec, "--out", "\(dir)/runs", "--quiet"])
    #expect(r.status == 1, "\(r.stderr)")
    #expect(r.stderr.contains("\(spec):12:84: warning: the logit transform expects data in [0, 1]"), "\(r.stderr)")
    #expect(r.stderr.contains("became NaN or infinite before the flow saw it: the preprocessing's logit ('logit_alpha' at \(spec):12:84)"),
            "\(r.stderr)")
    #expect(!r.stderr.contains("layer %0"))
  }

  /// NaN weights used to evaluate with exit 0 ("mean NLL -nan") and write NaN samples;
  /// a point at 1e30 gave "mean NLL inf". Both are reported and exit 1.
  @Test func nonFiniteOutputsAreReported() throws {
    let dir = try Self.folder()
    let source = "\(Self.trained.run)/checkpoints/last.safetensors"
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: source)))
    let headerLength = (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
    for i in (8 + headerLength)..<bytes.count { bytes[i] = 0xFF }  // every float a NaN
    let broken = "\(dir)/nan.safetensors"
    try Data(bytes).write(to: URL(fileURLWithPath: broken))
    let eval = try FlowcBinary.run(["eval", broken, "--data", "\(Self.trained.folder)/points.csv"])
    #expect(eval.status == 1, "\(eval.stdout) \(eval.stderr)")
    #expect(eval.stderr.contains("of the 400 log-densities are not finite") && eval.stderr.contains("NaN"), "\(eval.stderr)")
    #expect(!eval.stdout.contains("mean NLL"))
    let sample = try FlowcBinary.run(["sample", broken, "-n", "10", "-o", "\(dir)/s.npy"])
    #expect(sample.status == 1 && sample.stderr.contains("are not finite numbers"), "\(sample.stderr)")

    let far = try Self.write("1e30,0\n0,0\n0.1,0.2\n", "far.csv", in: dir)
    let good = "\(Self.trained.run)/checkpoints/last.safetensors"
    let farEval = try FlowcBinary.run(["eval", good, "--data", far, "-o", "\(dir)/logp.npy"])
    #expect(farEval.status == 1, "\(farEval.stdout)")
    #expect(farEval.stderr.contains("1 of the 3 log-densities are not finite"), "\(farEval.stderr)")
    #expect(farEval.stderr.contains("\(dir)/logp.npy holds them as they are"))
  }

  /// The declared source decides the format: an `.npy` array named `points.bin` is read
  /// with `source: npy`, and a CSV spec naming an `.npy` file is an error in `check`.
  @Test func theDeclaredSourceDecidesTheFormat() throws {
    let dir = try Self.folder()
    let values = (0..<200).map { Float($0 % 13) * 0.1 - 0.6 }
    var npy: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
    var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (100, 2), }"
    header += String(repeating: " ", count: 64 - (10 + header.utf8.count + 1) % 64) + "\n"
    npy += [UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)] + Array(header.utf8)
    for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { npy += $0 } }
    try Data(npy).write(to: URL(fileURLWithPath: "\(dir)/points.bin"))
    let spec = try Self.write(Self.csvSpec("points.bin", steps: 5).replacingOccurrences(of: "source: csv", with: "source: npy"),
                              "npy.yaml", in: dir)
    let r = try FlowcBinary.run(["run", spec, "--out", "\(dir)/runs", "--quiet"])
    #expect(r.status == 0, "\(r.stderr)")
    // `eval --data` of a file whose name says nothing reads it as the spec's source.
    let run = "\(dir)/runs/\(try #require(Self.runs(in: "\(dir)/runs").last))"
    let eval = try FlowcBinary.run(["eval", "\(run)/checkpoints/last.safetensors", "--data", "\(dir)/points.bin"])
    #expect(eval.status == 0 && eval.stdout.contains("over 100 points"), "\(eval.stdout) \(eval.stderr)")
    // The same bytes read as CSV: the content says what it is.
    let asCSV = try Self.write(Self.csvSpec("points.bin", steps: 5), "csv.yaml", in: dir)
    let e = try FlowcBinary.run(["run", asCSV, "--out", "\(dir)/runs2", "--quiet"])
    #expect(e.status == 1 && e.stderr.contains("its content is a npy file"), "\(e.stderr)")
    #expect(Self.runs(in: "\(dir)/runs2").isEmpty)
  }

  // MARK: - `run` as strict as `check`

  /// `run` prints the check's warnings and honours --warnings-as-errors.
  @Test func runPrintsWarningsAndHonoursWarningsAsErrors() throws {
    let dir = try Self.folder()
    let spec = try Self.write(RunCommandTests.tinySpec(steps: 5).replacingOccurrences(of: "noise: 0.05", with: "noise: 0.05, factor: 0.3"),
                              "warn.yaml", in: dir)
    let strict = try FlowcBinary.run(["run", spec, "--warnings-as-errors", "--out", "\(dir)/runs", "--quiet"])
    #expect(strict.status == 1, "\(strict.stderr)")
    #expect(strict.stderr.contains("\(spec):12:44: warning: ") && strict.stderr.contains("[unused-setting]"), "\(strict.stderr)")
    #expect(Self.runs(in: "\(dir)/runs").isEmpty)
    let lenient = try FlowcBinary.run(["run", spec, "--out", "\(dir)/runs", "--quiet"])
    #expect(lenient.status == 0, "\(lenient.stderr)")
    #expect(lenient.stderr.contains("[unused-setting]"))
  }

  /// Relative data paths are read from the spec's folder (not the current directory),
  /// also by `--resume` and by `eval CKPT` without `--data`, from anywhere.
  @Test func dataPathsAreRelativeToTheSpec() throws {
    // The spec and its data live in a folder; flowc runs in the repository root.
    let run = Self.trained.run
    let eval = try FlowcBinary.run(["eval", "\(run)/checkpoints/last.safetensors"])
    #expect(eval.status == 0, "\(eval.stderr)")
    #expect(eval.stdout.contains("over 80 points"), "\(eval.stdout)")
    let final = try RunCommandTests.json("\(run)/final.json")
    #expect(eval.stdout.contains(String(format: "mean NLL %.4f", final["test_nll"] as! Double)))
  }

  /// A missing data file, a directory or an empty path used to fail in `run` without a
  /// line and column, after making a run directory that `flowc runs` called "unreadable".
  @Test func badDataPathsLeaveNoRunDirectory() throws {
    let dir = try Self.folder()
    try FileManager.default.createDirectory(atPath: "\(dir)/folder", withIntermediateDirectories: true)
    for (path, message) in [("missing.csv", "'path' names '\(dir)/missing.csv', which does not exist"),
                            ("folder", "which is a directory, not a data file"), ("\"\"", "'path' is empty")] {
      let spec = try Self.write(Self.csvSpec(path), "spec.yaml", in: dir)
      let r = try FlowcBinary.run(["run", spec, "--out", "\(dir)/runs", "--quiet"])
      #expect(r.status == 1, "\(path): \(r.stderr)")
      #expect(r.stderr.contains("\(spec):8:27: error: ") && r.stderr.contains(message), "\(r.stderr)")
    }
    #expect(Self.runs(in: "\(dir)/runs").isEmpty)
  }

  /// `--unset` (and `--set key=~`) removes a key: a spec with `epochs:` runs with `steps`.
  @Test func unsetSwitchesEpochsToSteps() throws {
    let dir = try Self.folder()
    try Self.write(Self.points(100), "points.csv", in: dir)
    let spec = try Self.write(Self.csvSpec("points.csv").replacingOccurrences(of: "steps: 20", with: "epochs: 2"), "e.yaml", in: dir)
    let both = try FlowcBinary.run(["run", spec, "--set", "train.steps=7", "--out", "\(dir)/runs", "--quiet"])
    #expect(both.status == 1 && both.stderr.contains("[train-length]"), "\(both.stderr)")
    for removal in [["--unset", "train.epochs"], ["--set", "train.epochs=~"]] {
      let r = try FlowcBinary.run(["run", spec, "--set", "train.steps=7"] + removal + ["--out", "\(dir)/runs", "--quiet"])
      #expect(r.status == 0, "\(removal): \(r.stderr)")
      #expect(r.stdout.contains(" 7 steps in "), "\(r.stdout)")
    }
  }

  // MARK: - Runs under faults

  /// `--resume` of a completed run says so and leaves every file as it was.
  @Test func resumingACompletedRunChangesNothing() throws {
    let run = Self.trained.run
    let before = try Data(contentsOf: URL(fileURLWithPath: "\(run)/final.json"))
    let samples = try Data(contentsOf: URL(fileURLWithPath: "\(run)/samples.npy"))
    let r = try FlowcBinary.run(["run", "--resume", run, "--quiet"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stderr.contains("is complete (40 steps); there is nothing to resume"), "\(r.stderr)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: "\(run)/final.json")) == before)
    #expect(try Data(contentsOf: URL(fileURLWithPath: "\(run)/samples.npy")) == samples)
  }

  /// A run killed mid-training: run.json follows the last checkpoint, `flowc runs` says
  /// the run is dead, and resume truncates metrics.jsonl to the checkpoint, removes the
  /// temporaries a kill leaves, and ends as the uninterrupted run would.
  @Test func aKilledRunIsShownDeadAndResumesCleanly() throws {
    let dir = try Self.folder()
    let spec = try Self.write(RunCommandTests.tinySpec(steps: 400).replacingOccurrences(of: "eval_every: 50", with: "eval_every: 20"),
                              "tiny.yaml", in: dir)
    let whole = try FlowcBinary.run(["run", spec, "--out", "\(dir)/whole", "--threads", "1", "--quiet"])
    #expect(whole.status == 0)
    let wholeFinal = try RunCommandTests.json("\(dir)/whole/\(try #require(Self.runs(in: "\(dir)/whole").last))/final.json")

    let killed = try FlowcBinary.run(["run", spec, "--out", "\(dir)/parts", "--threads", "1"],
                                     signalWhen: { $0.contains("step 100/400") }, signal: SIGKILL)
    #expect(killed.status == -1 || killed.status == 9, "\(killed.status)")
    let run = "\(dir)/parts/\(try #require(Self.runs(in: "\(dir)/parts").last))"
    let info = try RunCommandTests.json("\(run)/run.json")
    #expect(info["status"] as? String == "running")
    let step = try #require(info["step"] as? Int)
    #expect(step >= 20 && step < 400, "run.json stayed at step \(step)")
    let runs = try FlowcBinary.run(["runs", "\(dir)/parts"])
    #expect(runs.stdout.contains("dead"), "\(runs.stdout)")
    // What a kill during a write leaves: a temporary file and a torn metrics line.
    try Data([1, 2, 3]).write(to: URL(fileURLWithPath: "\(run)/checkpoints/.last.safetensors.tmp-1-x"))
    try Data("{\"step\":999,\"tra".utf8).append(toFile: "\(run)/metrics.jsonl")

    let resumed = try FlowcBinary.run(["run", "--resume", run, "--threads", "1", "--quiet"])
    #expect(resumed.status == 0, "\(resumed.stderr)")
    let final = try RunCommandTests.json("\(run)/final.json")
    #expect(final["test_nll"] as? Double == wholeFinal["test_nll"] as? Double)
    let lines = try String(contentsOfFile: "\(run)/metrics.jsonl", encoding: .utf8).split(separator: "\n")
    let steps = lines.compactMap { line -> Int? in
      (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["step"] as? Int
    }
    #expect(steps == Array(stride(from: 20, through: 400, by: 20)), "\(steps)")
    let leftovers = (FileManager.default.enumerator(atPath: run)?.allObjects as? [String] ?? []).filter { $0.contains(".tmp-") }
    #expect(leftovers.isEmpty, "\(leftovers)")
  }

  /// SIGKILL at random moments (at most three kills; the delays are printed on failure),
  /// each followed by `--resume`: the run ends with the uninterrupted run's final.json,
  /// metrics and samples, no duplicated metrics line and no temporary file left. A run
  /// killed before its first checkpoint starts over.
  @Test func randomKillsThenResumeEqualTheUninterruptedRun() throws {
    let dir = try Self.folder()
    let spec = try Self.write(RunCommandTests.tinySpec(steps: 200).replacingOccurrences(of: "eval_every: 50", with: "eval_every: 20"),
                              "tiny.yaml", in: dir)
    let whole = try FlowcBinary.run(["run", spec, "--out", "\(dir)/whole", "--threads", "1", "--quiet"])
    #expect(whole.status == 0, "\(whole.stderr)")
    let reference = "\(dir)/whole/\(try #require(Self.runs(in: "\(dir)/whole").last))"

    var seed = UInt64.random(in: 1...UInt64.max)
    let startSeed = seed
    func uniform() -> Double {  // SplitMix64
      seed &+= 0x9E37_79B9_7F4A_7C15
      var z = seed
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return Double((z ^ (z >> 31)) >> 11) * 0x1.0p-53
    }
    let out = "\(dir)/parts"
    var delays: [Double] = []
    var run: String?
    var finished = false
    while !finished {
      let arguments = run.map { ["run", "--resume", $0, "--threads", "1", "--quiet"] }
        ?? ["run", spec, "--out", out, "--threads", "1", "--quiet"]
      if delays.count == 3 {
        let last = try FlowcBinary.run(arguments)
        #expect(last.status == 0, "kills after \(delays) s (seed \(startSeed)): \(last.stderr)")
        break
      }
      let delay = 0.05 + 1.5 * uniform()
      let r = try FlowcBinary.runKilled(arguments, after: delay)
      if !r.killed {
        #expect(r.status == 0, "kills after \(delays) s (seed \(startSeed))")
        finished = true
      } else {
        delays.append(delay)
        run = Self.runs(in: out).last.map { "\(out)/\($0)" }
        // Killed before run.json existed: nothing to resume, start afresh.
        if let d = run, !FileManager.default.fileExists(atPath: "\(d)/run.json") {
          try FileManager.default.removeItem(atPath: d)
          run = nil
        }
      }
    }
    let context = "kills after \(delays.map { String(format: "%.2f", $0) }) s (seed \(startSeed))"
    let parts = try #require(Self.runs(in: out).last.map { "\(out)/\($0)" }, "\(context)")
    var expected = try RunCommandTests.json("\(reference)/final.json")
    var got = try RunCommandTests.json("\(parts)/final.json")
    expected["training_seconds"] = nil
    got["training_seconds"] = nil
    #expect(NSDictionary(dictionary: got).isEqual(to: expected), "\(context): \(got) vs \(expected)")
    #expect(try RunCommandTests.json("\(parts)/run.json")["status"] as? String == "completed", "\(context)")
    func metrics(_ run: String) throws -> [[String: Any]] {
      try String(contentsOfFile: "\(run)/metrics.jsonl", encoding: .utf8).split(separator: "\n").map { line in
        var record = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        record["elapsed_s"] = nil
        return record
      }
    }
    let a = try metrics(reference), b = try metrics(parts)
    #expect(b.map { $0["step"] as? Int } == Array(stride(from: 20, through: 200, by: 20)), "\(context)")
    #expect(a.count == b.count && zip(a, b).allSatisfy { NSDictionary(dictionary: $0).isEqual(to: $1) }, "\(context)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: "\(parts)/samples.npy"))
      == Data(contentsOf: URL(fileURLWithPath: "\(reference)/samples.npy")), "\(context)")
    let leftovers = (FileManager.default.enumerator(atPath: parts)?.allObjects as? [String] ?? []).filter { $0.contains(".tmp-") }
    #expect(leftovers.isEmpty, "\(context): \(leftovers)")
  }

  /// A write that fails (a full disk; here the file size limit, as `ulimit -f` sets it)
  /// is a clean error naming the file, run.json says failed, and a later resume, with
  /// room again, completes the run.
  @Test(.disabled(if: ProcessInfo.processInfo.environment["FLOWC_SANITIZER"] == "thread",
                  "ThreadSanitizer's runtime itself dies (SIGBUS) under a file size limit"))
  func aFullDiskIsACleanErrorAndTheRunResumes() throws {
    let dir = try Self.folder()
    let spec = try Self.write(RunCommandTests.tinySpec(steps: 100).replacingOccurrences(of: "samples: 50", with: "samples: 100000"),
                              "tiny.yaml", in: dir)
    // 200 blocks of 512 bytes: the checkpoints (23 KB) fit, samples.npy (800 KB) does not.
    let full = try FlowcBinary.run(["run", spec, "--out", "\(dir)/runs", "--threads", "1", "--quiet"],
                                   shellPrefix: "trap '' XFSZ; ulimit -f 200")
    #expect(full.status == 2, "\(full.stderr)")
    let run = "\(dir)/runs/\(try #require(Self.runs(in: "\(dir)/runs").last))"
    #expect(full.stderr.contains("cannot write '\(run)/samples.npy': file too large"), "\(full.stderr)")
    #expect(!full.stderr.contains("NSCocoaErrorDomain") && !full.stderr.contains("Code="))
    #expect(try RunCommandTests.json("\(run)/run.json")["status"] as? String == "failed")
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: run).filter { $0.contains(".tmp-") }
    #expect(leftovers.isEmpty, "\(leftovers)")
    let again = try FlowcBinary.run(["run", "--resume", run, "--threads", "1", "--quiet"])
    #expect(again.status == 0, "\(again.stderr)")
    #expect(try RunCommandTests.json("\(run)/run.json")["status"] as? String == "completed")
    #expect(FileManager.default.fileExists(atPath: "\(run)/samples.npy"))
  }

  /// Files that are not there or not run directories are named, in words.
  @Test func missingRunFilesAreNamedInWords() throws {
    let dir = try Self.folder()
    let resume = try FlowcBinary.run(["run", "--resume", "\(dir)/nope"])
    #expect(resume.status == 2, "\(resume.stderr)")
    #expect(resume.stderr.contains("cannot read '\(dir)/nope/run.json': no such file; is '\(dir)/nope' a run directory made by flowc run?"),
            "\(resume.stderr)")
    try Self.write("{not json", "run.json", in: dir)
    let garbled = try FlowcBinary.run(["run", "--resume", dir])
    #expect(garbled.status == 2 && garbled.stderr.contains("it is not the JSON flowc writes there"), "\(garbled.stderr)")
    for r in [resume, garbled] { #expect(!r.stderr.contains("Code=") && !r.stderr.contains("NSCocoaErrorDomain")) }
    let runs = try FlowcBinary.run(["runs", "\(dir)/none"])
    #expect(runs.status == 2 && !runs.stderr.contains("Code=") && !runs.stderr.contains("couldn’t"), "\(runs.stderr)")
  }
}

extension Data {
  /// Appends these bytes to the file at `path`.
  func append(toFile path: String) throws {
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    try handle.seekToEnd()
    try handle.write(contentsOf: self)
  }
}
