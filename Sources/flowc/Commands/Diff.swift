import ArgumentParser
import FlowcBuild
import FlowcDiagnostics
import FlowcDiff
import FlowcIR
import FlowcReport
import FlowcRun
import Foundation

extension FlowcCommand {
  /// `flowc diff`: compare two specs, or two runs, by meaning.
  struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Compare two specs (or two run directories) by meaning: layers aligned, settings after defaults, results side by side.",
      discussion: """
        A and B are spec files or run directories (a directory with spec.yaml and run.json). \
        Exit status as diff(1): 0 when they mean the same, 1 when they differ, 2 when a spec is invalid or a path unreadable.
        """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
      case text, json
    }

    @Argument(help: "The spec file or run directory before.")
    var before: String

    @Argument(help: "The spec file or run directory after.")
    var after: String

    @Option(help: "How to print the difference: 'text' (aligned, for the terminal) or 'json' (stable keys, for scripts).")
    var format: Format = .text

    @Flag(inversion: .prefixedNo, help: "Colour the output (default: only when stdout is a terminal and NO_COLOR is unset).")
    var color: Bool?

    private var useColor: Bool {
      if let color { return color }
      return isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    }

    func run() throws {
      let runs = [before, after].map(RunRecord.isRunDirectory)
      if runs[0] && runs[1] {
        let a = RunRecord.load(before), b = RunRecord.load(after)
        for r in [a, b] where r.info == nil && r.check == nil {
          writeStderr("error: '\(r.path)' is not a readable run directory (\(r.notes.joined(separator: "; ")))\n")
          throw ExitCode(2)
        }
        try requireValid([a.check, b.check].compactMap { $0 })
        let d = diffRuns(a, b)
        switch format {
        case .text: print(renderRunDiffText(d, color: useColor), terminator: "")
        case .json: print(runDiffJSON(d).serialized())
        }
        if !d.isEqual { throw ExitCode(1) }
        return
      }
      let checks = [before, after].map { path -> Pipeline.CheckResult in
        if RunRecord.isRunDirectory(path), let c = RunRecord.load(path).check { return c }
        return Pipeline.check(path: path)
      }
      try requireValid(checks)
      let d = diffGraphs(checks[0].validated!, checks[1].validated!)
      switch format {
      case .text: print(renderDiffText(d, color: useColor), terminator: "")
      case .json: print(diffJSON(d).serialized())
      }
      if !d.isEqual { throw ExitCode(1) }
    }

    /// Prints the diagnostics of every check that failed and exits 2 if any did.
    private func requireValid(_ checks: [Pipeline.CheckResult]) throws {
      var failed = false
      var options = try DiagnosticOptions.parse([])
      options.color = color
      for c in checks {
        let diagnostics = c.diagnostics.sorted
        if c.validated == nil || c.diagnostics.hasErrors {
          failed = true
          options.print(diagnostics, sources: c.sources)
        }
      }
      if failed { throw ExitCode(2) }
    }
  }
}
