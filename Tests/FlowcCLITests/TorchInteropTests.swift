import Foundation
import Testing

/// A flowc checkpoint rebuilt in plain PyTorch (bench/load_checkpoint_torch.py, which reads the
/// safetensors file with struct + json + numpy and builds the module from the resolved graph)
/// gives the same log-densities as `flowc eval`. Needs python3 with torch; where PyTorch is
/// missing the test prints that it was skipped and passes.
@Suite(.serialized) struct TorchInteropTests {
  /// Runs `executable arguments` in the repository root; nil if it could not be started.
  static func runTool(_ executable: String, _ arguments: [String], timeout: TimeInterval = 300) -> FlowcBinary.Output? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [executable] + arguments
    process.currentDirectoryURL = FlowcBinary.root
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    do { try process.run() } catch { return nil }
    nonisolated(unsafe) var outData = Data()
    nonisolated(unsafe) var errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    group.enter()
    DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning, Date() < deadline { usleep(10_000) }
    var status = Int32(-1)
    if process.isRunning { process.terminate() } else { status = process.terminationStatus }
    group.wait()
    return FlowcBinary.Output(status: status, stdout: String(decoding: outData, as: UTF8.self),
                              stderr: String(decoding: errData, as: UTF8.self))
  }

  /// Whether `python3 -c 'import torch'` works here.
  static var torchAvailable: Bool {
    runTool("python3", ["-c", "import torch"], timeout: 120)?.status == 0
  }

  /// A float32 .npy of `count` two-moons points ([count, 2]): make_moons' curves with
  /// deterministic noise of standard deviation about 0.05 (Box–Muller on a fixed LCG).
  static func moonsNPY(count: Int) -> [UInt8] {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func uniform() -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return (Double(state >> 11) + 0.5) / Double(1 << 53)
    }
    func normal() -> Double { (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform()) }
    let nOut = count / 2, nIn = count - nOut
    var values: [Float] = []
    for i in 0..<count {
      let outer = i < nOut
      let n = outer ? nOut : nIn, k = outer ? i : i - nOut
      let t = n > 1 ? Double.pi * Double(k) / Double(n - 1) : 0
      let x = outer ? cos(t) : 1 - cos(t)
      let y = outer ? sin(t) : 1 - sin(t) - 0.5
      values.append(Float(x + 0.05 * normal()))
      values.append(Float(y + 0.05 * normal()))
    }
    var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(count), 2), }"
    while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
    header += "\n"
    var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
    bytes += [UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
    bytes += Array(header.utf8)
    for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
    return bytes
  }

  @Test func checkpointRebuiltInPyTorchGivesFlowcsLogDensities() throws {
    guard Self.torchAvailable else {
      print("TorchInteropTests: skipped: PyTorch not installed (python3 -c 'import torch' failed)")
      return
    }
    let points = try FlowcBinary.temporaryFile("points.npy", Self.moonsNPY(count: 500))
    let dir = (points as NSString).deletingLastPathComponent
    let out = dir + "/runs"
    let run = try FlowcBinary.run(
      ["run", "specs/realnvp-moons.yaml", "--set", "train.steps=20", "--set", "eval.test_size=200",
       "--set", "eval.samples=0", "--threads", "1", "--out", out, "--quiet"], timeout: 600)
    #expect(run.status == 0, "flowc run: \(run.stderr)")
    let names = try FileManager.default.contentsOfDirectory(atPath: out).filter { !$0.hasPrefix(".") }.sorted()
    let checkpoint = "\(out)/\(try #require(names.last))/checkpoints/last.safetensors"
    #expect(FileManager.default.fileExists(atPath: checkpoint))

    let logp = dir + "/logp.npy"
    let eval = try FlowcBinary.run(["eval", checkpoint, "--data", points, "-o", logp])
    #expect(eval.status == 0, "flowc eval: \(eval.stderr)")
    #expect(eval.stdout.contains("mean NLL"))

    let script = FlowcBinary.root.appendingPathComponent("bench/load_checkpoint_torch.py").path
    let check = try #require(Self.runTool("python3", [script, checkpoint, points, logp]))
    #expect(check.status == 0, "load_checkpoint_torch.py: \(check.stdout)\(check.stderr)")
    #expect(check.stdout.contains("max |log p_torch - log p_flowc|"))
    print("TorchInteropTests: \(check.stdout.trimmingCharacters(in: .whitespacesAndNewlines))")

    // The script does compare: one value moved by 1e-3 makes it fail with status 1.
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: logp)))
    let start = 10 + Int(bytes[8]) + Int(bytes[9]) << 8
    let first = bytes[start..<(start + 8)].withUnsafeBytes { Double(bitPattern: UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
    withUnsafeBytes(of: (first + 1e-3).bitPattern.littleEndian) { bytes.replaceSubrange(start..<(start + 8), with: $0) }
    let shifted = dir + "/logp-shifted.npy"
    try Data(bytes).write(to: URL(fileURLWithPath: shifted))
    let mismatch = try #require(Self.runTool("python3", [script, checkpoint, points, shifted]))
    #expect(mismatch.status == 1, "expected a mismatch: \(mismatch.stdout)\(mismatch.stderr)")
    try? FileManager.default.removeItem(atPath: dir)
  }

  /// The same for a spline flow (specs/nsf-moons.yaml after a few steps): the loader's own
  /// rational-quadratic spline, written from docs/spec.md 6.7, gives flowc's Float64
  /// log-densities to 1e-9.
  @Test func splineCheckpointRebuiltInPyTorchGivesFlowcsLogDensities() throws {
    guard Self.torchAvailable else {
      print("TorchInteropTests: skipped: PyTorch not installed (python3 -c 'import torch' failed)")
      return
    }
    let points = try FlowcBinary.temporaryFile("points.npy", Self.moonsNPY(count: 500))
    let dir = (points as NSString).deletingLastPathComponent
    let out = dir + "/runs"
    let run = try FlowcBinary.run(
      ["run", "specs/nsf-moons.yaml", "--set", "train.steps=30", "--set", "train.batch_size=64", "--set", "eval.test_size=200",
       "--set", "eval.samples=0", "--set", "train.eval_every=30", "--threads", "1", "--out", out, "--quiet"], timeout: 600)
    #expect(run.status == 0, "flowc run: \(run.stderr)")
    let names = try FileManager.default.contentsOfDirectory(atPath: out).filter { !$0.hasPrefix(".") }.sorted()
    let checkpoint = "\(out)/\(try #require(names.last))/checkpoints/last.safetensors"
    let logp = dir + "/logp.npy"
    let eval = try FlowcBinary.run(["eval", checkpoint, "--data", points, "-o", logp, "--float64"])
    #expect(eval.status == 0, "flowc eval: \(eval.stderr)")
    let script = FlowcBinary.root.appendingPathComponent("bench/load_checkpoint_torch.py").path
    let check = try #require(Self.runTool("python3", [script, checkpoint, points, logp, "--tolerance", "1e-9"]))
    #expect(check.status == 0, "load_checkpoint_torch.py: \(check.stdout)\(check.stderr)")
    print("TorchInteropTests: \(check.stdout.trimmingCharacters(in: .whitespacesAndNewlines))")
    try? FileManager.default.removeItem(atPath: dir)
  }

  /// The autoregressive layers too: the loader rebuilds each MADE from the checkpoint's
  /// weights and fixed masks (checking the masks against the degrees of docs/spec.md and
  /// the order against `layers.i.order`), and solves the IAF's density one dimension per
  /// pass; both give flowc's log-densities.
  @Test func autoregressiveCheckpointRebuiltInPyTorch() throws {
    guard Self.torchAvailable else {
      print("TorchInteropTests: skipped: PyTorch not installed (python3 -c 'import torch' failed)")
      return
    }
    let points = try FlowcBinary.temporaryFile("points.npy", Self.moonsNPY(count: 300))
    let dir = (points as NSString).deletingLastPathComponent
    let spec = """
      dim: 2
      prior: standard_normal
      templates:
        made: {hidden: [16, 16], activation: tanh}
      flow:
        - {kind: iaf, net: made, order: natural, scale_function: sigmoid}
        - {kind: maf, net: made, order: random, seed: 3, scale_clamp: 2}
        - {kind: iaf, net: made, order: reversed, scale_clamp: 2}
      data: {source: moons}
      train: {steps: 30, lr: 3e-3}
      eval: {test_size: 200, samples: 0}
      """
    try spec.write(toFile: dir + "/ar.yaml", atomically: true, encoding: .utf8)
    let out = dir + "/runs"
    let run = try FlowcBinary.run(["run", dir + "/ar.yaml", "--threads", "1", "--out", out, "--quiet"], timeout: 600)
    #expect(run.status == 0, "flowc run: \(run.stderr)")
    let names = try FileManager.default.contentsOfDirectory(atPath: out).filter { !$0.hasPrefix(".") }.sorted()
    let checkpoint = "\(out)/\(try #require(names.last))/checkpoints/last.safetensors"
    let logp = dir + "/logp.npy"
    let eval = try FlowcBinary.run(["eval", checkpoint, "--data", points, "-o", logp])
    #expect(eval.status == 0, "flowc eval: \(eval.stderr)")
    let script = FlowcBinary.root.appendingPathComponent("bench/load_checkpoint_torch.py").path
    let check = try #require(Self.runTool("python3", [script, checkpoint, points, logp]))
    #expect(check.status == 0, "load_checkpoint_torch.py: \(check.stdout)\(check.stderr)")
    print("TorchInteropTests: \(check.stdout.trimmingCharacters(in: .whitespacesAndNewlines))")
    try? FileManager.default.removeItem(atPath: dir)
  }
}
