import FlowcDiagnostics
import FlowcExport
import FlowcIR
import FlowcRun
import Foundation

/// One axis of a sweep: `--grid train.lr=1e-4,3e-4` is the key and its values (YAML, as
/// `--set` takes them).
package struct SweepAxis: Codable, Sendable, Equatable {
  package var key: String
  package var values: [String]

  /// Parses `key=v1,v2,...`. Commas inside brackets, braces or quotes belong to a value
  /// (`--grid templates.net.hidden=[64, 64],[128, 128]` has two values).
  package init(parsing text: String) throws {
    guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
      throw SweepError("--grid '\(text)' is not key=value1,value2,...")
    }
    key = String(text[..<eq])
    var values: [String] = []
    var current = ""
    var depth = 0
    var quote: Character?
    for c in text[text.index(after: eq)...] {
      if let q = quote {
        if c == q { quote = nil }
      } else if c == "\"" || c == "'" {
        quote = c
      } else if c == "[" || c == "{" {
        depth += 1
      } else if c == "]" || c == "}" {
        depth -= 1
      } else if c == ",", depth == 0 {
        values.append(current.trimmingCharacters(in: .whitespaces))
        current = ""
        continue
      }
      current.append(c)
    }
    values.append(current.trimmingCharacters(in: .whitespaces))
    guard !values.contains(where: \.isEmpty) else { throw SweepError("--grid '\(text)' has an empty value") }
    guard Set(values).count == values.count else { throw SweepError("--grid '\(text)' lists a value twice") }
    self.values = values
  }
}

/// One run of a sweep: its grid values as `--set` overrides.
package struct SweepPoint: Codable, Sendable, Equatable {
  package var index: Int
  package var overrides: [String]

  /// `train.lr=1e-4 train.seed=0`.
  package var label: String { overrides.joined(separator: " ") }
}

/// A sweep as `sweep.json` records it: the spec, the overrides every run shares, the grid,
/// the engine and the points, so that `flowc sweep --resume DIR` (and a Slurm array task)
/// needs nothing else.
package struct SweepPlan: Codable, Sendable {
  package var format = "flowc-sweep-1"
  package var flowcVersion: String
  package var specPath: String
  /// `--set` values every run gets, before the grid's.
  package var baseOverrides: [String]
  package var axes: [SweepAxis]
  /// `native` or `pytorch`.
  package var engine: String
  /// PyTorch processes per run (torchrun's --nproc_per_node).
  package var processes: Int
  package var device: String
  /// Threads per run (BLAS threads, or PyTorch's per process).
  package var threads: Int
  package var points: [SweepPoint]

  /// The cartesian product of the axes, the first axis varying slowest.
  package init(specPath: String, baseOverrides: [String], axes: [SweepAxis], engine: String, processes: Int, device: String,
               threads: Int) {
    self.flowcVersion = FlowcRun.flowcVersion
    self.specPath = specPath
    self.baseOverrides = baseOverrides
    self.axes = axes
    self.engine = engine
    self.processes = processes
    self.device = device
    self.threads = threads
    var combos: [[String]] = [[]]
    for axis in axes { combos = combos.flatMap { c in axis.values.map { c + ["\(axis.key)=\($0)"] } } }
    points = combos.enumerated().map { SweepPoint(index: $0.offset, overrides: $0.element) }
  }

  /// Every override of `point`'s run, in the order its run.json records them.
  package func overrides(_ point: SweepPoint) -> [String] { baseOverrides + point.overrides }

  package static func read(_ directory: String) throws -> SweepPlan {
    try RunFileJSON.read(SweepPlan.self, from: (directory as NSString).appendingPathComponent("sweep.json"))
  }

  package func write(to directory: String) throws {
    try RunFileJSON.write(self, to: (directory as NSString).appendingPathComponent("sweep.json"))
  }
}

/// A sweep that cannot start: a bad grid, a point whose spec does not check, a kind the
/// engine cannot run.
package struct SweepError: Error, CustomStringConvertible {
  package var description: String
  package init(_ description: String) { self.description = description }
}

