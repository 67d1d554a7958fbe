import ArgumentParser
import FlowData
import FlowcBuild
import FlowcDiagnostics
import FlowcDiff
import FlowcIR
import FlowcLaunch
import FlowcReport
import FlowcRun
import Foundation

extension FlowcCommand {
  /// `flowc run`: check a spec, then train and evaluate the flow it describes.
  struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Train and evaluate the flow a spec describes, in a new run directory.",
      discussion: """
        The spec is checked first, exactly as 'flowc check' does: errors stop the run, warnings are \
        shown (and stop it with --warnings-as-errors). The data are loaded next; only then does the \
        run get a directory under --out with the spec, the IR, metrics.jsonl, final.json, checkpoints, \
        samples, figures/ and report.html (docs/runs.md). On a terminal a progress line is redrawn \
        in place; otherwise one plain line per evaluation. Ctrl-C checkpoints and stops; --resume \
        continues an interrupted or killed run.
        With --engine pytorch the flow is exported (flowc export) into the run directory's \
        pytorch/ folder and trained there by PyTorch, under torchrun with --nproc N > 1; the run \
        directory and checkpoints are the same formats (docs/scale-out.md).
        Exit status: 0 trained, 1 invalid spec, bad data, a diverged run or a result that failed its \
        checks (round trip, non-finite numbers), 2 usage or I/O error, 130 interrupted.
        """
    )

    enum Engine: String, ExpressibleByArgument, CaseIterable {
      case native, pytorch
    }

    @Argument(help: "The spec file (not needed with --resume).")
    var spec: String?

    @Option(name: .customLong("set"), help: "Change a spec value, e.g. --set train.lr=3e-4 (repeatable; validated like the file; a null value such as train.epochs=~ removes the key).")
    var overrides: [String] = []

    @Option(name: .customLong("unset"), help: "Remove a spec key, e.g. --unset train.epochs (the same as --set train.epochs=~).")
    var removals: [String] = []

    @Option(help: "Directory that receives the run directory.")
    var out: String = "runs"

    @Option(help: "Training seed (the same as --set train.seed=N).")
    var seed: Int?

    @Option(help: "Threads: OpenBLAS's inside each product, and a coupling's scale and shift networks side by side (default: OpenBLAS's own choice, one per core).")
    var threads: Int?

    @Option(help: ArgumentHelp(
      "Train each batch as N slices at once, one core and one BLAS thread each (default 1).",
      discussion: "The gradients of the slices are combined into the full batch's, so the result is the same flow up to rounding. Faster than --threads for flows whose products are small (convolutional flows at small batches); not for flows with batch_norm. --resume keeps the run's own value unless given."))
    var workers: Int?

    @Option(help: "Continue the interrupted run in this run directory.")
    var resume: String?

    @Flag(help: "Print only the summary (no progress lines).")
    var quiet = false

    @Option(help: "What trains the flow: 'native' (flowc's CPU runtime) or 'pytorch' (the exported package; default for --resume: the run's own engine).")
    var engine: Engine?

    @Option(help: "With --engine pytorch: processes under torchrun (DistributedDataParallel), each training on its share of the batch.")
    var nproc: Int = 1

    @Option(help: "With --engine pytorch: 'cpu' or 'cuda' (one GPU per process).")
    var device: String = "cpu"

    @OptionGroup var diagnosticOptions: DiagnosticOptions

    func validate() throws {
      if resume == nil, spec == nil { throw ValidationError("give a spec file, or --resume RUN_DIR") }
      if resume != nil, spec != nil || !overrides.isEmpty || !removals.isEmpty || seed != nil {
        throw ValidationError("--resume continues a run as it was started; it takes no spec, --set, --unset or --seed")
      }
      if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
      if let workers {
        if workers < 1 { throw ValidationError("--workers must be at least 1") }
        if workers > 1, let threads, threads > 1 {
          throw ValidationError("--workers \(workers) runs BLAS on one thread per worker (OpenBLAS serves one caller at a time); drop --threads \(threads), or use --threads alone")
        }
        if engine == .pytorch { throw ValidationError("--workers is for the native engine; PyTorch splits batches across processes with --nproc") }
      }
      if nproc < 1 { throw ValidationError("--nproc must be at least 1") }
      if engine != .pytorch, nproc != 1 || device != "cpu", resume == nil {
        throw ValidationError("--nproc and --device choose how PyTorch runs; add --engine pytorch")
      }
      if !["cpu", "cuda"].contains(device) { throw ValidationError("--device is 'cpu' or 'cuda'") }
    }

    func run() throws {
      if engine == .pytorch || (engine == nil && resume.map { PyTorchEngine.engine(of: $0) == "pytorch" } == true) {
        return try runPyTorch()
      }
      // On a terminal a live progress line is redrawn in place; elsewhere (a pipe, a log
      // file, CI) only the plain evaluation lines are printed, with no control characters.
      let live = !quiet && isatty(STDERR_FILENO) == 1
      let display = LiveProgress(width: Int(ProcessInfo.processInfo.environment["COLUMNS"] ?? "") ?? 80) { writeStderr($0) }
      let log: (String) -> Void = quiet ? { _ in } : live ? { display.line($0) } : { writeStderr($0 + "\n") }
      let progress: ((TrainingProgress) -> Void)? = live ? { display.update($0) } : nil
      let outcome: Runner.Outcome
      defer { display.finish() }
      // Warnings of the check, printed before training as 'flowc check' prints them.
      let warnings: (Pipeline.CheckResult) -> Void = { check in
        display.finish()
        diagnosticOptions.print(check.diagnostics.sorted, sources: check.sources)
      }
      do {
        if let resume {
          outcome = try Runner.resume(resume, threads: threads, workers: workers, log: log, progress: progress, warnings: warnings)
        } else {
          let all = overrides + removals.map { "\($0)=~" } + (seed.map { ["train.seed=\($0)"] } ?? [])
          let request = Runner.Request(specPath: spec!, overrides: all, outputRoot: out, threads: threads, workers: workers ?? 1,
                                       warningsAsErrors: diagnosticOptions.warningsAsErrors,
                                       suggestionLimit: diagnosticOptions.errorLimit)
          outcome = try Runner.run(request, log: log, progress: progress, warnings: warnings)
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
      } catch let e as WorkersError {
        writeStderr("error: \(e.description)\n")
        throw ExitCode(2)
      } catch let e as RunLockError {
        writeStderr("error: \(e.description)\n")
        throw ExitCode(1)
      } catch let e as RunFileError {
        writeStderr("error: \(e.description)\n")
        throw ExitCode(2)
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
      case .alreadyComplete(let dir, let steps):
        writeStderr("the run \(dir.path) is complete (\(steps) steps); there is nothing to resume\n")
        // Killed while drawing its figures: draw them now.
        if !RunFileIO.exists(dir.file("report.html")) {
          RunFileIO.removeTemporaries(in: dir.path)
          RunFileIO.removeTemporaries(in: dir.file("figures"))
          do {
            try ReportHTML.write(dir)
          } catch {
            log("warning: could not write the figures and report.html: \(error)")
          }
        }
      case .completed(let dir, let m), .failed(let dir, let m):
        // Figures and report.html, drawn from the finished run directory; a failure here
        // leaves a trained run, so it is only reported. The trainer is gone: its memory
        // goes back first, so the figures' model does not sit on top of it.
        releaseFreedMemory()
        do {
          try ReportHTML.write(dir)
        } catch {
          log("warning: could not write the figures and report.html: \(error)")
        }
        printSummary(m, dir)
        if let message = m.message {
          writeStderr("error: \(message)\n")
          throw ExitCode(1)
        }
      }
    }

    /// `--engine pytorch`: export into the run directory and train there (train.py prints
    /// the progress and the summary); then the report, as for a native run.
    func runPyTorch() throws {
      let outcome: PyTorchEngine.Outcome
      do {
        if let resume {
          outcome = try PyTorchEngine.resume(resume, threads: threads, quiet: quiet)
        } else {
          let all = overrides + removals.map { "\($0)=~" } + (seed.map { ["train.seed=\($0)"] } ?? [])
          outcome = try PyTorchEngine.run(PyTorchEngine.Request(specPath: spec!, overrides: all, outputRoot: out, processes: nproc,
                                                                device: device, threads: threads, quiet: quiet))
        }
      } catch {
        writeStderr("error: \(error)\n")
        throw ExitCode(2)
      }
      switch outcome {
      case .invalid(let check):
        diagnosticOptions.print(check.diagnostics.sorted, sources: check.sources)
        throw ExitCode(check.ioFailure ? 2 : 1)
      case .unsupported(let e):
        writeStderr("error: \(e.description)\n")
        throw ExitCode(1)
      case .finished(let dir, let status, let code):
        switch status {
        case .completed?:
          do {
            try ReportHTML.write(dir)
          } catch {
            if !quiet { writeStderr("warning: could not write the figures and report.html: \(error)\n") }
          }
        case .interrupted?:
          writeStderr("interrupted; checkpoint saved. Continue with: flowc run --resume \(dir.path)\n")
          throw ExitCode(130)
        default:
          if status == nil { writeStderr("error: the PyTorch run ended (exit status \(code)) before it wrote \(dir.runInfo)\n") }
          throw ExitCode(code == 0 ? 1 : code == 130 ? 130 : 1)
        }
      }
    }

    /// The summary on standard output: test NLL, round trip, validation, steps.
    private func printSummary(_ m: Runner.FinalMetrics, _ dir: RunDirectory) {
      func f(_ x: Double?, _ format: String) -> String { x.map { String(format: format, $0) } ?? "none" }
      var line = "test NLL \(f(m.testNLL, "%.4f")) nats on \(m.testPoints ?? 0) held-out points"
      if let bpd = m.testBitsPerDim { line += " (\(String(format: "%.3f", bpd)) bits/dim)" }
      if let status = m.status, status != .ok { line += " [\(status.rawValue)]" }
      print(line)
      var roundTrip = "inverse round trip: max |g(f(x)) - x| = \(f(m.roundTripMaxError, "%.3g")) on the test set"
      if let replay = m.roundTripFloat64MaxError, let rows = m.roundTripRowsOverTolerance {
        // Float32 rounding amplified through the chain, or inputs the flow cannot give
        // back: the same weights in Float64 tell which.
        roundTrip += "; the \(formatCount(rows)) rows over \(f(m.roundTripTolerance, "%.3g")) in float32 invert to "
          + "\(f(replay, "%.3g")) in float64 with the same weights"
      }
      if m.status == .roundTripFailed { roundTrip += " [FAILED: over \(f(m.roundTripTolerance, "%.3g"))]" }
      print(roundTrip)
      if m.status != .roundTripFailed, let failed = m.roundTripRowsFailed, failed > 0 {
        print("warning: the round trip fails on \(formatCount(failed)) of the \(formatCount(m.testPoints ?? 0)) test rows in float64 too: "
              + "the trained flow is too ill-conditioned there to invert in floating point, so their reconstructions are wrong "
              + "(their log-densities, computed forwards, are not affected)")
      }
      if m.status == .ok, let bad = m.samplesNonFinite, bad > 0 {
        print("warning: \(formatCount(bad)) of the samples are not finite numbers (at most 1 % is the tails of a healthy flow: "
              + "its inverse is unbounded where the prior has little mass; a lower eval.temperature stays away from there)")
      }
      if let regenerated = m.samplesRegeneratedInFloat64 { print(regeneratedSamplesNote(regenerated)) }
      let validation = m.bestValidationNLL.map { "best validation NLL \(String(format: "%.4f", $0))" } ?? "no validation set"
      let memory = m.peakResidentBytes.map { " · peak memory \(formatBytes($0))" } ?? ""
      print("\(validation) · \(m.steps) steps in \(String(format: "%.1f", m.trainingSeconds)) s\(memory) · run directory \(dir.path)")
    }
  }
}
