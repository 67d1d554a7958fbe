import ArgumentParser
import FlowData
import FlowcBuild
import FlowcDiff
import FlowcIR
import FlowcReport
import FlowcDiagnostics
import FlowcRun
import FlowRuntime

extension FlowcCommand {
  /// `flowc sample`: draw from a trained flow.
  struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Draw samples from a trained flow's checkpoint (no spec file needed).",
      discussion: "Samples are z from the prior, its standard deviation (scale, for the logistic) times --temperature as in Glow, mapped to data space by the inverse flow and the inverse preprocessing."
    )

    @Argument(help: "A checkpoint written by flowc run (e.g. runs/NAME/checkpoints/best.safetensors).")
    var checkpoint: String

    @Option(name: .shortAndLong, help: "Number of samples (default 1000).")
    var n: Int?

    @Option(help: "Scale of the prior's standard deviation (1: the model's own distribution).")
    var temperature: Double = 1

    @Option(help: "Seed of the prior draws.")
    var seed: UInt64 = 0

    // Unconditional: `--context -0.5` is a value here, not an unknown option (a column
    // context is any real number, and users write it so).
    @Option(name: .customLong("context"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp("A conditional flow's context for the samples: a class (3), or for a flow conditioned on CSV columns one value per column, in the spec's order (0.5,1.2 or -0.5,1.2) or by name (temperature=0.5,pressure=1.2). Repeatable: the samples go in equal consecutive blocks, one per context given, in order (default for classes: every class).",
                               valueName: "context"))
    var context: [String] = []

    @Option(name: .customLong("context-file"),
            help: "A conditional flow's contexts from a file, one sample per row, in order (instead of -n and --context): an IDX label file for classes, a CSV file whose header names the context columns for a column context.")
    var contextFile: String?

    @Option(name: .shortAndLong, help: "Output .npy file (float32, one sample a row; images keep their shape), or a .png figure (a scatter plot of 2-D samples, a grid of up to 64 images).")
    var output: String = "samples.npy"

    /// The most points a scatter-plot PNG draws (a grid of images shows 64).
    static let maxPNGPoints = 1_000_000

    func validate() throws {
      if let n, n < 1 { throw ValidationError("-n must be at least 1") }
      if contextFile != nil, n != nil || !context.isEmpty {
        throw ValidationError("--context-file gives the class of every sample (one per label); leave out -n and --context")
      }
      let n = self.n ?? 1000
      if !(temperature > 0) || !temperature.isFinite { throw ValidationError("--temperature must be a finite number > 0") }
      if output.lowercased().hasSuffix(".png"), n > Self.maxPNGPoints {
        throw ValidationError("a .png draws at most \(formatCount(Self.maxPNGPoints)) samples; write a .npy for more")
      }
    }

    /// The context of each of `count` samples (nil for an unconditional flow), after
    /// checking `--context` against the checkpoint's flow.
    func sampleContext(_ model: TrainedModel, count: Int, fromFile: ContextRows?) throws -> ContextRows? {
      if let fromFile {
        let w = model.contextColumns?.count ?? 1
        return fromFile.rows(0..<min(count, fromFile.count(width: w)), width: w)
      }
      if let columns = model.contextColumns {
        guard !context.isEmpty else {
          writeStderr("error: the flow of \(checkpoint) is conditioned on \(columnList(columns)): give the samples' context with --context "
                      + "(e.g. --context \(columns.map { "\($0)=0" }.joined(separator: ","))) or --context-file <a CSV file with those columns>\n")
          throw ExitCode(1)
        }
        let rows = try context.map { try ColumnContext.parse($0, columns: columns) }
        // Equal consecutive blocks, one per --context, as for classes.
        return .values((0..<count).flatMap { rows[$0 * rows.count / max(1, count)] })
      }
      guard !context.isEmpty else { return model.sampleLabels(count: count).map(ContextRows.labels) }
      guard let k = model.contextClasses else {
        writeStderr("error: --context: the flow of \(checkpoint) is unconditional (its spec has no 'data.context')\n")
        throw ExitCode(1)
      }
      var classes: [Int] = []
      for text in context {
        guard let c = Int(text) else {
          writeStderr("error: --context \(text): the flow of \(checkpoint) is conditioned on class labels: give a class, an integer in 0 ..< \(k)\n")
          throw ExitCode(1)
        }
        guard c >= 0 && c < k else {
          writeStderr("error: --context \(c): the flow of \(checkpoint) encodes classes 0 ..< \(k)\n")
          throw ExitCode(1)
        }
        classes.append(c)
      }
      return model.sampleLabels(count: count, classes: classes).map(ContextRows.labels)
    }

    /// The contexts of `--context-file`, checked against the flow (nil without the
    /// option): classes from an IDX label file, or a column context's values from the
    /// named columns of a CSV file.
    func fileContext(_ model: TrainedModel) throws -> ContextRows? {
      guard let contextFile else { return nil }
      if let columns = model.contextColumns {
        do {
          let rows = try readCSVTable(contextFile).contextValues(columns: columns)
          return .values(rows)
        } catch {
          writeStderr("error: --context-file: \(error)\n")
          throw ExitCode(1)
        }
      }
      return try fileLabels(model).map(ContextRows.labels)
    }

    /// The classes of `--context-file`, checked against the flow.
    func fileLabels(_ model: TrainedModel) throws -> [Int]? {
      guard let contextFile else { return nil }
      guard let k = model.contextClasses else {
        writeStderr("error: --context-file: the flow of \(checkpoint) is unconditional (its spec has no 'data.context')\n")
        throw ExitCode(1)
      }
      let labels: [Int]
      do {
        labels = try readIDXLabels(contextFile)
        try Dataset(values: [], count: labels.count, dimension: 0, labels: labels, source: contextFile)
          .checkLabels(below: k, labelsPath: contextFile)
      } catch {
        writeStderr("error: --context-file: \(error)\n")
        throw ExitCode(1)
      }
      guard !labels.isEmpty else {
        writeStderr("error: --context-file: \(contextFile) holds no labels\n")
        throw ExitCode(1)
      }
      return labels
    }

    func run() throws {
      let model = try loadModel(checkpoint)
      // One sample per label (or context row) of --context-file, else -n.
      let fromFile = try fileContext(model)
      let n = fromFile?.count(width: model.contextColumns?.count ?? 1) ?? self.n ?? 1000
      if output.lowercased().hasSuffix(".png"), model.rowShape.count < 2, n > Self.maxPNGPoints {
        writeStderr("error: a .png draws at most \(formatCount(Self.maxPNGPoints)) samples; write a .npy for more\n")
        throw ExitCode(1)
      }
      if output.lowercased().hasSuffix(".png") {
        // A grid shows the first 64 images: draw only those (the same as the first 64 of n).
        let count = model.rowShape.count >= 2 ? min(n, 64) : n
        let samples = model.sample(count: count, temperature: temperature, seed: seed,
                                   context: try sampleContext(model, count: count, fromFile: fromFile))
        try reportNonFinite(samples.values.count { !$0.isFinite }, of: "values of the samples")
        do {
          try SampleFigure.write(model, samples, to: output)
        } catch {
          writeStderr("error: \(error)\n")
          throw ExitCode(2)
        }
        print("drew \(count) samples of dimension \(model.dimension) in \(output)")
        return
      }
      // Before any work: the file's size must be a number and fit on its disk.
      guard let bytes = NPYStreamWriter.byteCount(count: n, rowShape: model.rowShape) else {
        writeStderr("error: cannot write '\(output)': \(n) samples of \(model.rowShape.map(String.init).joined(separator: "×")) float32 values are more bytes than a file can hold\n")
        throw ExitCode(2)
      }
      if let free = availableBytes(forFileAt: output), bytes > free {
        writeStderr("error: cannot write '\(output)': \(n) samples take \(formatBytes(bytes)), but only \(formatBytes(free)) are free there\n")
        throw ExitCode(2)
      }
      var nonFinite = 0, regenerated = 0
      let context = try sampleContext(model, count: n, fromFile: fromFile)
      do {
        let writer = try NPYStreamWriter(path: output, count: n, rowShape: model.rowShape)
        regenerated = try model.sample(count: n, temperature: temperature, seed: seed, context: context) { batch in
          nonFinite += batch.values.count { !$0.isFinite }
          try writer.append(batch.values)
        }
        try writer.finish()
      } catch {
        writeStderr("error: \(error)\n")
        throw ExitCode(2)
      }
      print("wrote \(n) samples of dimension \(model.dimension) to \(output)")
      if regenerated > 0 { print(regeneratedSamplesNote(regenerated)) }
      try reportNonFinite(nonFinite, of: "values of the samples")
    }
  }
}

