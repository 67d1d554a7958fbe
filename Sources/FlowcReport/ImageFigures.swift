import FlowData
import FlowPlot
import FlowRuntime
import FlowcRun
import Foundation

/// The figures of a flow on image data (grayscale; colour images are shown as the mean of
/// their channels).
struct ImageFigures {
  let model: TrainedModel
  let shape: [Int]

  var height: Int { shape[shape.count - 2] }
  var width: Int { shape[shape.count - 1] }
  var channels: Int { shape.count > 2 ? shape[0] : 1 }

  /// The largest pixel value of the data (levels − 1).
  var top: Float {
    var top: Float = 255
    for case .scale(let levels) in model.preprocessing.steps { top = Float(min(levels, 256) - 1) }
    return top
  }

  /// Data-space rows to 8-bit grayscale images.
  func images(_ data: Dataset) -> [[UInt8]] {
    let plane = width * height
    return (0..<data.count).map { i in
      let row = data.row(i)
      return (0..<plane).map { p in
        var sum: Float = 0
        for c in 0..<channels { sum += row[c * plane + p] }
        let v = (sum / Float(channels)).rounded(.down)
        return UInt8(v.isNaN ? 0 : max(0, min(255, v * 255 / top)))
      }
    }
  }

  /// Sixteen samples at each of three temperatures; for a conditional flow, a row of
  /// eight samples per class (labelled at the left) at each temperature, or for a column
  /// context samples at the context rows of `test` in turn.
  func samples(_ test: Dataset) -> Canvas {
    let temperatures = [0.5, 0.7, 1.0]
    let classes = model.contextClasses
    let perRow = 8, rows = classes ?? 2
    let context = classes.map { k in ContextRows.labels((0..<(k * perRow)).map { $0 / perRow }) }
      ?? Runner.sampleContext(model.graph.graph, count: rows * perRow, test: test)
    let grids = temperatures.map {
      ImageGrid(images: images(model.sample(count: rows * perRow, temperature: $0, seed: 0, context: context)),
                width: width, height: height, columns: perRow)
    }
    let scale = 2
    let size = grids[0].size(scale: scale)
    let band = 24.0, margin = classes == nil ? 10.0 : 34.0
    let canvas = Canvas(width: size.width + Int(margin) + 10, height: temperatures.count * (size.height + Int(band)) + 10)
    for (i, grid) in grids.enumerated() {
      let y = Double(i) * (Double(size.height) + band)
      canvas.text("temperature \(temperatures[i])" + (classes == nil ? "" : " · a row per class"), x: 10, y: y + band / 2 + 2,
                  size: 12, bold: true)
      grid.draw(on: canvas, x: margin, y: y + band, scale: scale)
      for k in 0..<(classes ?? 0) {
        let rowY = y + band + Double(size.height) * (Double(k) + 0.5) / Double(rows)
        canvas.text("\(k)", x: 10, y: rowY, size: 11)
      }
    }
    return canvas
  }

  func reconstructions(_ test: Dataset) -> Canvas {
    let originals = test.rows(0..<min(8, test.count))
    let back = model.decode(model.encode(originals), context: originals.contextRows)
    let grid = ImageGrid(images: images(originals) + images(back), width: width, height: height, columns: originals.count)
    let size = grid.size(scale: 3)
    let canvas = Canvas(width: size.width + 20, height: size.height + 20)
    grid.draw(on: canvas, x: 10, y: 10, scale: 3)
    return canvas
  }

  func bitsPerDimHistogram(_ test: Dataset) -> Canvas {
    let rows = test.rows(0..<min(1_000, test.count))
    let bpd = model.logDensity(rows).map { bitsPerDimension(nats: -$0, dimension: model.dimension) }.filter(\.isFinite)
    let range = padded(extent(bpd), 0.02)
    let bins = 30
    let step = (range.upperBound - range.lowerBound) / Double(bins)
    var counts = [Double](repeating: 0, count: bins)
    for v in bpd { counts[min(bins - 1, Int((v - range.lowerBound) / step))] += 1 }
    let canvas = Canvas(width: 640, height: 400)
    let axes = Axes(canvas: canvas, cell: canvas.bounds, x: range, y: 0...((counts.max() ?? 1) * 1.08))
    axes.bars(edges: (0...bins).map { range.lowerBound + Double($0) * step }, counts: counts)
    axes.decorate(title: "test bits/dim (\(bpd.count) images)", xLabel: "bits/dim", yLabel: "images")
    return canvas
  }
}
