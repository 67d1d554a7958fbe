import FlowcDiagnostics
import FlowcExport
import FlowcIR
import FlowcRun
import Foundation

/// `flowc run --engine pytorch`: checks the spec as `flowc run` does, makes the run
/// directory, exports the flow into its `pytorch/` folder and runs that package's
/// train.py there, in one process or under torchrun (`python3 -m torch.distributed.run
/// --standalone`, so parallel runs never share a rendezvous port). train.py writes every
/// file of the run directory in flowc's formats (docs/scale-out.md).
package enum PyTorchEngine {
  /// What the user asked for.
  package struct Request: Sendable {
    package var specPath: String
    package var overrides: [String]
    package var outputRoot: String
    /// Processes (torchrun's --nproc_per_node); 1 runs train.py directly.
    package var processes: Int
    /// `cpu` or `cuda`.
    package var device: String
    /// CPU threads per process (nil: PyTorch's default).
    package var threads: Int?
    package var quiet: Bool

    package init(specPath: String, overrides: [String] = [], outputRoot: String = "runs", processes: Int = 1,
                 device: String = "cpu", threads: Int? = nil, quiet: Bool = false) {
      self.specPath = specPath
      self.overrides = overrides
      self.outputRoot = outputRoot
      self.processes = processes
      self.device = device
      self.threads = threads
      self.quiet = quiet
    }
  }

  /// How a launch ended.
  package enum Outcome {
    /// The spec (or an override) is invalid: nothing was started.
    case invalid(Pipeline.CheckResult)
    /// A layer kind has no PyTorch exporter.
    case unsupported(ExportError)
    /// train.py ran; `status` is what its run.json says (nil if it wrote none) and
    /// `exitCode` how the process ended.
    case finished(RunDirectory, status: RunInfo.Status?, exitCode: Int32)
  }

  /// The Python interpreter: `$FLOWC_PYTHON`, else `python3` from the PATH.
  package static var python: String { ProcessInfo.processInfo.environment["FLOWC_PYTHON"] ?? "python3" }

  /// Exports and trains a new run.
  package static func run(_ request: Request) throws -> Outcome {
    let check = Pipeline.check(path: request.specPath, options: Pipeline.Options(overrides: request.overrides))
    guard let validated = check.validated, !check.diagnostics.hasErrors else { return .invalid(check) }
    let origin = ExportOrigin(specText: String(decoding: check.source?.bytes ?? [], as: UTF8.self), specPath: request.specPath,
                              overrides: request.overrides, flowcVersion: flowcVersion)
    let package: PyTorchPackage
    do { package = try exportPyTorch(validated, origin: origin) } catch let e as ExportError { return .unsupported(e) }
    let directory = try RunDirectory.create(root: request.outputRoot, name: validated.graph.name)
    let packagePath = directory.file("pytorch")
    try package.write(to: packagePath)
    var arguments = ["--run-dir", directory.path, "--device", request.device]
    if let t = request.threads { arguments += ["--threads", String(t)] }
    if request.quiet { arguments.append("--quiet") }
    let code = try launch(train: packagePath + "/train.py", arguments: arguments, processes: request.processes, threads: request.threads)
    return .finished(directory, status: try? RunInfo.read(directory.runInfo).status, exitCode: code)
  }

  /// Continues the PyTorch run in `path` with the package it was started with.
  package static func resume(_ path: String, threads: Int?, quiet: Bool) throws -> Outcome {
    let directory = RunDirectory(path: path)
    let info = try runFileObject(directory.runInfo)
    let processes = info["processes"] as? Int ?? 1
    let device = (info["device"] as? String ?? "cpu").hasPrefix("cuda") ? "cuda" : "cpu"
    var arguments = ["--resume", directory.path, "--device", device]
    let t = threads ?? (info["threads"] as? Int)
    if let t { arguments += ["--threads", String(t)] }
    if quiet { arguments.append("--quiet") }
    let code = try launch(train: directory.file("pytorch/train.py"), arguments: arguments, processes: processes, threads: t)
    return .finished(directory, status: try? RunInfo.read(directory.runInfo).status, exitCode: code)
  }

  /// The engine a run directory was trained with: `pytorch` or `native`.
  package static func engine(of path: String) -> String {
    (try? runFileObject(RunDirectory(path: path).runInfo))?["engine"] as? String ?? "native"
  }

  /// Runs train.py (under torchrun for several processes) and waits; Ctrl-C reaches it
  /// (it checkpoints and exits 130) while this process waits for it to finish.
  static func launch(train: String, arguments: [String], processes: Int, threads: Int?) throws -> Int32 {
    var args: [String]
    if processes > 1 {
      args = ["-m", "torch.distributed.run", "--standalone", "--nproc_per_node=\(processes)", train] + arguments
    } else {
      args = [train] + arguments
    }
    StopRequests.install()
    let env = threads.map { ["OMP_NUM_THREADS": String($0)] } ?? [:]
    let child = try ChildProcess(python, args, environment: env)
    waitForwardingStops([child])
    return child.wait()
  }

  static func runFileObject(_ path: String) throws -> [String: Any] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    return (try JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
  }
}
