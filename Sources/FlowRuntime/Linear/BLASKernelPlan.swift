/// The OpenBLAS kernels to try on a CPU, best first, and why the first.
///
/// Debian's OpenBLAS 0.3.21 is built with every x86-64 kernel (DYNAMIC_ARCH) and picks
/// one from cpuid when it loads, but it predates recent CPUs: on an Intel family 6 CPU
/// whose extended model it does not list (Emerald Rapids, model 207) its table falls
/// through to the generic `Prescott` kernel, about a third of Haswell's speed, and on
/// AMD Zen 4 and Zen 5 it picks the AVX-512 kernels (Cooperlake). Those were seen to
/// crash or give wrong products on Zen 5 (OpenBLAS issue 5243: a fault in
/// `sgemm_beta_COOPERLAKE` on a Ryzen 9950X), and on Zen 4, whose AVX-512 instructions
/// run on 256-bit units at the AVX2 rate, they are slower, never faster: on an EPYC
/// Zen 4 (family 25 model 17), sgemm 128×1024×1024 ran at 92 GFLOP/s on SkylakeX
/// against 105 on Haswell and Zen (1 thread; 183 against 200 on 2), and 2048³ equal
/// (`bench/blas-kernels.sh`). So flowc decides from the features themselves:
///
/// | CPU | kernels, best first |
/// |-----|---------------------|
/// | not AMD, AVX-512 F/DQ/BW/VL with BF16 | Cooperlake, SkylakeX, Haswell, Sandybridge, Prescott |
/// | not AMD, AVX-512 F/DQ/BW/VL | SkylakeX, Haswell, Sandybridge, Prescott |
/// | AMD Zen (family 23 and later), AVX2 + FMA (with or without AVX-512, see above) | Zen, Haswell, Sandybridge, Prescott |
/// | AVX2 + FMA | Haswell, Sandybridge, Prescott |
/// | AVX | Sandybridge, Prescott |
/// | anything else | Prescott |
///
/// Every list ends with `Prescott`, the generic SSE3 kernel every x86-64 CPU runs. The
/// names are OpenBLAS's own (`OPENBLAS_CORETYPE`, `openblas_get_corename()`). OpenBLAS
/// 0.3.21 does not accept `Cooperlake` in `OPENBLAS_CORETYPE` (its name lookup stops one
/// entry short) and then picks from the features, which on a CPU with AVX-512 BF16 is
/// Cooperlake again; `BLASKernelDecision` checks whatever actually runs.
/// `FLOWC_BLAS_CANDIDATES` replaces the list (`fromList`), e.g. to try SkylakeX first on
/// a Zen 5 and let the check decide.
public struct BLASKernelPlan: Sendable, Equatable {
  /// The kernel every plan ends with: SSE3 only, correct on any x86-64 CPU.
  public static let genericKernel = "Prescott"

  /// The kernels to try, best first, ending with `genericKernel`.
  public var candidates: [String]
  /// Where the list comes from and why, e.g. `cpuid: AuthenticAMD family 25 model 1,
  /// AVX2 and FMA, no AVX-512`.
  public var reason: String

  /// A plan; `forCPU` makes the real ones.
  public init(candidates: [String], reason: String) {
    self.candidates = candidates
    self.reason = reason
  }

  /// The plan for `cpu` (a pure function of the vendor, family and features, so it is
  /// tested for CPUs the tests do not run on).
  public static func forCPU(_ cpu: CPUFeatures) -> BLASKernelPlan {
    let avx512 = cpu.has(.avx512f, .avx512dq, .avx512bw, .avx512vl)
    let avx2 = cpu.has(.avx, .avx2, .fma)
    // Zen is family 23 (Zen, Zen 2), 25 (Zen 3, Zen 4) and 26 (Zen 5); Hygon's Dhyana is 24.
    let zen = cpu.isAMD && cpu.family >= 0x17
    var candidates: [String] = []
    let why: String
    if avx512, !cpu.isAMD {
      if cpu.has(.avx512_bf16) {
        candidates.append("Cooperlake")
        why = "AVX-512 with BF16"
      } else {
        why = "AVX-512 without BF16"
      }
      candidates.append("SkylakeX")
    } else if avx512, avx2, zen {
      // Zen 4 is family 25 with AVX-512 (Zen 3, also 25, has none); Zen 5 is 26.
      let notUsed = cpu.family == 0x19
        ? "Zen 4 runs it at the AVX2 rate and OpenBLAS 0.3.21's AVX-512 kernels measured slower there"
        : "OpenBLAS 0.3.21's AVX-512 kernels misbehave on AMD Zen 5"
      why = "AVX-512 (not used: \(notUsed)), AVX2 and FMA"
    } else if avx2 {
      why = "AVX2 and FMA, no AVX-512"
    } else if cpu.has(.avx) {
      why = "AVX, no AVX2"
    } else {
      why = "no AVX"
    }
    if avx2 { candidates += zen ? ["Zen", "Haswell"] : ["Haswell"] }
    if cpu.has(.avx) { candidates.append("Sandybridge") }
    candidates.append(genericKernel)
    return BLASKernelPlan(candidates: candidates, reason: "cpuid: \(cpu.identity), \(why)")
  }

  /// The plan `FLOWC_BLAS_CANDIDATES` asks for instead of the CPU's: kernel names
  /// separated by commas, tried in that order, each checked, with `genericKernel`
  /// appended if missing; nil when the list is empty.
  public static func fromList(_ text: String) -> BLASKernelPlan? {
    var names: [String] = []
    for name in text.split(separator: ",").map({ $0.trimmingSpaces }) where !name.isEmpty {
      if !names.contains(where: { BLASKernelDecision.sameKernel($0, name) }) { names.append(name) }
    }
    guard !names.isEmpty else { return nil }
    let listed = names.joined(separator: ",")
    if !names.contains(where: { BLASKernelDecision.sameKernel($0, genericKernel) }) { names.append(genericKernel) }
    return BLASKernelPlan(candidates: names, reason: "FLOWC_BLAS_CANDIDATES=\(listed)")
  }
}

/// Trimming for `BLASKernelPlan.fromList` (FlowRuntime does not import Foundation).
extension Substring {
  /// The text without leading and trailing spaces and tabs.
  fileprivate var trimmingSpaces: String {
    String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
  }
}
