import ArgumentParser
import FlowcBuild
import FlowcDiagnostics
import FlowcDiff
import FlowcIR
import FlowcReport
import FlowcRun
import FlowcSpec
import Foundation

extension FlowcCommand {
  /// `flowc check`: parse, lower and validate specs without training anything.
  struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Check specs for errors and print the flow's graph and resource estimate.",
      discussion: """
        Exit status: 0 when every spec is valid (warnings allowed, unless --warnings-as-errors), \
        1 when a spec is invalid, 2 for usage or I/O errors.
        """
    )

    enum Emit: String, ExpressibleByArgument, CaseIterable {
      case ir, dot, json
    }

    @Argument(help: "Spec files to check.")
    var specs: [String]

    @Option(help: "Print the validated graph: 'ir' (a line a node), 'dot' (Graphviz) or 'json' (stable, machine-readable).")
    var emit: Emit?

    @Option(help: "Memory budget for parameters, optimizer state and activations, e.g. '8 GiB' (overrides the spec's limits.memory).")
    var memoryLimit: String?

    @Flag(help: "Also build the flow with random weights (Float64) and measure each layer's inverse round trip and log-det against a brute-force Jacobian; fails above tolerance.")
    var numeric = false

    @Option(help: "With --numeric: the largest inverse round-trip error allowed.")
    var roundTripTolerance: Double = 1e-6

    @Option(help: "With --numeric: the largest gap allowed between a log-det and the brute-force one, times 1 + |log-det|.")
    var logDetTolerance: Double = 1e-4

    @OptionGroup var diagnosticOptions: DiagnosticOptions

    func validate() throws {
      if diagnosticOptions.format == .json, emit != nil {
        throw ValidationError("--format json prints diagnostics on stdout; it cannot be combined with --emit (use --emit json for the graph)")
      }
      if let memoryLimit, parseByteSize(memoryLimit) == nil {
        throw ValidationError("--memory-limit '\(memoryLimit)' is not a size; write e.g. '8 GiB', '512 MiB' or a number of bytes")
      }
    }

    func run() throws {
      let options = Pipeline.Options(memoryLimit: memoryLimit.flatMap(parseByteSize), suggestionLimit: diagnosticOptions.errorLimit)
      var all: [Diagnostic] = []
      var sources: [SourceFile] = []
      var worst: Int32 = 0
      for path in specs {
        let result = Pipeline.check(path: path, options: options)
        let diagnostics = result.diagnostics.sorted
        all += diagnostics
        if let s = result.source { sources.append(s) }
        let failed = result.diagnostics.hasErrors || (diagnosticOptions.warningsAsErrors && result.diagnostics.warningCount > 0)
        if result.ioFailure {
          worst = max(worst, 2)
        } else if failed {
          worst = max(worst, 1)
        }
        if diagnosticOptions.format == .text {
          diagnosticOptions.print(diagnostics, sources: sources)
        }
        guard let validated = result.validated, !failed else { continue }
        if numeric, !printNumericReport(numericCheck(validated, roundTripTolerance: roundTripTolerance,
                                                     logDetTolerance: logDetTolerance), path: path) { worst = max(worst, 1) }
        switch emit {
        case .ir: print(emitIRText(validated), terminator: "")
        case .dot: print(emitDot(validated), terminator: "")
        case .json: print(emitGraphJSON(validated), terminator: "")
        case nil:
          if diagnosticOptions.format == .text {
            let layers = validated.graph.nodes.count
            print("\(path): ok · '\(validated.graph.name)' · \(layers) layer\(layers == 1 ? "" : "s") · dim \(validated.graph.dimension.value)")
            print(emitTotals(validated), terminator: "")
          }
        }
      }
      if diagnosticOptions.format == .json { diagnosticOptions.print(all, sources: sources) }
      if diagnosticOptions.format == .text, specs.count > 1 || all.count > 0 {
        let errors = all.count { $0.severity == .error }
        let warnings = all.count { $0.severity == .warning }
        if errors + warnings > 0 {
          writeStderr("\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")\n")
        }
      }
      if worst != 0 { throw ExitCode(worst) }
    }

    /// Prints the numeric check as a table; returns whether it passed.
    private func printNumericReport(_ r: NumericReport, path: String) -> Bool {
      func e(_ x: Double?) -> String { x.map { String(format: "%.2e", $0) } ?? "n/a (dimension > 1024)" }
      print("\(path): numeric check on \(r.points) random points, Float64, random weights")
      for row in r.rows {
        let name = row.index.map { "%\($0) \(row.kind)" } ?? "whole flow"
        let bad = !r.passes(row)
        print("  \(name.padding(toLength: 28, withPad: " ", startingAt: 0)) round trip \(e(row.roundTrip))   log-det vs brute force \(e(row.logDetError))\(bad ? "   FAILED" : "")")
      }
      print(r.passed ? "numeric check passed (round trip <= \(e(r.roundTripTolerance)), log-det <= \(e(r.logDetTolerance)) × (1 + |log-det|))"
                     : "numeric check FAILED (round trip <= \(e(r.roundTripTolerance)), log-det <= \(e(r.logDetTolerance)) × (1 + |log-det|))")
      return r.passed
    }
  }
}
