import ArgumentParser
import FlowData
import FlowcBuild
import FlowcDiagnostics
import FlowcDiff
import FlowcIR
import FlowcReport
import FlowcRun
import Foundation

extension FlowcCommand {
  /// `flowc run`: check a spec, then train and evaluate the flow it describes.
  struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Train and evaluate the flow a spec describes, in a new run directory.",
      discussion: """
        The spec is checked first: errors stop the run, warnings are shown. Each run gets a \
        directory under --out with the spec, the IR, metrics.jsonl, final.json, checkpoints, \
        samples, figures/ and report.html (docs/runs.md). On a terminal a progress line is redrawn \
        in place; otherwise one plain line per evaluation. Ctrl-C checkpoints and stops; --resume continues.
        Exit status: 0 trained, 1 invalid spec, bad data or a diverged run, 2 usage or I/O error, \
        130 interrupted.
        """
    )

    @Argument(help: "The spec file (not needed with --resume).")
    var spec: String?

    @Option(name: .customLong("set"), help: "Change a spec value, e.g. --set train.lr=3e-4 (repeatable; validated like the file).")
    var overrides: [String] = []

    @Option(help: "Directory that receives the run directory.")
    var out: String = "runs"

    @Option(help: "Training seed (the same as --set train.seed=N).")
    var seed: Int?

    @Option(help: "OpenBLAS threads (default: OpenBLAS's own choice).")
    var threads: Int?

    @Option(help: "Continue the interrupted run in this run directory.")
    var resume: String?

    @Flag(help: "Print only the summary (no progress lines).")
    var quiet = false

    @OptionGroup var diagnosticOptions: DiagnosticOptions

    func validate() throws {
      if resume == nil, spec == nil { throw ValidationError("give a spec file, or --resume RUN_DIR") }
      if resume != nil, spec != nil || !overrides.isEmpty || seed != nil {
        throw ValidationError("--resume continues a run as it was started; it takes no spec, --set or --seed")
      }
      if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
      // On a terminal a live progress line is redrawn in place; elsewhere (a pipe, a log
      // file, CI) only the plain evaluation lines are printed, with no control characters.
      let live = !quiet && isatty(STDERR_FILENO) == 1
      let display = LiveProgress(width: Int(ProcessInfo.processInfo.environment["COLUMNS"] ?? "") ?? 80) { writeStderr($0) }
      let log: (String) -> Void = quiet ? { _ in } : live ? { display.line($0) } : { writeStderr($0 + "\n") }
      let progress: ((TrainingProgress) -> Void)? = live ? { display.update($0) } : nil
      let outcome: Runner.Outcome
      defer { display.finish() }
      do {
        if let resume {
          outcome = try Runner.resume(resume, threads: threads, log: log, progress: progress)
        } else {
          let all = overrides + (seed.map { ["train.seed=\($0)"] } ?? [])
          outcome = try Runner.run(Runner.Request(specPath: spec!, overrides: all, outputRoot: out, threads: threads), log: log,
                                   progress: progress)
        }
      } catch let e as DataError {
        writeStderr("error: \(e.description)\n")
        throw ExitCode(1)
      } catch let e as Diagnostic {
        diagnosticOptions.print([e], sources: [])
        throw ExitCode(2)
      } catch let e as CheckpointError {
        writeStderr("error: \(e.description)\n")
        throw ExitCode(1)
      } catch {
        writeStderr("error: \(error)\n")
        throw ExitCode(2)
      }
      display.finish()
      switch outcome {
      case .invalid(let check):
        diagnosticOptions.print(check.diagnostics.sorted, sources: check.sources)
        throw ExitCode(check.ioFailure ? 2 : 1)
      case .interrupted(let dir, let step):
        writeStderr("interrupted at step \(step); checkpoint saved. Continue with: flowc run --resume \(dir.path)\n")
        throw ExitCode(130)
      case .diverged(_, let message):
        writeStderr("error: \(message)\n")
        throw ExitCode(1)
      case .completed(let dir, let m):
        // Figures and report.html, drawn from the finished run directory; a failure here
        // leaves a trained run, so it is only reported.
        do {
          try ReportHTML.write(dir)
        } catch {
          log("warning: could not write the figures and report.html: \(error)")
        }
        var line = "test NLL \(String(format: "%.4f", m.testNLL)) nats on \(m.testPoints) held-out points"
        if let bpd = m.testBitsPerDim { line += " (\(String(format: "%.3f", bpd)) bits/dim)" }
        print(line)
        print("inverse round trip: max |g(f(x)) - x| = \(String(format: "%.3g", m.roundTripMaxError)) on the test set")
        let memory = m.peakResidentBytes.map { " · peak memory \(formatBytes($0))" } ?? ""
        print("best validation NLL \(String(format: "%.4f", m.bestValidationNLL)) · \(m.steps) steps in \(String(format: "%.1f", m.trainingSeconds)) s\(memory) · run directory \(dir.path)")
      }
    }
  }
}
