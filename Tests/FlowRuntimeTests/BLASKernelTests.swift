import Foundation
import Testing

@testable import FlowRuntime

/// The OpenBLAS kernel for a CPU: the plan from cpuid features, for CPUs these tests do
/// not run on.
@Suite struct BLASKernelPlanTests {
  typealias F = CPUFeatures.Feature
  /// A Haswell-class feature set.
  static let avx2: Set<F> = [.sse3, .sse4_2, .avx, .fma, .avx2]
  /// A Skylake-X-class feature set.
  static let avx512: Set<F> = avx2.union([.avx512f, .avx512dq, .avx512bw, .avx512vl])

  /// The plan for a made-up CPU.
  static func plan(_ vendor: String, _ family: Int, _ model: Int, _ features: Set<F>) -> BLASKernelPlan {
    BLASKernelPlan.forCPU(CPUFeatures(vendor: vendor, family: family, model: model, features: features))
  }

  @Test func intelWithAVX512AndBF16GetsCooperlake() {
    // Emerald Rapids (model 207): OpenBLAS 0.3.21's own table falls through to Prescott.
    let p = Self.plan("GenuineIntel", 6, 207, Self.avx512.union([.avx512_bf16]))
    #expect(p.candidates == ["Cooperlake", "SkylakeX", "Haswell", "Sandybridge", "Prescott"])
    #expect(p.reason == "cpuid: GenuineIntel family 6 model 207, AVX-512 with BF16")
  }

  @Test func intelWithAVX512GetsSkylakeX() {
    let p = Self.plan("GenuineIntel", 6, 85, Self.avx512)
    #expect(p.candidates == ["SkylakeX", "Haswell", "Sandybridge", "Prescott"])
    #expect(p.reason.hasSuffix("AVX-512 without BF16"))
  }

  @Test func partialAVX512IsNotEnough() {
    // Knights Landing has AVX-512 F but not BW, DQ or VL, which SkylakeX's kernels use;
    // and a VM that does not save the zmm registers reports no AVX-512 at all.
    #expect(Self.plan("GenuineIntel", 6, 87, Self.avx2.union([.avx512f])).candidates.first == "Haswell")
    #expect(Self.plan("GenuineIntel", 6, 207, Self.avx2).candidates.first == "Haswell")
  }

  @Test func amdZenGetsZenEvenWithAVX512() {
    let zen3 = Self.plan("AuthenticAMD", 25, 1, Self.avx2)
    #expect(zen3.candidates == ["Zen", "Haswell", "Sandybridge", "Prescott"])
    #expect(zen3.reason == "cpuid: AuthenticAMD family 25 model 1, AVX2 and FMA, no AVX-512")
    // Zen 5 and Zen 4 have AVX-512 with BF16, where OpenBLAS 0.3.21 would pick Cooperlake:
    // on Zen 5 it misbehaves, on Zen 4 it is slower; each reason says which.
    let zen5 = Self.plan("AuthenticAMD", 26, 68, Self.avx512.union([.avx512_bf16]))
    #expect(zen5.candidates == ["Zen", "Haswell", "Sandybridge", "Prescott"])
    #expect(zen5.reason.contains("not used: OpenBLAS 0.3.21's AVX-512 kernels misbehave on AMD Zen 5"))
    let zen4 = Self.plan("AuthenticAMD", 25, 17, Self.avx512.union([.avx512_bf16]))
    #expect(zen4.candidates == ["Zen", "Haswell", "Sandybridge", "Prescott"])
    #expect(zen4.reason.contains("not used: Zen 4 runs it at the AVX2 rate"))
    #expect(Self.plan("HygonGenuine", 24, 1, Self.avx2).candidates.first == "Zen")
  }

  @Test func olderCPUs() {
    // AMD before Zen (Excavator, family 21) with AVX2: the Haswell kernels.
    #expect(Self.plan("AuthenticAMD", 21, 101, Self.avx2).candidates == ["Haswell", "Sandybridge", "Prescott"])
    #expect(Self.plan("GenuineIntel", 6, 42, [.sse3, .sse4_2, .avx]).candidates == ["Sandybridge", "Prescott"])
    // AVX2 without FMA (a hypervisor that hides FMA) cannot run the Haswell kernels.
    #expect(Self.plan("GenuineIntel", 6, 63, [.sse3, .avx, .avx2]).candidates == ["Sandybridge", "Prescott"])
    #expect(Self.plan("GenuineIntel", 6, 23, [.sse3]).candidates == ["Prescott"])
    #expect(Self.plan("", 0, 0, []).candidates == [BLASKernelPlan.genericKernel])
  }

