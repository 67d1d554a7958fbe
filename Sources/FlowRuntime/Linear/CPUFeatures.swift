import CCPUID

/// What an x86-64 CPU is and which vector instructions a program may use on it, as
/// `cpuid` and `xgetbv` report them: the input of `BLASKernelPlan.forCPU`.
///
/// A feature counts only when the operating system also saves the registers it uses
/// (XCR0), as OpenBLAS itself requires: a CPU with AVX-512 under a kernel or hypervisor
/// that does not save the zmm registers cannot run AVX-512 code.
public struct CPUFeatures: Sendable, Equatable {
  /// The instruction-set extensions the kernel choice looks at, named as in
  /// /proc/cpuinfo.
  public enum Feature: String, Sendable, CaseIterable, Comparable {
    /// SSE3 (Linux's `pni`), SSE4.2, AVX, FMA3, AVX2, the AVX-512 foundation, doubleword
    /// and quadword, byte and word, and vector-length subsets, and AVX-512 BF16.
    case sse3, sse4_2, avx, fma, avx2, avx512f, avx512dq, avx512bw, avx512vl, avx512_bf16

    /// In declaration order (oldest first), so descriptions list them the same way every time.
    public static func < (a: Feature, b: Feature) -> Bool {
      allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
  }

  /// The vendor string of cpuid leaf 0, e.g. `GenuineIntel`, `AuthenticAMD`.
  public var vendor: String
  /// The display family (base family plus extended family), e.g. 6 for Intel Core and
  /// Xeon, 25 for AMD Zen 3 and Zen 4, 26 for Zen 5.
  public var family: Int
  /// The display model (extended model · 16 + model for families 6 and 15).
  public var model: Int
  /// The extensions the CPU has and the operating system enables.
  public var features: Set<Feature>

  /// A CPU description; tests build them for machines they do not run on.
  public init(vendor: String, family: Int, model: Int, features: Set<Feature>) {
    self.vendor = vendor
    self.family = family
    self.model = model
    self.features = features
  }

  /// Whether the CPU has every one of `required`.
  public func has(_ required: Feature...) -> Bool { required.allSatisfy(features.contains) }

  /// Whether the vendor is AMD (or Hygon, whose CPUs are AMD Zen designs).
  public var isAMD: Bool { vendor == "AuthenticAMD" || vendor == "HygonGenuine" }

  /// `AuthenticAMD family 25 model 1`, as the run header prints it.
  public var identity: String { "\(vendor) family \(family) model \(model)" }

  /// The CPU this process runs on; nil on a CPU that is not x86 (where OpenBLAS's own
  /// choice stands).
  public static var current: CPUFeatures? {
    var r: [UInt32] = [0, 0, 0, 0]
    guard flowc_cpuid(0, 0, &r) != 0 else { return nil }
    let maxLeaf = r[0]
    // The vendor string is ebx, edx, ecx, four little-endian characters each.
    var vendorBytes: [UInt8] = []
    for word in [r[1], r[3], r[2]] {
      for shift in stride(from: 0, to: 32, by: 8) { vendorBytes.append(UInt8(truncatingIfNeeded: word >> UInt32(shift))) }
    }
    let vendor = String(decoding: vendorBytes, as: UTF8.self)
    guard maxLeaf >= 1, flowc_cpuid(1, 0, &r) != 0 else { return CPUFeatures(vendor: vendor, family: 0, model: 0, features: []) }
    let (eax1, ecx1) = (r[0], r[2])
    let baseFamily = Int((eax1 >> 8) & 0xf)
    let baseModel = Int((eax1 >> 4) & 0xf)
    let family = baseFamily == 0xf ? baseFamily + Int((eax1 >> 20) & 0xff) : baseFamily
    let model = baseFamily == 0x6 || baseFamily == 0xf ? Int((eax1 >> 16) & 0xf) << 4 + baseModel : baseModel

    let bit = { (word: UInt32, n: UInt32) in word & (1 << n) != 0 }
    var features: Set<Feature> = []
    if bit(ecx1, 0) { features.insert(.sse3) }
    if bit(ecx1, 20) { features.insert(.sse4_2) }
    // AVX needs the OS to save xmm and ymm state (XCR0 bits 1 and 2); AVX-512 also the
    // opmask and zmm state (bits 5 to 7). xgetbv itself faults unless OSXSAVE is set.
    let xcr0 = bit(ecx1, 27) ? flowc_xgetbv0() : 0
    let osAVX = xcr0 & 0x6 == 0x6
    let osAVX512 = osAVX && xcr0 & 0xe0 == 0xe0
    if osAVX, bit(ecx1, 28) { features.insert(.avx) }
    if osAVX, bit(ecx1, 12) { features.insert(.fma) }
    if maxLeaf >= 7, flowc_cpuid(7, 0, &r) != 0 {
      let ebx7 = r[1]
      if osAVX, bit(ebx7, 5) { features.insert(.avx2) }
      if osAVX512 {
        if bit(ebx7, 16) { features.insert(.avx512f) }
        if bit(ebx7, 17) { features.insert(.avx512dq) }
        if bit(ebx7, 30) { features.insert(.avx512bw) }
        if bit(ebx7, 31) { features.insert(.avx512vl) }
        // Leaf 7 subleaf 1, eax bit 5: the BF16 dot products Cooperlake's kernels use.
        if r[0] >= 1, flowc_cpuid(7, 1, &r) != 0, bit(r[0], 5) { features.insert(.avx512_bf16) }
      }
    }
    return CPUFeatures(vendor: vendor, family: family, model: model, features: features)
  }
}
