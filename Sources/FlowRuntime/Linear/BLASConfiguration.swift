import CBLAS

/// The OpenBLAS library flowc runs on: its thread count and the kernel it chose, so that
/// `flowc run --threads` can set the one and benchmarks can print both.
public enum BLASConfiguration {
  /// Threads OpenBLAS uses for a product.
  public static var threads: Int { Int(openblas_get_num_threads()) }

  /// Sets the number of OpenBLAS threads (at least 1).
  public static func setThreads(_ n: Int) {
    openblas_set_num_threads(Int32(max(1, n)))
  }

  /// The kernel OpenBLAS selected, e.g. "Haswell" (set by OPENBLAS_CORETYPE here).
  public static var coreName: String {
    guard let p = openblas_get_corename() else { return "unknown" }
    return String(cString: p)
  }

  /// OpenBLAS's build configuration string.
  public static var configuration: String {
    guard let p = openblas_get_config() else { return "unknown" }
    return String(cString: p)
  }
}