  @Test func candidatesFromTheEnvironment() {
    let p = BLASKernelPlan.fromList(" SkylakeX, haswell ,skylakex,")
    #expect(p?.candidates == ["SkylakeX", "haswell", "Prescott"])
    #expect(p?.reason == "FLOWC_BLAS_CANDIDATES=SkylakeX,haswell")
    #expect(BLASKernelPlan.fromList("Prescott,Zen")?.candidates == ["Prescott", "Zen"])
    #expect(BLASKernelPlan.fromList(" , ") == nil)
  }

  /// cpuid read here agrees with what Linux reports in /proc/cpuinfo.
  @Test func currentCPUMatchesProcCPUInfo() throws {
    guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8), info.contains("vendor_id") else { return }
    let cpu = try #require(CPUFeatures.current)
    func field(_ name: String) -> String? {
      info.split(separator: "\n").first { $0.hasPrefix(name) }.map { $0.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces) }
    }
    #expect(field("vendor_id") == cpu.vendor)
    #expect(field("cpu family") == String(cpu.family))
    #expect(field("model\t") == String(cpu.model))
    let flags = Set((field("flags") ?? "").split(separator: " ").map(String.init))
    for feature in CPUFeatures.Feature.allCases {
      // Linux calls SSE3 "pni" (Prescott New Instructions).
      let name = feature == .sse3 ? "pni" : feature.rawValue
      #expect(cpu.features.contains(feature) == flags.contains(name), "\(feature)")
    }
  }
}

/// The product check: the active kernel passes, wrong products are rejected, a correct
/// product in another summation order is not.
@Suite struct BLASKernelCheckTests {
  /// The shape of `T.gemm` as a function value.
  typealias Gemm<T> = (Bool, Bool, Int, Int, Int, T, UnsafePointer<T>, Int, UnsafePointer<T>, Int, T,
                       UnsafeMutablePointer<T>, Int) -> Void

  /// A plain gemm in T; `drop` leaves out the last term of every sum (an edge bug), `bf16`
  /// rounds the inputs to 8 significant bits, `ignoreBeta` overwrites C, `poison` makes
  /// one entry NaN.
  static func naive<T: FlowScalar>(_: T.Type, reversed: Bool = false, drop: Bool = false, bf16: Bool = false,
                                   ignoreBeta: Bool = false, poison: Bool = false) -> Gemm<T> {
    return { transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
      func round(_ x: T) -> T { bf16 ? T(Float(bitPattern: Float(x).bitPattern & 0xffff_0000)) : x }
      for i in 0..<m {
        for j in 0..<n {
          var sum: T = 0
          let terms = drop ? k - 1 : k
          for q in 0..<terms {
            let p = reversed ? k - 1 - q : q
            sum += round(transA ? a[p * lda + i] : a[i * lda + p]) * round(transB ? b[j * ldb + p] : b[p * ldb + j])
          }
          c[i * ldc + j] = alpha * sum + (ignoreBeta ? 0 : beta * c[i * ldc + j])
        }
      }
      if poison { c[0] = .nan }
    }
  }

  @Test func theActiveKernelPasses() {
    #expect(BLASKernelCheck.run() == nil)
  }

  @Test func aCorrectProductInAnotherOrderPasses() {
    #expect(BLASKernelCheck.run(Float.self, routine: "sgemm", gemm: Self.naive(Float.self, reversed: true)) == nil)
    #expect(BLASKernelCheck.run(Double.self, routine: "dgemm", gemm: Self.naive(Double.self)) == nil)
  }

  @Test func wrongProductsAreRejected() throws {
    let dropped = try #require(BLASKernelCheck.run(Float.self, routine: "sgemm", gemm: Self.naive(Float.self, drop: true)))
    #expect(dropped.failing == BLASKernelCheck.cases[0])
    #expect(dropped.worstRatio > 100)
    #expect(dropped.description.hasPrefix("sgemm 72×64×64: an entry is off by "), "\(dropped)")
    #expect(dropped.description.hasSuffix(" times the rounding bound"))
    // bfloat16 inputs: errors a few times the float32 bound.
    #expect(BLASKernelCheck.run(Float.self, routine: "sgemm", gemm: Self.naive(Float.self, bf16: true)) != nil)
    let beta = try #require(BLASKernelCheck.run(Double.self, routine: "dgemm", gemm: Self.naive(Double.self, ignoreBeta: true)))
    #expect(beta.failing.beta == 1)
    #expect(beta.description.hasPrefix("dgemm 61×47×53 (A transposed, beta 1): "))
    let nan = try #require(BLASKernelCheck.run(Float.self, routine: "sgemm", gemm: Self.naive(Float.self, poison: true)))
    #expect(nan.worstRatio.isNaN)
    #expect(nan.description == "sgemm 72×64×64: the product has non-finite entries")
  }