/// `flowc sweep` (docs/scale-out.md): every point of a grid as its own `flowc run` child
/// process, N at a time, each in its own run directory directly under the sweep folder,
/// so `flowc runs DIR` is the summary; an interrupted sweep resumes its unfinished runs.
package enum Sweep {
  /// Checks every point's spec (with its overrides) before anything runs; for the PyTorch
  /// engine also that every layer kind exports. Returns the failed checks, by point.
  package static func validate(_ plan: SweepPlan) -> [(SweepPoint, Pipeline.CheckResult?, String?)] {
    var failures: [(SweepPoint, Pipeline.CheckResult?, String?)] = []
    for point in plan.points {
      let check = Pipeline.check(path: plan.specPath, options: Pipeline.Options(overrides: plan.overrides(point)))
      guard let v = check.validated, !check.diagnostics.hasErrors else {
        failures.append((point, check, nil))
        continue
      }
      if plan.engine == "pytorch" {
        if let problem = ExportError(exporting: v.graph) { failures.append((point, nil, problem.description)) }
      }
    }
    return failures
  }

  /// Where a point stands in the sweep folder.
  package enum PointState: Equatable {
    /// No run directory yet.
    case fresh
    /// A run that finished (completed, or diverged: a result, not something to retry).
    case finished(String, status: String)
    /// A run that stopped with a checkpoint to continue from.
    case resumable(String)
  }

  /// The run directories directly under `directory` whose run.json overrides are the
  /// point's, and what to do about the point.
  package static func state(of point: SweepPoint, in plan: SweepPlan, directory: String) -> PointState {
    let want = plan.overrides(point)
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    var resumable: String?
    for name in names {
      let run = RunDirectory(path: (directory as NSString).appendingPathComponent(name))
      guard let info = try? RunInfo.read(run.runInfo), info.overrides == want else { continue }
      switch info.status {
      case .completed, .diverged: return .finished(run.path, status: info.status.rawValue)
      default:
        if FileManager.default.fileExists(atPath: run.lastCheckpoint) { resumable = run.path }
      }
    }
    return resumable.map { .resumable($0) } ?? .fresh
  }

  /// Moves the run directories of `point` that can neither be resumed nor count as a
  /// result (no checkpoint: killed before the first one) out of the way, as hidden
  /// `.abandoned-<name>` folders, before the point starts again.
  static func setAsideAbandoned(_ point: SweepPoint, in plan: SweepPlan, directory: String) {
    let want = plan.overrides(point)
    for name in ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []) where !name.hasPrefix(".") {
      let path = (directory as NSString).appendingPathComponent(name)
      let run = RunDirectory(path: path)
      guard let info = try? RunInfo.read(run.runInfo), info.overrides == want, info.status != .completed,
            !FileManager.default.fileExists(atPath: run.lastCheckpoint) else { continue }
      try? FileManager.default.moveItem(atPath: path, toPath: (directory as NSString).appendingPathComponent(".abandoned-" + name))
    }
  }

  /// The `flowc` command line of `point`: a new run, or the resumption of its run.
  package static func command(for point: SweepPoint, in plan: SweepPlan, directory: String, state: PointState) -> [String] {
    if case .resumable(let run) = state {
      return ["run", "--resume", run, "--threads", String(plan.threads), "--quiet"]
    }
    var args = ["run", plan.specPath] + plan.overrides(point).flatMap { ["--set", $0] }
    args += ["--out", directory, "--threads", String(plan.threads), "--quiet"]
    if plan.engine == "pytorch" {
      args += ["--engine", "pytorch", "--nproc", String(plan.processes), "--device", plan.device]
    }
    return args
  }

  /// What became of one point.
  package struct PointResult: Sendable {
    package var point: SweepPoint
    /// completed, diverged, interrupted, failed, or skipped (finished before this call).
    package var status: String
    package var runDirectory: String?
    package var seconds: Double
    package var exitCode: Int32?
  }

  /// The sweep's outcome.
  package struct Summary: Sendable {
    package var results: [PointResult]
    package var wallSeconds: Double
    package var interrupted: Bool
    /// Whether every point has a completed run.
    package var allCompleted: Bool { results.allSatisfy { $0.status == "completed" || $0.status == "skipped" } }
  }

  /// Runs the points that are not finished (`only`: just these indices), `jobs` at a time,
  /// each as a child `flowc` (the binary at `executable`) logging to `logs/point-<i>.log`.
  /// `log` receives one line as each run starts and ends.
  package static func run(_ plan: SweepPlan, directory: String, jobs: Int, only: Set<Int>? = nil, executable: String,
                          log: @escaping (String) -> Void) throws -> Summary {
    let logs = (directory as NSString).appendingPathComponent("logs")
    try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
    let start = Date()
    var results: [PointResult] = []
    var queue: [(SweepPoint, PointState)] = []
    let n = plan.points.count
    for point in plan.points where only?.contains(point.index) ?? true {
      let state = state(of: point, in: plan, directory: directory)
      if case .finished(let run, let status) = state {
        results.append(PointResult(point: point, status: status == "completed" ? "skipped" : status, runDirectory: run, seconds: 0))
        log("[\(point.index + 1)/\(n)] \(point.label): already \(status) (\((run as NSString).lastPathComponent))")
      } else {
        queue.append((point, state))
      }
    }
    StopRequests.install()
    var running: [(SweepPoint, ChildProcess, Date)] = []
    var interrupted = false
    while !queue.isEmpty || !running.isEmpty {
      while running.count < max(1, jobs), !queue.isEmpty, !StopRequests.requested {
        let (point, state) = queue.removeFirst()
        if state == .fresh { setAsideAbandoned(point, in: plan, directory: directory) }
        let args = command(for: point, in: plan, directory: directory, state: state)
        let child = try ChildProcess(executable, args, logPath: (logs as NSString).appendingPathComponent("point-\(point.index).log"))
        running.append((point, child, Date()))
        log("[\(point.index + 1)/\(n)] \(point.label): \(state == .fresh ? "started" : "resumed")")
      }
      if StopRequests.requested {
        interrupted = true
        waitForwardingStops(running.map(\.1))
      }
      var still: [(SweepPoint, ChildProcess, Date)] = []
      for (point, child, began) in running {
        if child.isRunning {
          still.append((point, child, began))
          continue
        }
        let code = child.wait()
        let seconds = Date().timeIntervalSince(began)
        var status = code == 0 ? "completed" : code == 130 ? "interrupted" : "failed"
        var run: String?
        switch state(of: point, in: plan, directory: directory) {
        case .finished(let r, let s): run = r; status = s
        case .resumable(let r): run = r; if status == "completed" { status = "interrupted" }
        case .fresh: break
        }
        var line = "[\(point.index + 1)/\(n)] \(point.label): \(status) in \(formatFixed(seconds, 1)) s"
        if let run, let final = try? RunFileJSON.read(Runner.FinalMetrics.self, from: RunDirectory(path: run).final),
           let nll = final.testNLL {
          line += ", test NLL \(formatFixed(nll, 4))"
          if let status = final.status, status != .ok { line += " [\(status.rawValue)]" }
        }
        if status != "completed" { line += " (log: logs/point-\(point.index).log)" }
        log(line)
        results.append(PointResult(point: point, status: status, runDirectory: run, seconds: seconds, exitCode: code))
      }
      running = still
      if !running.isEmpty { usleep(100_000) }
      if StopRequests.requested, running.isEmpty { interrupted = true; break }
    }
    for (point, _) in queue { results.append(PointResult(point: point, status: "not started", runDirectory: nil, seconds: 0)) }
    results.sort { $0.point.index < $1.point.index }
    return Summary(results: results, wallSeconds: Date().timeIntervalSince(start), interrupted: interrupted)
  }

  /// A Slurm job-array script for the sweep: task i runs point i with
  /// `flowc sweep --resume DIR --point i`, so a task resubmitted after a preemption
  /// continues its run instead of starting another, and a finished point is skipped.
  package static func slurmScript(_ plan: SweepPlan, directory: String, jobs: Int, executable: String) -> String {
    let n = plan.points.count
    let axes = plan.axes.map(\.key).joined(separator: " × ")
    let cpus = plan.threads * (plan.engine == "pytorch" ? plan.processes : 1)
    var lines = [
      "#!/bin/bash",
      "# flowc \(plan.flowcVersion) sweep of \(plan.specPath): \(n) runs (\(axes)), engine \(plan.engine).",
      "# Submit with: sbatch \(directory)/sweep.sbatch   Summary: flowc runs \(directory)",
      "#SBATCH --job-name=flowc-sweep",
      "#SBATCH --array=0-\(n - 1)%\(max(1, jobs))",
      "#SBATCH --ntasks=1",
      "#SBATCH --cpus-per-task=\(cpus)",
    ]
    if plan.engine == "pytorch", plan.device == "cuda" { lines.append("#SBATCH --gres=gpu:\(plan.processes)") }
    lines += [
      "#SBATCH --output=\(directory)/logs/slurm-%A_%a.log",
      "set -euo pipefail",
      "cd \(shellQuote(FileManager.default.currentDirectoryPath))",
      "exec \(shellQuote(executable)) sweep --resume \(shellQuote(directory)) --point \"$SLURM_ARRAY_TASK_ID\" --jobs 1",
      "",
    ]
    return lines.joined(separator: "\n")
  }

  /// `text` as one single-quoted shell word.
  static func shellQuote(_ text: String) -> String {
    if !text.isEmpty, text.allSatisfy({ $0.isLetter || $0.isNumber || "/._-+=:,".contains($0) }) { return text }
    return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }
}
