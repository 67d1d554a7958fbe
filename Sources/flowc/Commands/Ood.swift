import ArgumentParser
import FlowData
import FlowcOOD
import FlowcRun
import Foundation

extension FlowcCommand {
  /// `flowc ood`: how well a trained flow's scores tell its own data from other data.
  struct Ood: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "ood",
      abstract: "Score in- and out-of-distribution inputs with a trained flow: AUROC, AUPR and FPR95 of each OOD score.",
      discussion: """
        Scores the IN set (default: the model's own test set) and each OUT set with the flow, through the \
        preprocessing and dequantization of its training data, and prints for every score (raw likelihood, \
        typicality per input and in batches, likelihood minus compressed size, likelihood ratio against \
        --background) AUROC, AUPR and the false-positive rate at 95 % true-positive rate, OUT being positive. \
        See docs/ood.md. Exit status: 0 scored, 1 a checkpoint or data that do not fit, 2 usage or I/O error.
        """
    )

    @Argument(help: "A checkpoint written by flowc run.")
    var checkpoint: String

    @Option(name: .customLong("in"), help: "The IN set: an IDX, .npy or .csv file (default: the model's test set, its classes applied).")
    var inPath: String?

    @Option(help: "What the table calls the IN set.")
    var inName: String?

    @Option(name: .customLong("out"), help: "An OUT set, as FILE or NAME=FILE (IDX, .npy or .csv, optionally gzipped; repeatable).")
    var outSets: [String] = []

    @Option(help: "An OUT set made of these classes of the model's test file, e.g. '9' or '8,9' (needs its labels).")
    var outClasses: String?

    @Option(help: "A second flowc checkpoint of the same data shape, for the likelihood-ratio score.")
    var background: String?

    @Option(name: .customLong("typicality-batch"), help: "Batch size M of the typicality test (repeatable; default 10).")
    var typicalityBatches: [Int] = []

    @Option(help: "The compressor of the complexity score: 'png' (through cairo) or 'zlib' (repeatable; default png).")
    var compressor: [String] = []

    @Option(help: "Training rows scored for the typical bits/dim.")
    var trainingRows: Int = 10_000

    @Flag(help: "Print one JSON object per score and OUT set (JSON Lines) instead of the table.")
    var json = false

    @Option(help: "Also write the JSON Lines to this file (the table still goes to standard output).")
    var jsonOut: String?

    @Option(name: .shortAndLong, help: "Write an HTML report (table, histograms, ROC curves, most and least likely inputs).")
    var output: String?

    @Option(help: "Also write the report's figures as PNG files into this folder.")
    var figures: String?

    func validate() throws {
      if outSets.isEmpty && outClasses == nil { throw ValidationError("give an OUT set: --out FILE or --out-classes LIST") }
      if let c = outClasses, OODRequest.classes(c) == nil { throw ValidationError("--out-classes '\(c)' is not a comma-separated list of labels") }
      if compressor.contains(where: { Compressor(rawValue: $0) == nil }) { throw ValidationError("--compressor must be 'png' or 'zlib'") }
      if typicalityBatches.contains(where: { $0 < 1 }) { throw ValidationError("--typicality-batch must be at least 1") }
      if trainingRows < 1 { throw ValidationError("--training-rows must be at least 1") }
    }

    func run() throws {
      var request = OODRequest(checkpoint: checkpoint)
      (request.inPath, request.inName, request.background) = (inPath, inName, background)
      request.outFiles = outSets.map(OODRequest.outFile)
      request.outClasses = outClasses.flatMap(OODRequest.classes)
      if !typicalityBatches.isEmpty { request.options.typicalityBatches = typicalityBatches }
      var seen = Set<String>()
      if !compressor.isEmpty { request.options.compressors = compressor.filter { seen.insert($0).inserted }.map { Compressor(rawValue: $0)! } }
      request.options.trainingRows = trainingRows
      let analysis: OODAnalysis
      do {
        analysis = try OODAnalysis.run(request)
      } catch {
        writeStderr("error: \(error)\n")
        throw ExitCode((error as? DataError)?.id == "data-unreadable" ? 2 : 1)
      }
      print(json ? analysis.jsonLines() : analysis.renderText(), terminator: "")
      if let jsonOut { try writeOrFail(Array(analysis.jsonLines().utf8), to: jsonOut) }
      do {
        try analysis.writeReport(to: output, figuresDirectory: figures)
      } catch {
        writeStderr("error: cannot write the report: \(error)\n")
        throw ExitCode(2)
      }
      if let output, !json { print("wrote \(output)") }
    }
  }
}