  @Test func ratiosPrintWithTwoDigits() {
    #expect(BLASKernelCheck.formatRatio(3.24) == "3.2")
    #expect(BLASKernelCheck.formatRatio(4_123_456) == "4.1e+06")
  }
}

/// The steps of the choice, through every path, without restarting anything.
@Suite struct BLASKernelDecisionTests {
  /// The plan on this project's AMD EPYC (Zen 3).
  static let zen3 = BLASKernelPlan(candidates: ["Zen", "Haswell", "Sandybridge", "Prescott"],
                                   reason: "cpuid: AuthenticAMD family 25 model 1, AVX2 and FMA, no AVX-512")
  /// The plan on an Emerald Rapids Xeon.
  static let xeon = BLASKernelPlan(candidates: ["Cooperlake", "SkylakeX", "Haswell", "Sandybridge", "Prescott"],
                                   reason: "cpuid: GenuineIntel family 6 model 207, AVX-512 with BF16")

  @Test func libraryAlreadyRunsTheWantedKernel() throws {
    guard case .check(let attempt) = BLASKernelDecision.first(environmentValue: nil, marker: nil, plan: Self.zen3,
                                                               activeKernel: "Zen") else { Issue.record(); return }
    let s = attempt.passed
    #expect(s == BLASKernelSelection(kernel: "Zen", source: .flowc, reason:
      "chosen by flowc from cpuid: AuthenticAMD family 25 model 1, AVX2 and FMA, no AVX-512; product check passed"))
  }

  @Test func aWrongLibraryChoiceRestarts() {
    // Empty counts as unset.
    for value in [nil, ""] {
      #expect(BLASKernelDecision.first(environmentValue: value, marker: nil, plan: Self.xeon, activeKernel: "Prescott")
        == .restart(BLASKernelMarker(kernel: "Cooperlake")))
    }
  }

  @Test func aFailedCheckRestartsWithTheNextCandidate() throws {
    let marker = BLASKernelMarker(kernel: "Cooperlake")
    guard case .check(let attempt) = BLASKernelDecision.first(environmentValue: "Cooperlake", marker: marker, plan: Self.xeon,
                                                               activeKernel: "Cooperlake") else { Issue.record(); return }
    #expect(attempt.failed("crashed with SIGILL")
      == .restart(BLASKernelMarker(kernel: "SkylakeX", rejected: [.init(kernel: "Cooperlake", why: "crashed with SIGILL")])))
    // In the next process SkylakeX passes; the reason and the warning name Cooperlake.
    let next = BLASKernelMarker(kernel: "SkylakeX", rejected: [.init(kernel: "Cooperlake", why: "crashed with SIGILL")])
    guard case .check(let second) = BLASKernelDecision.first(environmentValue: "SkylakeX", marker: next, plan: Self.xeon,
                                                              activeKernel: "SkylakeX") else { Issue.record(); return }
    #expect(second.passed.reason == "chosen by flowc from cpuid: GenuineIntel family 6 model 207, AVX-512 with BF16; "
      + "Cooperlake failed the product check (crashed with SIGILL); product check passed")
    #expect(second.passed.warning == "OpenBLAS kernel Cooperlake failed flowc's product check (crashed with SIGILL); running SkylakeX")
  }

  @Test func aSubstitutedKernelIsCheckedNotAskedForAgain() {
    // An OpenBLAS that does not know the name asked for runs another one instead.
    guard case .check(let attempt) = BLASKernelDecision.first(environmentValue: "Cooperlake", marker: BLASKernelMarker(kernel: "Cooperlake"),
                                                               plan: Self.xeon, activeKernel: "SkylakeX") else { Issue.record(); return }
    #expect(attempt.kernel == "SkylakeX")
    #expect(attempt.passed.reason.contains("; OpenBLAS runs SkylakeX for Cooperlake; product check passed"))
  }

  @Test func theUsersKernelIsRespected() throws {
    for marker in [nil, BLASKernelMarker(kernel: "Zen")] {  // a marker for another value is not flowc's
      guard case .check(let attempt) = BLASKernelDecision.first(environmentValue: "haswell", marker: marker, plan: Self.zen3,
                                                                 activeKernel: "Haswell") else { Issue.record(); continue }
      #expect(attempt.passed == BLASKernelSelection(kernel: "Haswell", source: .environment,
                                                    reason: "OPENBLAS_CORETYPE=haswell set in the environment; product check passed"))
      // A failure is reported, not replaced.
      guard case .accept(let kept) = attempt.failed("sgemm 72×64×64: the product has non-finite entries") else { Issue.record(); continue }
      #expect(kept.kernel == "Haswell" && kept.source == .environment)
      #expect(kept.reason.contains("FAILED the product check (sgemm 72×64×64"))
      #expect(kept.warning?.hasSuffix("unset OPENBLAS_CORETYPE to let flowc choose") == true)
    }
  }

  @Test func noPlanOrALostVariableKeepsTheLibrarysKernel() {
    guard case .check(let notX86) = BLASKernelDecision.first(environmentValue: nil, marker: nil, plan: nil, activeKernel: "NEOVERSEN1")
    else { Issue.record(); return }
    #expect(notX86.passed.source == .library)
    guard case .check(let lost) = BLASKernelDecision.first(environmentValue: nil, marker: BLASKernelMarker(kernel: "Zen"),
                                                            plan: Self.zen3, activeKernel: "Zen") else { Issue.record(); return }
    #expect(lost.passed.source == .library)
  }

  /// Simulates the chain of processes for every set of failing kernels: it ends on the
  /// first candidate that passes (or the generic kernel, with a warning), after at most
  /// one restart per candidate.
  @Test func everyChainEnds() {
    let plan = Self.xeon
    for mask in 0..<(1 << plan.candidates.count) {
      let failing = Set(plan.candidates.enumerated().filter { mask & (1 << $0.offset) != 0 }.map(\.element))
      var env: String?
      var marker: BLASKernelMarker?
      var active = "Prescott"  // OpenBLAS 0.3.21's own choice on Emerald Rapids
      var restarts = 0
      var result: BLASKernelSelection?
      var step = BLASKernelDecision.first(environmentValue: env, marker: marker, plan: plan, activeKernel: active)
      while result == nil, restarts <= plan.candidates.count {
        switch step {
        case .accept(let s):
          result = s
        case .check(let attempt):
          if failing.contains(attempt.kernel) { step = attempt.failed("wrong") } else { result = attempt.passed }
        case .restart(let m):
          restarts += 1
          (env, marker, active) = (m.kernel, BLASKernelMarker(m.text), m.kernel)
          step = BLASKernelDecision.first(environmentValue: env, marker: marker, plan: plan, activeKernel: active)
        }
      }
      let expected = plan.candidates.first { !failing.contains($0) } ?? "Prescott"
      #expect(result?.kernel == expected, "failing \(failing.sorted())")
      #expect(restarts <= plan.candidates.count)
      // A warning exactly when flowc could not keep its first choice.
      #expect((result?.warning != nil) == (expected != plan.candidates[0]))
      if failing.count == plan.candidates.count { #expect(result?.reason.contains("every kernel failed the product check") == true) }
    }
  }

  @Test func markerRoundTrip() {
    let m = BLASKernelMarker(kernel: "Haswell", rejected: [.init(kernel: "SkylakeX", why: "crashed with SIGILL"),
                                                            .init(kernel: "Zen", why: "off; by far")])
    #expect(m.text == "Haswell;SkylakeX=crashed with SIGILL;Zen=off, by far")
    #expect(BLASKernelMarker(m.text) == BLASKernelMarker(kernel: "Haswell", rejected: [
      .init(kernel: "SkylakeX", why: "crashed with SIGILL"), .init(kernel: "Zen", why: "off, by far")]))
    #expect(BLASKernelMarker("") == nil)
    #expect(BLASKernelMarker("=x") == nil)
  }

  /// A test runner is not flowc: it reports the library's (or the environment's) kernel, checked.
  @Test func aProcessThatDidNotChooseDescribesTheLibrary() {
    let s = BLASKernelChoice.selection
    #expect(s.kernel == BLASConfiguration.coreName)
    let set = !(ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "").isEmpty
    #expect(s.source == (set ? .environment : .library))
    #expect(s.reason.hasSuffix("; product check passed"))
  }
}
