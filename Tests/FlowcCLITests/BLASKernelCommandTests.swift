import FlowRuntime
import Foundation
import Testing

/// The OpenBLAS kernel flowc chooses, end to end: what `flowc run` trains on and records,
/// the same losses on another kernel, the user's kernel respected, a crashing kernel
/// replaced by the next.
@Suite(.serialized) struct BLASKernelCommandTests {
  /// No kernel asked for: flowc chooses (the test runner itself may run with the kernel
  /// .ci/test exported).
  static let unset: [String: String?] = [
    BLASKernelChoice.kernelVariable: nil, BLASKernelChoice.markerVariable: nil, BLASKernelChoice.candidatesVariable: nil,
  ]

  /// The kernel flowc wants here: the plan's first (the installed OpenBLAS passes the check).
  static var planned: (kernel: String, source: String) {
    guard let cpu = CPUFeatures.current else { return (BLASConfiguration.coreName, "library") }
    return (BLASKernelPlan.forCPU(cpu).candidates[0], "flowc")
  }

  @Test func blasKernelPrintsFlowcsChoice() throws {
    let own = try FlowcBinary.run(["blas-kernel", "--verbose"], environment: Self.unset)
    #expect(own.status == 0, "\(own.stderr)")
    let lines = own.stdout.split(separator: "\n").map(String.init)
    #expect(lines.first == Self.planned.kernel, "\(own.stdout)")
    #expect(lines.dropFirst().first == "source: \(Self.planned.source)")
    #expect(lines.dropFirst(2).first?.hasSuffix("; product check passed") == true, "\(own.stdout)")
    if let plan = BLASKernelChoice.plan { #expect(lines.last == "candidates: " + plan.candidates.joined(separator: ",")) }
    #expect(own.stderr.isEmpty, "\(own.stderr)")

    var forced = Self.unset
    forced[BLASKernelChoice.kernelVariable] = "Sandybridge"
    let env = try FlowcBinary.run(["blas-kernel", "--verbose"], environment: forced)
    #expect(env.stdout.hasPrefix(
      "Sandybridge\nsource: environment\nreason: OPENBLAS_CORETYPE=Sandybridge set in the environment; product check passed\n"))
    // Hidden from the help.
    #expect(!(try FlowcBinary.run(["--help"]).stdout.contains("blas-kernel")))
  }

  /// realnvp-moons (nets narrowed to 64 so a debug build trains it in seconds), 200 steps,
  /// on flowc's kernel and on Haswell: the losses agree to float tolerance (different
  /// kernels block and sum in different orders), and run.json says which kernel and why.
  @Test func flowcsKernelAndHaswellGiveTheSameLosses() throws {
    let out = FileManager.default.temporaryDirectory.appendingPathComponent("flowc-blas-\(UUID().uuidString)").path
    let arguments = ["run", "specs/realnvp-moons.yaml", "--set", "train.steps=200", "--set", "templates.scale_net.hidden=[64, 64]",
                     "--set", "templates.shift_net.hidden=[64, 64]", "--set", "eval.test_size=1000", "--set", "eval.samples=0",
                     "--threads", "1"]
    let own = try FlowcBinary.run(arguments + ["--out", "\(out)/own"], timeout: 600, environment: Self.unset)
    #expect(own.status == 0, "\(own.stderr)")
    var haswell = Self.unset
    haswell[BLASKernelChoice.kernelVariable] = "Haswell"
    let forced = try FlowcBinary.run(arguments + ["--out", "\(out)/haswell", "--quiet"], timeout: 600, environment: haswell)
    #expect(forced.status == 0, "\(forced.stderr)")

    let ownDir = try RunCommandTests.runDirectory(in: "\(out)/own")
    let forcedDir = try RunCommandTests.runDirectory(in: "\(out)/haswell")
    let ownInfo = try RunCommandTests.json("\(ownDir)/run.json")
    let forcedInfo = try RunCommandTests.json("\(forcedDir)/run.json")
    #expect(ownInfo["blasCore"] as? String == Self.planned.kernel)
    #expect(ownInfo["blasKernelSource"] as? String == Self.planned.source)
    let reason = try #require(ownInfo["blasKernelReason"] as? String)
    #expect(reason.hasSuffix("; product check passed"), "\(reason)")
    if Self.planned.source == "flowc" { #expect(reason.hasPrefix("chosen by flowc from cpuid: "), "\(reason)") }
    // The run header names the kernel and the reason.
    #expect(own.stderr.contains("BLAS thread, OpenBLAS kernel \(Self.planned.kernel): \(reason))")
              || own.stderr.contains("BLAS threads, OpenBLAS kernel \(Self.planned.kernel): \(reason))"), "\(own.stderr)")
    #expect(forcedInfo["blasCore"] as? String == "Haswell")
    #expect(forcedInfo["blasKernelSource"] as? String == "environment")
    #expect(forcedInfo["blasKernelReason"] as? String == "OPENBLAS_CORETYPE=Haswell set in the environment; product check passed")

    let a = try RunCommandTests.json("\(ownDir)/final.json")
    let b = try RunCommandTests.json("\(forcedDir)/final.json")
    for key in ["test_nll", "final_val_nll"] {
      let (x, y) = (try #require(a[key] as? Double), try #require(b[key] as? Double))
      #expect(abs(x - y) < 5e-3, "\(key): \(x) on \(Self.planned.kernel) vs \(y) on Haswell")
    }
    func lastTrainNLL(_ dir: String) throws -> Double {
      let line = try #require(try String(contentsOfFile: "\(dir)/metrics.jsonl", encoding: .utf8).split(separator: "\n").last)
      return try #require((try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["train_nll"] as? Double)
    }
    #expect(abs(try lastTrainNLL(ownDir) - lastTrainNLL(forcedDir)) < 5e-3)
  }

  /// SkylakeX's AVX-512 kernels on a CPU without AVX-512 die of an illegal instruction
  /// in the check: flowc moves on to the next candidate, and says so; the same kernel
  /// set by the user is not replaced, but flowc says why it died.
  @Test func aKernelThatCrashesIsReplacedByTheNext() throws {
    guard let cpu = CPUFeatures.current else { return }
    var candidates = Self.unset
    candidates[BLASKernelChoice.candidatesVariable] = "SkylakeX,Haswell"
    let r = try FlowcBinary.run(["blas-kernel", "--verbose"], environment: candidates)
    #expect(r.status == 0, "\(r.stderr)")
    guard !cpu.has(.avx512f, .avx512dq, .avx512bw, .avx512vl) else {
      #expect(r.stdout.hasPrefix("SkylakeX\n"), "\(r.stdout)")  // this CPU runs it
      return
    }
    #expect(r.stdout == "Haswell\nsource: flowc\nreason: chosen by flowc from FLOWC_BLAS_CANDIDATES=SkylakeX,Haswell; "
      + "SkylakeX failed the product check (crashed with SIGILL); product check passed\ncandidates: SkylakeX,Haswell,Prescott\n")
    #expect(r.stderr == "warning: OpenBLAS kernel SkylakeX failed flowc's product check (crashed with SIGILL); running Haswell\n")

    var user = Self.unset
    user[BLASKernelChoice.kernelVariable] = "SkylakeX"
    let died = try FlowcBinary.run(["blas-kernel"], environment: user)
    #expect(died.status == SIGILL, "\(died.status) \(died.stderr)")
    #expect(died.stderr.contains("flowc: the OpenBLAS kernel SkylakeX set by OPENBLAS_CORETYPE crashed (SIGILL)"), "\(died.stderr)")
  }
}
