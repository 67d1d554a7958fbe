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
  /// `flowc eval`: log-densities of points under a trained flow.
  struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Compute log p(x) of each point under a trained flow's checkpoint.",
      discussion: "Points are in data space (as in the data files); the preprocessing's Jacobian is included, so values compare with other models of the same data. Without --data the spec's own test set is scored (its relative paths are read from the folder the run read them from). A --data file whose name does not say its format is read in the spec's 'source' format. Log-densities that are not finite are counted and reported instead of a mean (exit 1)."
    )

    @Argument(help: "A checkpoint written by flowc run.")
    var checkpoint: String

    @Option(help: "Points to score: a .npy, .csv or IDX file (default: the spec's test set); for a flow conditioned on CSV columns, a CSV file whose header names them (they are each point's context, the other columns its features).")
    var data: String?

    @Option(help: "The IDX label file of --data: each point's class, the context of a conditional flow (needed with --data for one, refused for an unconditional flow).")
    var labels: String?

    @Option(name: .shortAndLong, help: "Write log p(x) of each point to this .npy (float64).")
    var output: String?

    @Flag(help: "Compute in Float64 even for a float32 flow (the weights convert exactly), so rare low-density points carry no Float32 rounding.")
    var float64 = false

    func run() throws {
      let model = try loadModel(checkpoint, float64: float64)
      let classes = model.contextClasses
      let columns = model.contextColumns
      if let labels, let columns {
        writeStderr("error: --labels \(labels): the flow of \(checkpoint) is conditioned on \(columnList(columns)), which --data carries; leave out --labels\n")
        throw ExitCode(1)
      }
      if data != nil, classes != nil, labels == nil {
        writeStderr("error: the flow of \(checkpoint) is conditional: give the class of each point of --data with --labels <IDX label file>\n")
        throw ExitCode(1)
      }
      if let labels, data == nil || classes == nil {
        writeStderr("error: --labels \(labels): " + (data == nil ? "it labels the points of --data, which is not given (the spec's test set carries its own labels)"
                                                               : "the flow of \(checkpoint) is unconditional, so labels would change nothing") + "\n")
        throw ExitCode(1)
      }
      let points: Dataset
      do {
        if let data {
          // A name that says nothing (`points.bin`) is read as the spec's source says.
          let declared = DataFormat(rawValue: model.graph.graph.settings.data.source.value.rawValue)
          points = try readDataset(data, format: DataFormat(fileName: data) == nil ? declared : nil, labels: labels,
                                   contextColumns: columns)
          try points.checkFits(dimension: model.dimension)
          if let classes, let labels { try points.checkLabels(below: classes, labelsPath: labels) }
        } else {
          points = try DataPlan.testSet(model.graph.graph)
        }
      } catch {
        writeStderr("error: \(error)\n")
        throw ExitCode(1)
      }
      let logp = model.logDensity(points)
      if let output { try writeOrFail(encodeNPY(doubles: logp), to: output) }
      let nan = logp.count { $0.isNaN }
      let negative = logp.count { $0 == -.infinity }
      let positive = logp.count { $0 == .infinity }
      guard nan + negative + positive == 0 else {
        var parts: [String] = []
        if nan > 0 { parts.append("\(formatCount(nan)) NaN") }
        if negative > 0 { parts.append("\(formatCount(negative)) -inf (no density)") }
        if positive > 0 { parts.append("\(formatCount(positive)) +inf") }
        writeStderr("error: \(formatCount(nan + negative + positive)) of the \(formatCount(logp.count)) log-densities are not finite (\(parts.joined(separator: ", "))), so no mean NLL is reported"
                    + (output.map { "; \($0) holds them as they are" } ?? "") + "\n")
        throw ExitCode(1)
      }
      let nll = -logp.reduce(0, +) / Double(max(1, logp.count))
      var line = "mean NLL \(formatFixed(nll, 4)) nats over \(logp.count) points"
      if model.preprocessing.reportsBitsPerDimension {
        line += " (\(formatFixed(bitsPerDimension(nats: nll, dimension: model.dimension), 3)) bits/dim)"
      }
      print(line)
    }
  }
}
