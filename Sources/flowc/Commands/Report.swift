import ArgumentParser
import FlowcBuild
import FlowcDiff
import FlowcIR
import FlowcReport
import FlowcRun
import Foundation

extension FlowcCommand {
  /// `flowc report`: redraw a run's figures and report.html, or compare runs.
  struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Rebuild a run's figures and report.html, or put several runs side by side.",
      discussion: """
        With one run directory, redraws its figures/ and report.html from the run's files and its \
        last checkpoint (nothing is trained). With several, writes one page to -o with their loss \
        curves on the same axes, their final metrics and their figures side by side. The pages are \
        self-contained: images are inlined, nothing is fetched from a network.
        Exit status: 0 written, 1 a checkpoint that cannot be loaded, 2 usage or I/O error.
        """
    )

    @Argument(help: "Run directories written by flowc run.")
    var runs: [String] = []

    @Option(name: .shortAndLong, help: "Output HTML file (required with several runs; with one, a copy of its report.html).")
    var output: String?

    func validate() throws {
      if runs.isEmpty { throw ValidationError("give a run directory (or several, with -o)") }
      if runs.count > 1, output == nil { throw ValidationError("comparing runs needs -o FILE.html") }
    }

    func run() throws {
      let directories = runs.map { RunDirectory(path: $0) }
      for d in directories where !FileManager.default.fileExists(atPath: d.metrics) && !FileManager.default.fileExists(atPath: d.runInfo) {
        writeStderr("error: \(d.path) is not a run directory (no run.json or metrics.jsonl)\n")
        throw ExitCode(2)
      }
      do {
        if directories.count == 1 {
          let path = try ReportHTML.write(directories[0])
          if let output { try RunFileIO.write(RunFileIO.read(path), to: output) }
          print("wrote \(output ?? path)")
        } else {
          try ReportHTML.compare(directories, to: output!)
          print("wrote \(output!) comparing \(directories.count) runs")
        }
      } catch let e as CheckpointError {
        writeStderr("error: \(e.description)\n")
        throw ExitCode(1)
      } catch {
        writeStderr("error: \(error)\n")
        throw ExitCode(2)
      }
    }
  }
}
