import ArgumentParser
import FlowRuntime
import Foundation

/// The `flowc` root command: name, abstract, version and subcommands only; each
/// subcommand lives in its own file under Commands/.
@main
struct FlowcCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "flowc",
    abstract: "A compiler for normalizing flows: check, train and compare flows written as YAML specs.",
    version: "0.1.0",
    subcommands: [Check.self, Run.self, Export.self, Sweep.self, Diff.self, Runs.self, Sample.self, Eval.self, Ood.self, Report.self, Schema.self, BLASKernel.self]
  )

  /// Like `ParsableCommand.main()`, but with the exit codes the flowc docs promise:
  /// command-line misuse exits 2 (not the parser's 64), as I/O trouble does. First of
  /// all it puts OpenBLAS on flowc's kernel, which may execute flowc again.
  static func main() {
    chooseBLASKernel(arguments: Array(CommandLine.arguments.dropFirst()))
    // Work that splits into independent products (a coupling's scale and shift networks)
    // gets the cores OpenBLAS was given (OPENBLAS_NUM_THREADS, else one per core); `run`
    // sets both from its own flags.
    ConcurrentWork.threads = BLASConfiguration.threadCount
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch {
      let code = exitCode(for: error)
      if code.rawValue == 64 {
        let message = fullMessage(for: error)
        FileHandle.standardError.write(Data((message.hasSuffix("\n") ? message : message + "\n").utf8))
        Foundation.exit(2)
      }
      exit(withError: error)
    }
  }
}
