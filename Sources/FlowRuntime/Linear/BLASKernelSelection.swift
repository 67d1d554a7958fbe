/// The OpenBLAS kernel a process runs and how it came to be that one, as the run header
/// prints it and run.json records it (`blasCore`, `blasKernelSource`, `blasKernelReason`).
public struct BLASKernelSelection: Sendable, Equatable {
  /// Who decided.
  public enum Source: String, Sendable, Codable {
    /// flowc, from cpuid (`BLASKernelPlan.forCPU`) or `FLOWC_BLAS_CANDIDATES`, then
    /// checked (`BLASKernelCheck`).
    case flowc
    /// The user, through `OPENBLAS_CORETYPE`; flowc only checks it.
    case environment
    /// OpenBLAS itself: not an x86 CPU, a process that is not flowc (the test runners),
    /// or a command that does no BLAS work.
    case library
  }

  /// The kernel OpenBLAS runs (`openblas_get_corename()`), e.g. `Haswell`.
  public var kernel: String
  /// Who chose it.
  public var source: Source
  /// Why this kernel, and how the check went, in one line.
  public var reason: String
  /// Something the user should know (a kernel that failed the check), printed on
  /// standard error when the choice is made; nil when all is well.
  public var warning: String?

  /// A selection; `BLASKernelChoice` makes the real ones.
  public init(kernel: String, source: Source, reason: String, warning: String? = nil) {
    self.kernel = kernel
    self.source = source
    self.reason = reason
    self.warning = warning
  }
}
