import FlowData
import FlowPlot
import FlowcBuild
import FlowcRun
import Foundation
import SystemPackage

/// One figure of a run: a PNG under `figures/` and what it shows.
package struct RunFigure: Sendable, Equatable {
  package var file: String
  package var caption: String
}

/// Draws a run's figures into `figures/` from its files and its last checkpoint (nothing
/// is trained), choosing them by the data: 2-D data get the four panels, the density heat
/// map and the warped grid; image data get samples, reconstructions and the bits/dim
/// histogram; every run gets its loss curves.
package enum RunFigures {
  package static func write(_ directory: RunDirectory) throws -> [RunFigure] {
    let folder = directory.file("figures")
    try RunFileIO.makeDirectory(folder)
    var figures: [RunFigure] = []
    func save(_ canvas: Canvas, _ name: String, _ caption: String) throws {
      // Atomically, as every run file: a kill leaves the old figure or the new one.
      try RunFileIO.write(canvas.pngData(), to: FilePath(folder).appending(name).string)
      figures.append(RunFigure(file: "figures/\(name)", caption: caption))
    }
    let records = try readMetrics(directory.metrics)
    if !records.isEmpty { try save(lossCurves([("", records)]), "loss.png", "Training and validation NLL (nats) against steps.") }
    guard FileManager.default.fileExists(atPath: directory.lastCheckpoint) else { return figures }
    let model = try TrainedModel(checkpoint: directory.lastCheckpoint)
    // Only the test file is read (not the training set, shuffled and split, to throw away).
    let test = try DataPlan.testSet(model.graph.graph)
    if model.dimension == 2 {
      let points = test.rows(0..<min(test.count, 1_000))
      try save(TwoDimensional.panels(model, points), "panels.png",
               "z = f(X) of test data, z ~ p(z) from the prior, X test data, X = g(z) flow samples.")
      try save(TwoDimensional.density(model, points), "density.png",
               "The learnt density p(x) over the data's range, test data overlaid.")
      try save(TwoDimensional.warp(model, points), "warp.png",
               "Grid lines of data space (left) and the same lines pushed through f into latent space (right).")
    } else if let shape = model.graph.graph.shape?.value.map(\.value), shape.count >= 2 {
      let images = ImageFigures(model: model, shape: shape)
      try save(images.samples(test), "samples.png", "Samples at temperatures 0.5, 0.7 and 1.0.")
      try save(images.reconstructions(test), "reconstructions.png", "Test images (top) and their reconstructions g(f(x)) (bottom).")
      try save(images.bitsPerDimHistogram(test), "bpd-histogram.png", "Histogram of test bits/dim.")
    }
    return figures
  }

  /// The lines of metrics.jsonl (none if the file is missing). A last line cut short
  /// (a run killed while writing it) is left out, as a resume would drop it.
  /// - Throws: `RunFileError` naming the file and the line that is not a metrics record.
  package static func readMetrics(_ path: String) throws -> [EvaluationRecord] {
    guard RunFileIO.exists(path) else { return [] }
    let text = String(decoding: try RunFileIO.read(path), as: UTF8.self)
    let lines = text.split(separator: "\n")
    var records: [EvaluationRecord] = []
    for (i, line) in lines.enumerated() {
      do {
        records.append(try RunFileJSON.decode(EvaluationRecord.self, from: String(line)))
      } catch {
        if i == lines.count - 1, !text.hasSuffix("\n") { break }
        throw RunFileError(path: path, problem: "line \(i + 1) is not a metrics record flowc writes", writing: false)
      }
    }
    return records
  }

  /// Validation (solid) and training (dashed) NLL against steps, one colour a run; `name`
  /// prefixes the legend entries when there are several runs.
  package static func lossCurves(_ runs: [(name: String, records: [EvaluationRecord])]) -> Canvas {
    let canvas = Canvas(width: 640, height: 400)
    var series: [Series] = []
    for (i, run) in runs.enumerated() {
      let color = Color.series[i % Color.series.count]
      let steps = run.records.map { Double($0.step) }
      let prefix = run.name.isEmpty ? "" : run.name + " "
      series.append(Series(name: prefix + "validation", x: steps, y: run.records.map { $0.validationNLL ?? .nan }, color: color))
      series.append(Series(name: prefix + "train", x: steps, y: run.records.map { $0.trainNLL ?? .nan }, color: color, dashed: true))
    }
    let xs = extent(series.flatMap(\.x))
    let ys = extent(series.flatMap(\.y))
    let axes = Axes(canvas: canvas, cell: canvas.bounds, x: min(0, xs.lowerBound)...max(1, xs.upperBound), y: padded(ys))
    axes.decorate(title: "NLL against steps", xLabel: "step", yLabel: "NLL (nats)", grid: true)
    axes.lines(series)
    return canvas
  }
}