/// `'temperature'` or `'temperature' and 'pressure'`: context columns as messages name them.
func columnList(_ columns: [String]) -> String {
  let quoted = columns.map { "'\($0)'" }
  return quoted.count <= 1 ? "column " + quoted.joined() : "columns " + quoted.dropLast().joined(separator: ", ") + " and " + quoted.last!
}

/// The note `flowc sample` and `flowc run` print when Float32 samples were made again in
/// Float64 (`FlowEvaluator.sample`).
func regeneratedSamplesNote(_ count: Int) -> String {
  "note: \(formatCount(count)) of the samples overflowed in float32 and were made again from the same latents in float64 with the same weights"
}

/// Says how many of the outputs are not finite numbers, and fails (exit 1) when any is:
/// a checkpoint with NaN weights, or a point the flow gives no density, must not pass
/// for a result.
func reportNonFinite(_ count: Int, of what: String) throws {
  guard count > 0 else { return }
  writeStderr("error: \(formatCount(count)) \(what) are not finite numbers (NaN or infinite); is the checkpoint's training diverged?\n")
  throw ExitCode(1)
}

/// Loads a checkpoint, turning its errors into exit code 1 with the file named.
func loadModel(_ path: String, float64: Bool = false) throws -> TrainedModel {
  do {
    return try TrainedModel(checkpoint: path, float64: float64)
  } catch {
    writeStderr("error: \(error)\n")
    throw ExitCode(1)
  }
}

/// Writes a file, turning failure into exit code 2 with the path named.
func writeOrFail(_ bytes: [UInt8], to path: String) throws {
  do {
    try writeFileBytes(bytes, to: path)
  } catch {
    writeStderr("error: \(error)\n")
    throw ExitCode(2)
  }
}
