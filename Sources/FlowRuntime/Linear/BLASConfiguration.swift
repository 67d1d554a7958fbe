import CBLAS

/// The BLAS library FlowRuntime's dense products run on (OpenBLAS), so a runner can
/// report it and choose its thread count without importing the C module.
///
/// OpenBLAS's threads busy-wait between calls; on a machine whose cores are shared with
/// other jobs, two threads on small products (a batch of 100 through 256-wide layers) can
/// be several times slower than one. The best count is a property of the machine and
/// the model, so the runner sets it; the library default is one thread per core.
/// OpenBLAS picks its kernels at load time from the CPU, or from the environment
/// variable `OPENBLAS_CORETYPE` (e.g. `Haswell`) when set; flowc's entry point sets that
/// variable itself when OpenBLAS's own pick is wrong for the CPU (`BLASKernelChoice`).
public enum BLASConfiguration {
  /// The number of threads OpenBLAS uses for one product.
  public static var threadCount: Int {
    get { Int(openblas_get_num_threads()) }
    set {
      precondition(newValue > 0, "BLAS thread count must be positive")
      openblas_set_num_threads(Int32(newValue))
    }
  }

  /// The kernel family in use, e.g. `Haswell` (OpenBLAS's `openblas_get_corename()`).
  public static var coreName: String { String(cString: openblas_get_corename()) }

  /// OpenBLAS's build description (version, threading model, dynamic architecture).
  public static var buildDescription: String { String(cString: openblas_get_config()) }
}
