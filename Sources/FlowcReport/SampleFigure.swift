import FlowData
import FlowPlot
import FlowcRun
import Foundation

/// `flowc sample -o FILE.png`: samples drawn as a figure instead of stored as numbers.
package enum SampleFigure {
  /// A scatter plot for 2-D data, a grid of up to 64 images for image data.
  /// - Throws: `PlotError` for other data (no figure fits them) or an unwritable file.
  package static func write(_ model: TrainedModel, _ samples: Dataset, to path: String) throws {
    if model.dimension == 2 {
      let xs = (0..<samples.count).map { Double(samples.row($0)[0]) }
      let ys = (0..<samples.count).map { Double(samples.row($0)[1]) }
      let canvas = Canvas(width: 560, height: 520)
      let axes = Axes(canvas: canvas, cell: canvas.bounds, x: TwoDimensional.robustRange(xs), y: TwoDimensional.robustRange(ys))
      axes.decorate(title: "\(samples.count) samples", xLabel: "x₀", yLabel: "x₁")
      axes.scatter(xs, ys, color: .samples, radius: 1.5)
      try canvas.writePNG(to: path)
    } else if let shape = model.graph.graph.shape?.value.map(\.value), shape.count >= 2 {
      let figures = ImageFigures(model: model, shape: shape)
      let shown = samples.rows(0..<min(64, samples.count))
      let grid = ImageGrid(images: figures.images(shown), width: figures.width, height: figures.height,
                           columns: min(8, shown.count))
      let size = grid.size(scale: 2)
      let canvas = Canvas(width: size.width, height: size.height)
      grid.draw(on: canvas, x: 0, y: 0, scale: 2)
      try canvas.writePNG(to: path)
    } else {
      throw PlotError(description: "a PNG of samples needs 2-D or image data; this flow has \(model.dimension) unshaped features (write .npy instead)")
    }
  }
}
