import ArgumentParser
import FlowcDiagnostics
import FlowcExport
import FlowcIR
import FlowcRun
import Foundation

extension FlowcCommand {
  /// `flowc export`: lower a validated spec to a PyTorch package.
  struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Write a self-contained PyTorch package that trains and evaluates the flow a spec describes.",
      discussion: """
        The package is generated from the validated graph: one nn.Module per node with flowc's \
        semantics, the same data, preprocessing, optimizer, schedule and clipping, and a train.py \
        that runs alone or under torchrun (DistributedDataParallel) and writes run directories and \
        checkpoints in flowc's formats (docs/scale-out.md).
        Exit status: 0 written, 1 invalid spec or a layer kind without an exporter, 2 usage or I/O error.
        """
    )

    enum Target: String, ExpressibleByArgument, CaseIterable {
      case pytorch
    }

    @Argument(help: "The spec file.")
    var spec: String

    @Option(help: "What to export to: 'pytorch'.")
    var target: Target = .pytorch

    @Option(name: .shortAndLong, help: "Directory to write the package into (created if missing).")
    var output: String

    @Option(name: .customLong("set"), help: "Change a spec value, e.g. --set train.lr=3e-4 (repeatable; validated like the file).")
    var overrides: [String] = []

    @OptionGroup var diagnosticOptions: DiagnosticOptions

    func run() throws {
      let check = Pipeline.check(path: spec, options: Pipeline.Options(overrides: overrides))
      guard let validated = check.validated, !check.diagnostics.hasErrors else {
        diagnosticOptions.print(check.diagnostics.sorted, sources: check.sources)
        throw ExitCode(check.ioFailure ? 2 : 1)
      }
      if !check.diagnostics.diagnostics.isEmpty { diagnosticOptions.print(check.diagnostics.sorted, sources: check.sources) }
      let origin = ExportOrigin(specText: String(decoding: check.source?.bytes ?? [], as: UTF8.self), specPath: spec,
                                overrides: overrides, flowcVersion: flowcVersion)
      let package: PyTorchPackage
      do {
        package = try exportPyTorch(validated, origin: origin)
      } catch let e as ExportError {
        writeStderr("error: \(e.description)\n")
        throw ExitCode(1)
      }
      do {
        try package.write(to: output)
      } catch {
        writeStderr("error: cannot write the package to '\(output)': \(error.localizedDescription)\n")
        throw ExitCode(2)
      }
      print("wrote \(output): PyTorch package for '\(validated.graph.name)' (\(package.files.count) files); train with: torchrun --nproc_per_node=N \(output)/train.py")
    }
  }
}
