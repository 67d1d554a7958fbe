import ArgumentParser
import FlowRuntime

extension FlowcCommand {
  /// `flowc blas-kernel` (hidden): prints the OpenBLAS kernel flowc runs on this machine.
  /// `.ci/test` exports it as OPENBLAS_CORETYPE so the test runners, which are not flowc
  /// and choose nothing, run on the same kernel as flowc.
  struct BLASKernel: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "blas-kernel",
      abstract: "Print the OpenBLAS kernel flowc runs on this machine (and, with --verbose, why).",
      shouldDisplay: false
    )

    @Flag(help: "Also print who chose the kernel, why, and the candidates in order.")
    var verbose = false

    /// Prints the selection `FlowcCommand.main` settled on before parsing.
    func run() {
      let selection = BLASKernelChoice.selection
      print(selection.kernel)
      if verbose {
        print("source: \(selection.source.rawValue)")
        print("reason: \(selection.reason)")
        print("candidates: \(BLASKernelChoice.plan?.candidates.joined(separator: ",") ?? "none (not an x86 CPU)")")
      }
    }
  }
}
