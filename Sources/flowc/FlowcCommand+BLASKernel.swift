import FlowRuntime

extension FlowcCommand {
  /// Puts OpenBLAS on the kernel flowc chooses for this CPU, checked
  /// (`BLASKernelChoice.establish`, which may execute flowc again), before the command
  /// runs; commands that do no matrix products skip it (`noMatrixProducts`).
  static func chooseBLASKernel(arguments: [String]) {
    if let why = noMatrixProducts(arguments) {
      BLASKernelChoice.skip(why)
    } else {
      BLASKernelChoice.establish()
    }
  }

  /// Why the command line does no BLAS work, or nil when it may.
  ///
  /// `check` (without `--numeric`), `diff` and `runs` only read specs and run records:
  /// a restart would cost them about 20 ms (one more start of flowc) for nothing, and
  /// `check` is what editors run on every save and bench/check-speed.sh times. Every
  /// other command, and anything unrecognised, gets the kernel chosen.
  static func noMatrixProducts(_ arguments: [String]) -> String? {
    guard let command = arguments.first else { return nil }
    switch command {
    case "check" where !arguments.contains("--numeric"), "diff", "runs":
      return "flowc \(command) does no matrix products"
    default:
      return nil
    }
  }
}
