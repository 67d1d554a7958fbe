import ArgumentParser
import FlowcDiagnostics
import FlowcLaunch
import FlowcReport
import FlowcRun
import Foundation

extension FlowcCommand {
  /// `flowc sweep`: a grid of runs, N at a time, under one folder.
  struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Run a spec over the cartesian product of --grid overrides, N runs at a time, in one sweep folder.",
      discussion: """
        Every point is checked before any run starts. Each runs as its own `flowc run` (one BLAS \
        thread by default) with its run directory directly under the sweep folder, so `flowc runs \
        DIR` is the summary; sweep.html compares the curves. Ctrl-C stops the runs after a \
        checkpoint; `flowc sweep --resume DIR` continues the unfinished ones. --emit slurm writes \
        a Slurm job-array script instead of running (docs/scale-out.md).
        Exit status: 0 every run completed, 1 an invalid point or a failed run, 2 usage or I/O \
        error, 130 interrupted.
        """
    )

    enum Emit: String, ExpressibleByArgument, CaseIterable {
      case slurm
    }

    enum Engine: String, ExpressibleByArgument, CaseIterable {
      case native, pytorch
    }

    @Argument(help: "The spec file (not needed with --resume).")
    var spec: String?

    @Option(help: "An axis of the grid: key=value1,value2,... (repeatable; the runs are every combination).")
    var grid: [String] = []

    @Option(name: .customLong("set"), help: "Change a spec value in every run, e.g. --set train.steps=1000 (repeatable).")
    var overrides: [String] = []

    @Option(help: "Runs at a time.")
    var jobs: Int = 1

    @Option(help: "Threads per run (BLAS threads; PyTorch threads per process).")
    var threads: Int = 1

    @Option(help: "What trains each run: 'native' or 'pytorch'.")
    var engine: Engine = .native

    @Option(help: "With --engine pytorch: processes per run (torchrun).")
    var nproc: Int = 1

    @Option(help: "With --engine pytorch: 'cpu' or 'cuda'.")
    var device: String = "cpu"

    @Option(help: "The sweep folder (default: sweeps/<name>-<yyyymmdd-HHMMSS>).")
    var out: String?

    @Option(help: "Continue the sweep in this folder: finished runs are kept, interrupted ones resumed, the rest started.")
    var resume: String?

    @Option(help: "With --resume: run only this point (0-based; what a Slurm array task runs).")
    var point: Int?

    @Option(help: "Write a script instead of running: 'slurm' (a job array, one task per point).")
    var emit: Emit?

    @OptionGroup var diagnosticOptions: DiagnosticOptions

    func validate() throws {
      if resume == nil, spec == nil { throw ValidationError("give a spec file and --grid, or --resume DIR") }
      if resume != nil, spec != nil || !grid.isEmpty || !overrides.isEmpty {
        throw ValidationError("--resume continues a sweep as it was planned; it takes no spec, --grid or --set")
      }
      if resume == nil, grid.isEmpty { throw ValidationError("give at least one --grid key=value1,value2,...") }
      if point != nil, resume == nil { throw ValidationError("--point picks a point of a planned sweep; use it with --resume DIR") }
      if jobs < 1 || threads < 1 || nproc < 1 { throw ValidationError("--jobs, --threads and --nproc must be at least 1") }
      if !["cpu", "cuda"].contains(device) { throw ValidationError("--device is 'cpu' or 'cuda'") }
      if engine != .pytorch, nproc != 1 || device != "cpu" {
        throw ValidationError("--nproc and --device choose how PyTorch runs; add --engine pytorch")
      }
    }

    func run() throws {
      let plan: SweepPlan
      let directory: String
      do {
        if let resume {
          plan = try SweepPlan.read(resume)
          directory = resume
        } else {
          plan = SweepPlan(specPath: spec!, baseOverrides: overrides, axes: try grid.map(SweepAxis.init(parsing:)),
                           engine: engine.rawValue, processes: nproc, device: device, threads: threads)
          directory = out ?? defaultFolder()
        }
      } catch let e as SweepError {
        writeStderr("error: \(e.description)\n")
        throw ExitCode(2)
      } catch {
        writeStderr("error: cannot read the sweep in '\(resume ?? "")': \(error)\n")
        throw ExitCode(2)
      }
      if let point, !plan.points.indices.contains(point) {
        writeStderr("error: the sweep has points 0 to \(plan.points.count - 1); --point \(point) is not one\n")
        throw ExitCode(2)
      }

      // Every point is checked before anything runs.
      let failures = FlowcLaunch.Sweep.validate(plan)
      if !failures.isEmpty {
        for (p, check, message) in failures {
          writeStderr("error: sweep point \(p.index) (\(p.label)) is invalid\(message.map { ": \($0)" } ?? ""):\n")
          if let check { diagnosticOptions.print(check.diagnostics.sorted, sources: check.sources) }
        }
        writeStderr("\(failures.count) of \(plan.points.count) points are invalid; nothing was run\n")
        throw ExitCode(1)
      }
      do {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try plan.write(to: directory)
      } catch {
        writeStderr("error: cannot write the sweep folder '\(directory)': \(error.localizedDescription)\n")
        throw ExitCode(2)
      }

      let axes = plan.axes.map { "\($0.key) (\($0.values.count))" }.joined(separator: " × ")
      if emit == .slurm {
        let path = (directory as NSString).appendingPathComponent("sweep.sbatch")
        try? FileManager.default.createDirectory(atPath: (directory as NSString).appendingPathComponent("logs"),
                                                 withIntermediateDirectories: true)
        let script = FlowcLaunch.Sweep.slurmScript(plan, directory: directory, jobs: jobs, executable: currentExecutable())
        do {
          try Data(script.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
          chmod(path, 0o755)
        } catch {
          writeStderr("error: cannot write '\(path)': \(error.localizedDescription)\n")
          throw ExitCode(2)
        }
        print("wrote \(path): a Slurm job array of \(plan.points.count) tasks (\(axes)), \(jobs) at a time; submit with: sbatch \(path)")
        return
      }

      writeStderr("sweep of \(plan.specPath): \(plan.points.count) runs (\(axes)), \(jobs) at a time, \(plan.threads) thread\(plan.threads == 1 ? "" : "s") each, engine \(plan.engine), in \(directory)\n")
      let summary: FlowcLaunch.Sweep.Summary
      do {
        summary = try FlowcLaunch.Sweep.run(plan, directory: directory, jobs: jobs, only: point.map { [$0] },
                                            executable: currentExecutable()) { writeStderr($0 + "\n") }
      } catch {
        writeStderr("error: \(error)\n")
        throw ExitCode(2)
      }

      // The summary: the runs table of the folder, and the curves on one page.
      if let table = try? RunsTable.load(root: directory) {
        print(table.renderText(), terminator: "")
      }
      let runs = summary.results.compactMap(\.runDirectory)
      if runs.count > 1 {
        let page = (directory as NSString).appendingPathComponent("sweep.html")
        do {
          try ReportHTML.compare(runs.map { RunDirectory(path: $0) }, to: page)
          writeStderr("wrote \(page) comparing \(runs.count) runs\n")
        } catch {
          writeStderr("warning: could not write \(page): \(error)\n")
        }
      }
      let busy = summary.results.reduce(0) { $0 + $1.seconds }
      writeStderr("\(summary.results.filter { $0.status == "completed" }.count) completed, "
                  + "\(summary.results.filter { $0.status == "skipped" }.count) already done, "
                  + "\(summary.results.filter { !["completed", "skipped"].contains($0.status) }.count) other; "
                  + "wall time \(formatFixed(summary.wallSeconds, 1)) s for \(formatFixed(busy, 1)) s of runs\n")
      if summary.interrupted {
        writeStderr("interrupted; continue with: flowc sweep --resume \(directory)\n")
        throw ExitCode(130)
      }
      if !summary.allCompleted { throw ExitCode(1) }
    }

    /// sweeps/<name>-<yyyymmdd-HHMMSS>, named after the spec file.
    func defaultFolder() -> String {
      let formatter = DateFormatter()
      formatter.locale = Locale(identifier: "en_US_POSIX")
      formatter.timeZone = TimeZone(identifier: "UTC")
      formatter.dateFormat = "yyyyMMdd-HHmmss"
      let name = ((spec ?? "sweep") as NSString).lastPathComponent.components(separatedBy: ".").first ?? "sweep"
      return "sweeps/\(name)-\(formatter.string(from: Date()))"
    }
  }
}
