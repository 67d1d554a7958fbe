import ArgumentParser
import FlowData
import FlowcBuild
import FlowcDiff
import FlowcIR
import FlowcReport
import FlowcRun

extension FlowcCommand {
  /// `flowc sample`: draw from a trained flow.
  struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Draw samples from a trained flow's checkpoint (no spec file needed).",
      discussion: "Samples are z from the prior, its standard deviation (scale, for the logistic) times --temperature as in Glow, mapped to data space by the inverse flow and the inverse preprocessing."
    )

    @Argument(help: "A checkpoint written by flowc run (e.g. runs/NAME/checkpoints/best.safetensors).")
    var checkpoint: String

    @Option(name: .shortAndLong, help: "Number of samples.")
    var n: Int = 1000

    @Option(help: "Scale of the prior's standard deviation (1: the model's own distribution).")
    var temperature: Double = 1

    @Option(help: "Seed of the prior draws.")
    var seed: UInt64 = 0

    @Option(name: .shortAndLong, help: "Output .npy file (float32, one sample a row; images keep their shape), or a .png figure (a scatter plot of 2-D samples, a grid of up to 64 images).")
    var output: String = "samples.npy"

    func validate() throws {
      if n < 1 { throw ValidationError("-n must be at least 1") }
      if !(temperature > 0) || !temperature.isFinite { throw ValidationError("--temperature must be a finite number > 0") }
    }

    func run() throws {
      let model = try loadModel(checkpoint)
      let samples = model.sample(count: n, temperature: temperature, seed: seed)
      if output.lowercased().hasSuffix(".png") {
        do {
          try SampleFigure.write(model, samples, to: output)
        } catch {
          writeStderr("error: \(error)\n")
          throw ExitCode(2)
        }
        print("drew \(n) samples of dimension \(model.dimension) in \(output)")
        return
      }
      try writeOrFail(encodeNPY(samples), to: output)
      print("wrote \(n) samples of dimension \(model.dimension) to \(output)")
    }
  }
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
