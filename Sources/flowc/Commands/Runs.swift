import ArgumentParser
import FlowcBuild
import FlowcDiff
import FlowcIR
import FlowcReport
import FlowcRun
import Foundation

extension FlowcCommand {
  /// `flowc runs`: a table of the runs under a directory.
  struct Runs: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List the run directories under DIR: date, status, the settings that differ between them, final metrics."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
      case text, json
    }

    @Argument(help: "The folder holding run directories.")
    var directory: String = "runs"

    @Option(help: "Sort by 'name', 'date', 'status' or a metric: test_nll, best_val_nll, final_val_nll, test_bpd, steps, training_seconds, parameters.")
    var sort: String = "date"

    @Option(help: "How to print the table: 'text' (aligned) or 'json'.")
    var format: Format = .text

    func validate() throws {
      if !RunsTable.sortKeys.contains(sort) {
        throw ValidationError("--sort '\(sort)' is not one of: \(RunsTable.sortKeys.joined(separator: ", "))")
      }
    }

    func run() throws {
      var table: RunsTable
      do {
        table = try RunsTable.load(root: directory)
      } catch {
        writeStderr("error: \(error)\n")
        throw ExitCode(2)
      }
      table.sort(by: sort)
      switch format {
      case .text: print(table.renderText(), terminator: "")
      case .json: print(table.json().serialized())
      }
    }
  }
}
